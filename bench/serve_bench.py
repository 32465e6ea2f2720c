#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The `kiln serve` benchmarks (docs/benchmarks.md, "kiln serve").

  bench/serve_bench.py                      # all four; about 10 minutes
  bench/serve_bench.py startup --runs 11    # 1. StartBuild -> COMPLETED vs docker run
  bench/serve_bench.py throughput           # 2. 1,000 `true` builds, shell executor
  bench/serve_bench.py latency              # 3. BatchGetBuilds/ListBuildsForProject, 100,000 builds
  bench/serve_bench.py load                 # 4. 200 concurrent clients for 30 s (after `latency`'s fill)

Needs a release build (build/release/src/cli/kiln and
build/release/bench/kiln_serve_bench), Docker with kiln/busybox:1.0 for
`startup`, and botocore/boto3. Every server runs on a fresh data dir under
/tmp, removed at the end (--keep keeps it). The timed clients of 2-4 are the
C++ kiln_serve_bench; this script starts servers, fills stores and prints.
"""
import argparse
import configparser
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KILN = os.environ.get("KILN", os.path.join(ROOT, "build/release/src/cli/kiln"))
TOOL = os.environ.get("KILN_SERVE_BENCH", os.path.join(ROOT, "build/release/bench/kiln_serve_bench"))
REGION = "us-east-1"
CB = "CodeBuild_20161006."


def machine_line():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    return f"machine: {os.cpu_count()} cores, {model}, load {load}"


def spread(values, unit="", digits=1, scale=1.0):
    v = [x * scale for x in values]
    return f"{statistics.median(v):.{digits}f}{unit} (min {min(v):.{digits}f}, max {max(v):.{digits}f})"


class Server:
    """`kiln serve` on a fresh data dir; stopped with SIGTERM."""

    def __init__(self, work, name, executor, extra=()):
        self.data_dir = os.path.join(work, name)
        os.makedirs(self.data_dir, exist_ok=True)
        self.log_path = os.path.join(work, name + ".log")
        self.args = [KILN, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
                     "--executor", executor, *extra]
        self.proc = None

    def start(self):
        endpoint_file = os.path.join(self.data_dir, "endpoint")
        if os.path.exists(endpoint_file):
            os.unlink(endpoint_file)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not os.path.exists(endpoint_file):
            if self.proc.poll() is not None:
                raise SystemExit(f"kiln serve exited {self.proc.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                raise SystemExit(f"kiln serve did not write {endpoint_file} within 60 s")
            time.sleep(0.05)
        self.endpoint = open(endpoint_file).read().strip()
        ini = configparser.ConfigParser()
        ini.read(os.path.join(self.data_dir, "credentials"))
        self.credentials = Credentials(ini["default"]["aws_access_key_id"],
                                       ini["default"]["aws_secret_access_key"])
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def memory(self):
        """VmRSS and VmHWM of the server process, in MiB."""
        out = {}
        for line in open(f"/proc/{self.proc.pid}/status"):
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                n = int(value.split()[0])
                out[key] = n / 1024 if key != "Threads" else n
        return out

    def client(self):
        return LeanClient(self.endpoint, self.credentials)

    def boto3(self):
        import boto3
        import botocore.config
        return boto3.session.Session(
            aws_access_key_id=self.credentials.access_key,
            aws_secret_access_key=self.credentials.secret_key,
            region_name=REGION).client(
                "codebuild", endpoint_url=self.endpoint,
                config=botocore.config.Config(retries={"max_attempts": 1}))


class LeanClient:
    """Signed requests on one kept-alive http.client connection, signed by
    botocore's SigV4Auth per request: what boto3 sends, without its parsing
    and retry machinery."""

    def __init__(self, endpoint, credentials):
        self.endpoint = endpoint
        self.credentials = credentials
        url = urllib.parse.urlsplit(endpoint)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)

    def _send(self, method, path, query, service, headers, body):
        url = self.endpoint + path + ("?" + query if query else "")
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(self.credentials, service, REGION).add_auth(request)
        self.conn.request(method, path + ("?" + query if query else ""), body=body,
                          headers=dict(request.headers.items()))
        response = self.conn.getresponse()
        return response.status, response.read()

    def raw(self, op, payload):
        return self._send("POST", "/", "", "codebuild",
                          {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": CB + op},
                          json.dumps(payload).encode())

    def call(self, op, payload):
        status, body = self.raw(op, payload)
        if status != 200:
            raise SystemExit(f"{op}: HTTP {status}: {body[:300]!r}")
        return json.loads(body)

    def follow_log(self, build_id):
        path = "/kiln/v1/builds/" + urllib.parse.quote(build_id, safe="") + "/log"
        status, body = self._send("GET", path, "follow=true", "codebuild", {}, b"")
        if status != 200:
            raise SystemExit(f"log of {build_id}: HTTP {status}: {body[:300]!r}")
        return body


def project(name, image, commands, realistic=False):
    buildspec = "version: 0.2\nphases:\n  build:\n    commands:\n" + "".join(
        f"      - {c}\n" for c in commands)
    p = {"name": name,
         "source": {"type": "NO_SOURCE", "buildspec": buildspec},
         "artifacts": {"type": "NO_ARTIFACTS"},
         "environment": {"type": "LINUX_CONTAINER", "image": image,
                         "computeType": "BUILD_GENERAL1_SMALL"},
         "serviceRole": "arn:aws:iam::000000000000:role/kiln"}
    if realistic:
        # What a typical CI project carries, so a build document has its
        # usual size (about 3 KB): variables, tags, timeouts, a log group.
        p["description"] = "Builds and tests the service on every push to main"
        p["source"]["buildspec"] = (
            "version: 0.2\nenv:\n  variables:\n    GOFLAGS: -mod=vendor\n"
            "phases:\n  install:\n    commands:\n      - echo install\n"
            "  pre_build:\n    commands:\n      - echo pre_build\n"
            "  build:\n    commands:\n      - echo build\n      - echo test\n"
            "  post_build:\n    commands:\n      - echo post_build\n")
        p["environment"]["environmentVariables"] = [
            {"name": n, "value": v, "type": "PLAINTEXT"} for n, v in (
                ("STAGE", "production"), ("AWS_DEFAULT_REGION", "us-east-1"),
                ("GO_VERSION", "1.21.5"), ("NODE_ENV", "production"),
                ("ARTIFACT_BUCKET", "acme-build-artifacts-000000000000"),
                ("SLACK_CHANNEL", "#ci-builds"))]
        p["timeoutInMinutes"] = 60
        p["queuedTimeoutInMinutes"] = 480
        p["tags"] = [{"key": "team", "value": "platform"}, {"key": "cost-center", "value": "cc-1234"}]
        p["logsConfig"] = {"cloudWatchLogs": {"status": "ENABLED", "groupName": "/ci/acme/" + name}}
    return p


def run_tool(*args):
    out = subprocess.run([TOOL, *args], stdout=subprocess.PIPE, check=False)
    if out.returncode not in (0, 3):
        raise SystemExit(f"kiln_serve_bench {args[0]} failed ({out.returncode})")
    return json.loads(out.stdout)


def wait_complete(client, build_id, mode):
    """Returns the build document once the client sees buildComplete."""
    if mode == "follow":
        client.follow_log(build_id)
    while True:
        build = client.call("BatchGetBuilds", {"ids": [build_id]})["builds"][0]
        if build.get("buildComplete"):
            return build
        time.sleep(0.02)


def phase_durations(build):
    return {p["phaseType"]: p["endTime"] - p["startTime"] for p in build["phases"] if "endTime" in p}


# --- 1 -------------------------------------------------------------------

def bench_startup(args, work, results):
    image = args.image
    server = Server(work, "startup", "docker").start()
    try:
        client = server.client()
        client.call("CreateProject", project("hello", image, ["echo hello"]))
        docker = ["docker", "run", "--rm", image, "sh", "-c", "echo hello"]
        # The engine alone, as a third arm: `kiln run` of the same buildspec.
        spec = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo hello\n"
        kiln_run = [KILN, "run", "--no-source", "--executor", "docker", "--image", image,
                    "--buildspec", spec, "--data-dir", os.path.join(work, "run/data"),
                    "--artifacts-dir", os.path.join(work, "run/artifacts"), "-q"]
        for mode in args.wait:
            rows = {"kiln": [], "docker": [], "ratio": [], "phases": [], "kiln_run": [],
                    "ratio_run": []}
            for i in range(args.warmup + args.runs):
                t0 = time.monotonic()
                started = client.call("StartBuild", {"projectName": "hello"})["build"]
                start_call = time.monotonic() - t0
                build = wait_complete(client, started["id"], mode)
                kiln = time.monotonic() - t0
                seen = time.time()
                if build["buildStatus"] != "SUCCEEDED":
                    raise SystemExit(f"build {build['id']} ended {build['buildStatus']}")
                t0 = time.monotonic()
                subprocess.run(docker, stdout=subprocess.DEVNULL, check=True)
                ref = time.monotonic() - t0
                run = time_process(kiln_run)[0] if args.kiln_run else None
                if i < args.warmup:
                    continue
                if run is not None:
                    rows["kiln_run"].append(run)
                    rows["ratio_run"].append(run / ref)
                rows["kiln"].append(kiln)
                rows["docker"].append(ref)
                rows["ratio"].append(kiln / ref)
                phases = phase_durations(build)
                phases["StartBuild call"] = start_call
                # From the end of the build (server clock) to the client
                # seeing it: what waiting by log follow or polling adds.
                phases["client notices"] = seen - build["endTime"]
                phases["whole_build"] = build["endTime"] - build["startTime"]
                rows["phases"].append(phases)
            print(f"== 1. startup ({image}, client waits by {mode}), {args.runs} pairs")
            print(f"  kiln StartBuild -> buildComplete: {spread(rows['kiln'], ' s', 3)}")
            print(f"  docker run --rm:                  {spread(rows['docker'], ' s', 3)}")
            print(f"  ratio kiln/docker, pair by pair:  {spread(rows['ratio'], 'x', 2)}")
            if rows["kiln_run"]:
                print(f"  kiln run (the engine alone):      {spread(rows['kiln_run'], ' s', 3)}, "
                      f"/docker {spread(rows['ratio_run'], 'x', 2)}")
            names = []
            for p in rows["phases"]:
                names += [n for n in p if n not in names]
            for n in names:
                v = [p[n] for p in rows["phases"] if n in p]
                print(f"    {n:18} {spread(v, ' ms', 0, 1000)}")
            results[f"startup_{mode}"] = rows
    finally:
        server.stop()


# --- 2 -------------------------------------------------------------------

def time_process(argv):
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[:3]} failed")
    return time.monotonic() - t0, usage.ru_utime + usage.ru_stime


def fsync_ms(directory, count=50):
    """Median time of write + fdatasync of 4 KiB in `directory`: how busy
    the disk is right now (other jobs' writes make every sync wait)."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    times = []
    try:
        for i in range(count):
            t0 = time.perf_counter()
            os.pwrite(fd, b"x" * 4096, i * 4096)
            os.fdatasync(fd)
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    return statistics.median(times)


def throughput_run(root, name, args):
    probe = fsync_ms(root)
    server = Server(root, name, "shell").start()
    try:
        server.client().call("CreateProject", project("trivial", "kiln/busybox:1.0", ['"true"']))
        r = run_tool("throughput", "--data-dir", server.data_dir, "--project", "trivial",
                     "--builds", str(args.builds), "--clients", str(args.clients))
        r["memory"] = server.memory()
        r["fsync_ms"] = probe
    finally:
        server.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)
    return r


