# SPDX-License-Identifier: Apache-2.0
# A real `kiln serve` for the end-to-end tests: started on a free loopback
# port in a temporary directory, talked to with boto3, the aws CLI and raw
# signed HTTP, stopped with SIGTERM (SIGKILL after a timeout) and removed even
# when a test fails. Not thread-safe: one test thread drives one server.
#
# The kiln binary comes from $KILN_BINARY (ctest sets it to the built target):
#   ctest --preset release -L e2e -j2
#   cd tests/e2e && KILN_BINARY=$PWD/../../build/release/src/cli/kiln \
#     python3 -m unittest -v test_builds
# A server's output goes to <data dir>.server.log beside its data dir.
import configparser
import contextlib
import ctypes
import datetime
import http.client
import json
import os
import signal
import subprocess
import tempfile
import time
import types
import unittest
import urllib.parse

import boto3
import botocore.auth
import botocore.config
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = "us-east-1"
ACCOUNT = "000000000000"
CODEBUILD_TARGET = "CodeBuild_20161006."
LOGS_TARGET = "Logs_20140328."
JSON_11 = "application/x-amz-json-1.1"

# Environment variables that would make the aws CLI or botocore use other
# credentials, profiles or config than the server's key.
_AWS_ENV_NOISE = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                  "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                  "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_CA_BUNDLE", "AWS_ENDPOINT_URL",
                  "AWS_ENDPOINT_URL_CODEBUILD", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS")


def kiln_binary():
    binary = os.environ.get("KILN_BINARY", "")
    if not binary or not os.access(binary, os.X_OK):
        raise unittest.SkipTest("KILN_BINARY does not name the kiln executable (ctest sets it)")
    return binary


def _die_with_parent():
    # The server must not outlive a test runner that ctest killed on timeout:
    # PR_SET_PDEATHSIG (1) sends it SIGKILL when this process exits. Best
    # effort; the normal path is stop() below.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except OSError:
        pass


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value, which is returned.
    Raises AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class AwsCliError(Exception):
    """The aws CLI exited non-zero; stderr holds its message."""

    def __init__(self, args, returncode, stdout, stderr):
        super().__init__(f"aws {' '.join(args)} exited {returncode}: {stderr.strip()}")
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


class KilnServer:
    """One `kiln serve --executor <executor>` process on a data dir.

    With data_dir=None a temporary directory is made and removed by
    cleanup(); a given data_dir is left alone (restart tests reuse one)."""

    def __init__(self, data_dir=None, executor="shell", extra_args=()):
        self.binary = kiln_binary()
        self._tempdir = None
        if data_dir is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="kiln-e2e-")
            data_dir = os.path.join(self._tempdir.name, "data")
        self.data_dir = data_dir
        self.executor = executor
        self.extra_args = list(extra_args)
        self.process = None
        self.endpoint = None
        self._log = None
        self._clients = []
        self.log_path = os.path.join(os.path.dirname(os.path.abspath(data_dir)),
                                     os.path.basename(data_dir) + ".server.log")

    # -- life cycle ---------------------------------------------------------

    def start(self, timeout=30):
        """Starts the server and waits until DATA_DIR/endpoint names a URL
        whose /kiln/health answers. Returns self."""
        os.makedirs(self.data_dir, exist_ok=True)
        endpoint_file = os.path.join(self.data_dir, "endpoint")
        # After a kill -9 the old endpoint file is still there, naming a dead
        # port; only the new process's file counts.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(endpoint_file)
        self._log = open(self.log_path, "ab")
        argv = [self.binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
                "--executor", self.executor] + self.extra_args
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)

        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"kiln serve exited {self.process.returncode} at start:\n"
                                     + self.log_tail())
            try:
                with open(endpoint_file) as f:
                    url = f.read().strip()
            except FileNotFoundError:
                return None
            if not url.startswith("http://"):
                return None
            try:
                status, _, _ = raw_request(url, "GET", "/kiln/health", timeout=2)
            except OSError:
                return None
            return url if status == 200 else None

        self.endpoint = wait_until(ready, timeout, what="kiln serve to listen")
        return self

    def stop(self, timeout=30):
        """SIGTERM, then SIGKILL if still running after `timeout` seconds.
        Returns the exit status (negative: killed by that signal)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self._reap()

    def terminate(self):
        """Sends SIGTERM and returns at once; wait() collects the exit."""
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout=30):
        """Waits for the process to exit by itself; returns its exit status."""
        self.process.wait(timeout)
        return self._reap()

    def kill(self):
        """kill -9, as a crash or an OOM killer would."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        return self._reap()

    def _reap(self):
        code = self.process.returncode
        self.process = None
        # Clients of this process keep connections to a port nobody serves.
        for client in self._clients:
            client.close()
        self._clients = []
        if self._log:
            self._log.close()
            self._log = None
        return code

    def cleanup(self):
        try:
            self.kill()
        finally:
            if self._tempdir is not None:
                self._tempdir.cleanup()
                self._tempdir = None

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return "(no server log)"

    # -- credentials and clients ---------------------------------------------

    @property
    def credentials_path(self):
        return os.path.join(self.data_dir, "credentials")

    def credentials(self, path=None, profile="default"):
        parser = configparser.ConfigParser()
        parser.read(path or self.credentials_path)
        section = parser[profile]
        return Credentials(section["aws_access_key_id"], section["aws_secret_access_key"])

    def client(self, service="codebuild", credentials=None, **config):
        """A boto3 client for `service` with the admin key (or `credentials`).
        No retries, so a 5xx or throttling answer shows at once."""
        creds = credentials or self.credentials()
        options = {"retries": {"total_max_attempts": 1}, "read_timeout": 30,
                   "connect_timeout": 5}
        options.update(config)
        client = boto3.session.Session().client(
            service, region_name=REGION, endpoint_url=self.endpoint,
            aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret_key,
            config=botocore.config.Config(**options))
        self._clients.append(client)
        return client

    def aws_env(self, credentials_file=None):
        env = {k: v for k, v in os.environ.items() if k not in _AWS_ENV_NOISE}
        env.update({"AWS_SHARED_CREDENTIALS_FILE": credentials_file or self.credentials_path,
                    "AWS_CONFIG_FILE": "/dev/null", "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1",
                    "AWS_EC2_METADATA_DISABLED": "true"})
        return env

    def aws_run(self, *args, credentials_file=None, timeout=60):
        """Runs `aws --region us-east-1 --endpoint-url URL --output json ARGS`;
        returns the CompletedProcess whatever the exit status."""
        argv = ["aws", "--region", REGION, "--endpoint-url", self.endpoint, "--output", "json"]
        argv += [str(a) for a in args]
        return subprocess.run(argv, env=self.aws_env(credentials_file), capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def aws(self, *args, **kwargs):
        """The aws CLI's parsed JSON output ({} when it prints nothing);
        AwsCliError when it fails."""
        done = self.aws_run(*args, **kwargs)
        if done.returncode != 0:
            raise AwsCliError([str(a) for a in args], done.returncode, done.stdout, done.stderr)
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def aws_error(self, *args, **kwargs):
        """Runs an aws CLI call that must fail; returns its stderr."""
        done = self.aws_run(*args, **kwargs)
        if done.returncode == 0:
            raise AssertionError(f"aws {' '.join(map(str, args))} succeeded: {done.stdout}")
        return done.stderr

    def kiln(self, *args, check=True):
        """Runs the kiln binary (e.g. `keys create`) on this data dir."""
        done = subprocess.run([self.binary] + [str(a) for a in args], capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
        if check and done.returncode != 0:
            raise AssertionError(f"kiln {' '.join(map(str, args))} exited {done.returncode}: "
                                 f"{done.stderr}")
        return done

    # -- raw HTTP --------------------------------------------------------------

    def signed_request(self, target, body, credentials=None, service="codebuild",
                       region=REGION, signing_time=None, headers=None):
        """POST / with X-Amz-Target `target` and bytes `body`, signed with
        botocore's SigV4Auth (at `signing_time`, a naive UTC datetime, if
        given). Returns (status, headers, parsed JSON body or raw bytes)."""
        request = AWSRequest(method="POST", url=self.endpoint + "/", data=body,
                             headers={"Content-Type": JSON_11, "X-Amz-Target": target,
                                      **(headers or {})})
        with signing_clock(signing_time):
            botocore.auth.SigV4Auth(credentials or self.credentials(), service,
                                    region).add_auth(request)
        return raw_request(self.endpoint, "POST", "/", body=body,
                           headers=dict(request.headers.items()))

    def unsigned_request(self, target, body):
        return raw_request(self.endpoint, "POST", "/", body=body,
                           headers={"Content-Type": JSON_11, "X-Amz-Target": target})


@contextlib.contextmanager
def signing_clock(when):
    """Makes botocore's signer believe it is `when` (naive UTC). Covers both
    the older signer (datetime.datetime.utcnow) and the newer one
    (botocore.auth.get_current_datetime)."""
    if when is None:
        yield
        return

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when

        @classmethod
        def now(cls, tz=None):
            return when if tz is None else when.replace(tzinfo=datetime.timezone.utc)

    frozen_module = types.SimpleNamespace(datetime=FrozenDatetime, timezone=datetime.timezone,
                                          timedelta=datetime.timedelta)
    saved_module = botocore.auth.datetime
    saved_now = getattr(botocore.auth, "get_current_datetime", None)
    botocore.auth.datetime = frozen_module
    if saved_now is not None:
        botocore.auth.get_current_datetime = lambda *a, **k: when
    try:
        yield
    finally:
        botocore.auth.datetime = saved_module
        if saved_now is not None:
            botocore.auth.get_current_datetime = saved_now


def raw_request(endpoint, method, path, body=None, headers=None, timeout=30):
    """One HTTP request; returns (status, headers dict, JSON or bytes)."""
    url = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        response_headers = {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()
    try:
        return response.status, response_headers, json.loads(data)
    except ValueError:
        return response.status, response_headers, data


# -- projects and builds -----------------------------------------------------

def buildspec(*commands, post_build=(), exported=(), extra=""):
    """Inline buildspec text: `commands` in BUILD, `post_build` in POST_BUILD."""
    lines = ["version: 0.2"]
    if exported:
        lines += ["env:", "  exported-variables:"] + [f"    - {name}" for name in exported]
    lines += ["phases:", "  build:", "    commands:"]
    lines += [f"      - {json.dumps(c)}" for c in commands]
    if post_build:
        lines += ["  post_build:", "    commands:"] + [f"      - {json.dumps(c)}"
                                                        for c in post_build]
    return "\n".join(lines) + "\n" + extra


def project_input(name, spec=None, **members):
    """A minimal CreateProject input (NO_SOURCE, NO_ARTIFACTS, kiln/busybox)."""
    project = {
        "name": name,
        "source": {"type": "NO_SOURCE", "buildspec": spec or buildspec("echo hello")},
        "artifacts": {"type": "NO_ARTIFACTS"},
        "environment": {"type": "LINUX_CONTAINER", "image": "kiln/busybox:1.0",
                        "computeType": "BUILD_GENERAL1_SMALL"},
        "serviceRole": f"arn:aws:iam::{ACCOUNT}:role/kiln",
    }
    project.update(members)
    return project


def get_build(client, build_id):
    builds = client.batch_get_builds(ids=[build_id])["builds"]
    if len(builds) != 1:
        raise AssertionError(f"batch-get-builds did not return {build_id}")
    return builds[0]


def wait_for_build(client, build_id, timeout=30):
    """Polls BatchGetBuilds until the build is complete; returns it."""
    return wait_until(lambda: (lambda b: b if b["buildComplete"] else None)(
        get_build(client, build_id)), timeout, interval=0.1, what=f"build {build_id} to complete")


def wait_for_phase(client, build_id, phase, timeout=30):
    """Polls until the build's currentPhase is `phase` (or it completed)."""
    def reached():
        build = get_build(client, build_id)
        if build["buildComplete"] and phase != "COMPLETED":
            raise AssertionError(f"build {build_id} completed before reaching {phase}: "
                                 f"{build['buildStatus']}")
        return build if build["currentPhase"] == phase else None
    return wait_until(reached, timeout, interval=0.1, what=f"build {build_id} in {phase}")


def phase(build, phase_type):
    """The build's phase record of type `phase_type`, or None."""
    for p in build.get("phases", []):
        if p["phaseType"] == phase_type:
            return p
    return None


def log_lines(client_logs, build, timeout=10):
    """Every message of the build's log stream, read forward from the head."""
    group, stream = build["logs"]["groupName"], build["logs"]["streamName"]
    messages, token = [], None
    while True:
        args = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
        if token:
            args["nextToken"] = token
        page = client_logs.get_log_events(**args)
        messages += [e["message"] for e in page["events"]]
        if page["nextForwardToken"] == token:
            return messages
        token = page["nextForwardToken"]


def read_pid(path, timeout=20):
    """Waits for a build to write a pid to `path` (the buildspecs here do
    `sh -c 'echo $$ > PATH; exec sleep 60'`); returns it."""
    def read():
        try:
            with open(path) as f:
                text = f.read().strip()
            return int(text) if text else None
        except FileNotFoundError:
            return None
    return wait_until(read, timeout, what=f"the build to write {path}")


def process_alive(pid, name=None):
    """True if `pid` runs (not a zombie) and, when given, its argv[0] ends in `name`."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0")[0].decode()
    except (OSError, IndexError):
        return False
    if state == "Z":
        return False
    return name is None or os.path.basename(argv0) == name


def kill_if_alive(pid, name):
    """Ends a process this test's build started (by its pid, after checking
    it is still that program), so a server bug cannot leak it past the test."""
    if process_alive(pid, name):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def start_module_server(**kwargs):
    """Starts a server for a test module and registers its cleanup with
    unittest, so it is stopped and removed even when tests fail."""
    server = KilnServer(**kwargs)
    unittest.addModuleCleanup(server.cleanup)
    server.start()
    return server