def bench_throughput(args, work, results):
    # The reference: the same run with the data dir on tmpfs, where fsync
    # costs nothing, in turn with the real one; the difference is what
    # durable commits cost on this disk.
    roots = [("disk", work)]
    if args.tmpfs_reference:
        roots.append(("tmpfs", tempfile.mkdtemp(prefix="kiln-bench-serve.", dir="/dev/shm")))
    runs = {kind: [] for kind, _ in roots}
    try:
        for i in range(args.throughput_runs):
            for kind, root in roots:
                r = throughput_run(root, f"throughput-{kind}-{i}", args)
                runs[kind].append(r)
                print(f"  run {i + 1} {kind:5}: {r['builds_finished']} builds {r['statuses']}, "
                      f"{r['builds_per_second']:.1f} builds/s, running p50 {r['running_ms']['p50']:.1f} ms, "
                      f"slot idle p50 {r['slot_idle_ms'].get('p50', 0):.1f} ms, fsync {r['fsync_ms']:.2f} ms, "
                      f"load {open('/proc/loadavg').read().split()[0]}",
                      flush=True)
    finally:
        for kind, root in roots[1:]:
            shutil.rmtree(root, ignore_errors=True)
    # Reference: the same buildspec through `kiln run`, one process a build,
    # in turn with a bare `sh -c true`.
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n      - \"true\"\n"
    run_dir = os.path.join(work, "run")
    kiln_run = [KILN, "run", "--no-source", "--executor", "shell", "--buildspec", spec,
                "--data-dir", run_dir + "/data", "--artifacts-dir", run_dir + "/artifacts", "-q"]
    pairs = [(time_process(kiln_run), time_process(["sh", "-c", "true"]))
             for _ in range(args.run_reference + 1)][1:]
    kr = [k[0] for k, _ in pairs]
    sr = [s[0] for _, s in pairs]
    print(f"== 2. throughput: {args.builds} builds of `true`, {args.clients} client threads, "
          f"shell executor, {args.throughput_runs} runs")
    for kind, rs in runs.items():
        print(f"  {kind}: builds/s (first StartBuild -> last endTime) "
              f"{spread([r['builds_per_second'] for r in rs], '', 1)}")
        for key, label in (("start_build_ms", "StartBuild latency"), ("running_ms", "running (QUEUED end -> endTime)"),
                           ("slot_idle_ms", "slot idle (a build's end -> next leaves QUEUED)")):
            print(f"    {label} p50: {spread([r[key]['p50'] for r in rs if 'p50' in r[key]], ' ms', 1)}")
        names = [n for n in ("PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD",
                             "UPLOAD_ARTIFACTS", "FINALIZING")]
        print("    phases p50 (median of runs): " + ", ".join(
            f"{n} {statistics.median(r['phase_ms'][n]['p50'] for r in rs):.0f}" for n in names) + " ms")
        busy = [r["running_seconds_total"] / args.builds * 1000 for r in rs]
        print(f"    slot time a build (running + idle): "
              f"{spread([r['wall_seconds'] * os.cpu_count() / r['builds_finished'] * 1000 for r in rs], ' ms', 1)}; "
              f"running alone {spread(busy, ' ms', 1)}")
        print(f"    server memory after a run: {spread([r['memory']['VmHWM'] for r in rs], ' MiB', 1)} (VmHWM)")
    if "tmpfs" in runs:
        ratios = [d["builds_per_second"] / t["builds_per_second"] for d, t in zip(runs["disk"], runs["tmpfs"])]
        print(f"  ratio disk/tmpfs builds/s, pair by pair: {spread(ratios, 'x', 2)}")
    print(f"  reference `kiln run --executor shell` of the same buildspec: {spread(kr, ' ms', 1, 1000)}"
          f"; `sh -c true`: {spread(sr, ' ms', 2, 1000)}")
    results["throughput"] = {"runs": runs, "kiln_run": kr, "sh": sr}


# --- 3 and 4 -------------------------------------------------------------

def filled_server(args, work):
    """A server whose store holds args.stored builds of one realistic project."""
    server = Server(work, "big", "shell").start()
    client = server.client()
    client.call("CreateProject", project("big", "kiln/standard:1.0", [], realistic=True))
    build = client.call("StartBuild", {"projectName": "big"})["build"]
    build = wait_complete(client, build["id"], "poll")
    server.stop()
    t0 = time.monotonic()
    filled = run_tool("fill", "--db", os.path.join(server.data_dir, "state.db"),
                      "--template", build["id"], "--count", str(args.stored - 1))
    print(f"  filled {filled['builds']} builds of {filled['document_bytes']} bytes "
          f"in {time.monotonic() - t0:.1f} s; state.db "
          f"{os.path.getsize(os.path.join(server.data_dir, 'state.db')) / 2**20:.0f} MiB")
    return server.start()


def python_latencies(server, calls, lean):
    """BatchGetBuilds (100 ids) and ListBuildsForProject from Python: boto3,
    or the lean client timed up to the last byte (parsing not timed)."""
    import random
    rng = random.Random(3)
    client = server.client()
    ids, tokens, token = [], [None], None
    for _ in range(1000):  # as kiln_serve_bench: ids from the whole store
        page = client.call("ListBuildsForProject", {"projectName": "big", **({"nextToken": token} if token else {})})
        ids += page["ids"]
        token = page.get("nextToken")
        if not token:
            break
        tokens.append(token)
    boto = None if lean else server.boto3()
    out = {}
    for op in ("BatchGetBuilds", "ListBuildsForProject"):
        times = []
        for i in range(calls + 20):
            if op == "BatchGetBuilds":
                payload = {"ids": rng.sample(ids, 100)}
            else:
                t = rng.choice(tokens)
                payload = {"projectName": "big", **({"nextToken": t} if t else {})}
            t0 = time.perf_counter()
            if lean:
                status, body = client.raw(op, payload)
                elapsed = time.perf_counter() - t0
                assert status == 200, body[:200]
            else:
                method = "batch_get_builds" if op == "BatchGetBuilds" else "list_builds_for_project"
                answer = getattr(boto, method)(**payload)
                elapsed = time.perf_counter() - t0
                assert len(answer.get("builds", answer.get("ids"))) >= 1
            if i >= 20:
                times.append(elapsed * 1000)
        times.sort()
        out[op] = {"p50": times[len(times) // 2], "p99": times[int(len(times) * 0.99) - 1], "max": times[-1]}
    return out


def bench_latency(args, work, results, server):
    print(f"== 3. latency with {args.stored} builds stored, {args.calls} calls each")
    memory_before = server.memory()
    figures = {}
    for op in ("batch-get", "list-for-project", "list-projects"):
        r = run_tool("latency", "--data-dir", server.data_dir, "--project", "big", "--op", op,
                     "--calls", str(args.calls))
        figures[op] = r
        l = r["latency_ms"]
        print(f"  C++ {op:17} p50 {l['p50']:.2f} ms  p90 {l['p90']:.2f}  p99 {l['p99']:.2f}  "
              f"max {l['max']:.2f}  ({r['mean_answer_bytes']} bytes an answer, "
              f"client cpu {r['client_cpu_ms_per_call']:.2f} ms a call)")
    for lean, name in ((True, "python http.client"), (False, "boto3")):
        p = python_latencies(server, args.calls, lean)
        figures[name] = p
        for op, l in p.items():
            print(f"  {name:18} {op:21} p50 {l['p50']:.2f} ms  p99 {l['p99']:.2f}  max {l['max']:.2f}")
    figures["memory"] = memory_before
    results["latency"] = figures


def bench_load(args, work, results, server):
    for batch in args.load_batch:
        load_run(args, server, batch, results)


def load_run(args, server, batch, results):
    before = server.memory()
    r = run_tool("load", "--data-dir", server.data_dir, "--project", "big",
                 "--clients", str(args.load_clients), "--seconds", str(args.load_seconds),
                 "--batch-size", str(batch))
    after = server.memory()
    l = r["latency_ms"]
    print(f"== 4. load: {r['clients']} clients, {r['seconds']:.1f} s, "
          f"BatchGetBuilds of {r['batch_size']} / ListBuildsForProject / ListProjects")
    print(f"  requests {r['requests']} ({r['requests_per_second']:.0f}/s), errors {r['errors']} "
          f"{r['first_error']}, connections {r['connections']}")
    print(f"  latency p50 {l['p50']:.1f} ms  p99 {l['p99']:.1f} ms  max {l['max']:.1f} ms")
    for op, o in r["by_op"].items():
        print(f"    {op:17} {o['count']} calls, p50 {o['p50']:.1f} ms, p99 {o['p99']:.1f} ms")
    print(f"  server memory before {before}, after {after}; client cpu {r['client_cpu_seconds']:.1f} s")
    results[f"load_{batch}"] = {"result": r, "before": before, "after": after}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("benches", nargs="*", default=["startup", "throughput", "latency", "load"],
                   metavar="BENCH", help="startup, throughput, latency, load (default: all)")
    p.add_argument("--runs", type=int, default=11, help="startup: pairs")
    p.add_argument("--warmup", type=int, default=1, help="startup: warm-up pairs")
    p.add_argument("--image", default="kiln/busybox:1.0")
    p.add_argument("--no-kiln-run", dest="kiln_run", action="store_false",
                   help="startup: skip the third arm, `kiln run` of the same buildspec")
    p.add_argument("--wait", nargs="+", default=["poll", "follow"], choices=["poll", "follow"],
                   help="startup: how the client learns the build ended")
    p.add_argument("--builds", type=int, default=1000)
    p.add_argument("--clients", type=int, default=4, help="throughput: StartBuild threads")
    p.add_argument("--throughput-runs", type=int, default=3)
    p.add_argument("--no-tmpfs-reference", dest="tmpfs_reference", action="store_false",
                   help="throughput: skip the runs with the data dir on /dev/shm")
    p.add_argument("--run-reference", type=int, default=21, help="throughput: `kiln run` reference runs")
    p.add_argument("--stored", type=int, default=100000)
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--load-clients", type=int, default=200)
    p.add_argument("--load-seconds", type=float, default=30)
    p.add_argument("--load-batch", type=int, nargs="+", default=[10, 100],
                   help="load: ids a BatchGetBuilds asks for; one 30 s run per value")
    p.add_argument("--json", help="write every raw figure there")
    p.add_argument("--keep", action="store_true", help="keep the data dirs (printed)")
    args = p.parse_args()
    unknown = set(args.benches) - {"startup", "throughput", "latency", "load"}
    if unknown:
        p.error(f"unknown benchmark {', '.join(sorted(unknown))}")

    print(machine_line())
    work = tempfile.mkdtemp(prefix="kiln-bench-serve.")
    results = {}
    try:
        if "startup" in args.benches:
            bench_startup(args, work, results)
        if "throughput" in args.benches:
            bench_throughput(args, work, results)
        if "latency" in args.benches or "load" in args.benches:
            server = filled_server(args, work)
            try:
                if "latency" in args.benches:
                    bench_latency(args, work, results, server)
                if "load" in args.benches:
                    bench_load(args, work, results, server)
            finally:
                server.stop()
        print(machine_line())
    finally:
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        if args.keep:
            print(f"data dirs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
