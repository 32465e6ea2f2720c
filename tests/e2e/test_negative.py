# SPDX-License-Identifier: Apache-2.0
# Requests `kiln serve` must refuse, as AWS words the refusals, with HTTP 400
# (never 5xx, which clients retry) and without changing anything: missing,
# bad, expired, unknown and revoked signatures; unknown and unsupported
# operations; bodies that are not JSON, too large, missing required members
# or out of the model's ranges (codebuild-semantics.md §4.1, §4.3, §8;
# docs/server.md).
import contextlib
import datetime
import json
import os
import select
import socket
import unittest
import urllib.parse

import botocore.auth
import botocore.exceptions
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import kiln_server
from kiln_server import CODEBUILD_TARGET, JSON_11, REGION, buildspec, project_input

server = None
codebuild = None

MIB = 1 << 20


def setUpModule():
    global server, codebuild
    server = kiln_server.start_module_server()
    codebuild = server.client()
    # Something for the refusals below to leave alone.
    codebuild.create_project(**project_input("baseline", buildspec("echo baseline")))
    build_id = codebuild.start_build(projectName="baseline")["build"]["id"]
    kiln_server.wait_for_build(codebuild, build_id)


def state():
    """Everything a refused request could have changed, as the admin sees it."""
    projects = codebuild.list_projects()["projects"]
    documents = codebuild.batch_get_projects(names=projects)["projects"] if projects else []
    return projects, documents, codebuild.list_builds()["ids"]


def create_project_body(name, size=None, **members):
    """CreateProject JSON; padded (in a buildspec comment) to `size` bytes."""
    project = project_input(name, **members)
    if size is not None:
        unpadded = len(json.dumps(project).encode())
        project["source"]["buildspec"] += "#" + "x" * (size - unpadded - 1)
    body = json.dumps(project).encode()
    assert size is None or len(body) == size
    return body


class RefusalTest(unittest.TestCase):
    @contextlib.contextmanager
    def unchanged(self):
        before = state()
        yield
        self.assertEqual(state(), before, "a refused request changed the server's state")

    def assert_refused(self, answer, code, message_part=None, status=400):
        got_status, _, body = answer
        self.assertEqual(got_status, status, body)
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body.get("__type"), code, body)
        if message_part:
            self.assertIn(message_part, body.get("message", ""))

    def assert_client_error(self, call, code, message_part=None):
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            call()
        response = raised.exception.response
        self.assertEqual(response["Error"]["Code"], code, response["Error"])
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 400)
        if message_part:
            self.assertIn(message_part, response["Error"]["Message"])
        return response["Error"]["Message"]


class SignatureTest(RefusalTest):
    def create_body(self):
        return create_project_body("should-not-exist")

    def test_unsigned_request(self):
        with self.unchanged():
            self.assert_refused(server.unsigned_request(CODEBUILD_TARGET + "CreateProject",
                                                        self.create_body()),
                                "MissingAuthenticationTokenException")

    def test_wrong_secret(self):
        admin = server.credentials()
        forged = Credentials(admin.access_key, admin.secret_key[::-1])
        with self.unchanged():
            self.assert_refused(server.signed_request(CODEBUILD_TARGET + "CreateProject",
                                                      self.create_body(), credentials=forged),
                                "InvalidSignatureException", "signature")

    def test_body_changed_after_signing(self):
        admin = server.credentials()
        body = self.create_body()
        request = AWSRequest(method="POST", url=server.endpoint + "/", data=body,
                             headers={"Content-Type": JSON_11,
                                      "X-Amz-Target": CODEBUILD_TARGET + "CreateProject"})
        botocore.auth.SigV4Auth(admin, "codebuild", REGION).add_auth(request)
        tampered = body.replace(b"should-not-exist", b"should-not-exis2")
        with self.unchanged():
            self.assert_refused(kiln_server.raw_request(server.endpoint, "POST", "/",
                                                        body=tampered,
                                                        headers=dict(request.headers.items())),
                                "InvalidSignatureException")

    def test_expired_signature(self):
        twenty_minutes_ago = (datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
                              - datetime.timedelta(minutes=20))
        with self.unchanged():
            self.assert_refused(server.signed_request(CODEBUILD_TARGET + "CreateProject",
                                                      self.create_body(),
                                                      signing_time=twenty_minutes_ago),
                                "InvalidSignatureException", "Signature expired")
        # Ten minutes is within the ±15 minutes allowed.
        ten_minutes_ago = twenty_minutes_ago + datetime.timedelta(minutes=10)
        status, _, body = server.signed_request(CODEBUILD_TARGET + "ListProjects", b"{}",
                                                signing_time=ten_minutes_ago)
        self.assertEqual(status, 200, body)

    def test_unknown_access_key(self):
        stranger = Credentials("AKIAKILNE2EUNKNOWN00", "not-a-secret-the-server-knows")
        with self.unchanged():
            self.assert_refused(server.signed_request(CODEBUILD_TARGET + "CreateProject",
                                                      self.create_body(), credentials=stranger),
                                "UnrecognizedClientException")
        err = server.aws_error("codebuild", "list-projects",
                               credentials_file=self.write_credentials(stranger))
        self.assertIn("UnrecognizedClientException", err)

    def test_wrong_region_or_service_in_scope(self):
        with self.unchanged():
            self.assert_refused(server.signed_request(CODEBUILD_TARGET + "CreateProject",
                                                      self.create_body(), region="eu-west-1"),
                                "InvalidSignatureException")
            self.assert_refused(server.signed_request(CODEBUILD_TARGET + "CreateProject",
                                                      self.create_body(), service="logs"),
                                "InvalidSignatureException")

    def write_credentials(self, credentials):
        path = os.path.join(os.path.dirname(server.data_dir), "stranger.credentials")
        with open(path, "w") as f:
            f.write(f"[default]\naws_access_key_id = {credentials.access_key}\n"
                    f"aws_secret_access_key = {credentials.secret_key}\n")
        return path

    def test_created_key_works_at_once_and_revoked_key_is_refused(self):
        path = os.path.join(os.path.dirname(server.data_dir), "alice.credentials")
        server.kiln("keys", "--data-dir", server.data_dir, "create", "--name", "alice",
                    "--credentials-file", path)
        alice = server.credentials(path)
        self.assertNotEqual(alice.access_key, server.credentials().access_key)
        # The running server accepts the new key, and names builds after it.
        build = server.aws("codebuild", "start-build", "--project-name", "baseline",
                           credentials_file=path)["build"]
        self.assertEqual(build["initiator"], "alice")
        kiln_server.wait_for_build(codebuild, build["id"])
        listed = server.kiln("keys", "--data-dir", server.data_dir, "list").stdout
        self.assertRegex(listed, alice.access_key + r"\s+alice\s+\S+\s+active")

        server.kiln("keys", "--data-dir", server.data_dir, "revoke", alice.access_key)
        listed = server.kiln("keys", "--data-dir", server.data_dir, "list").stdout
        self.assertRegex(listed, alice.access_key + r"\s+alice\s+\S+\s+revoked")
        with self.unchanged():
            err = server.aws_error("codebuild", "start-build", "--project-name", "baseline",
                                   credentials_file=path)
            self.assertIn("UnrecognizedClientException", err)
            status, _, body = server.signed_request(CODEBUILD_TARGET + "CreateProject",
                                                    self.create_body(), credentials=alice)
            self.assertEqual(status, 400, body)
            self.assertEqual(body["__type"], "UnrecognizedClientException")
        # The admin key is untouched.
        self.assertIn("baseline", server.aws("codebuild", "list-projects")["projects"])


class OperationTest(RefusalTest):
    def test_unknown_operation(self):
        with self.unchanged():
            self.assert_refused(server.signed_request(CODEBUILD_TARGET + "Nope", b"{}"),
                                "UnknownOperationException")
            self.assert_refused(server.signed_request("Nope_20161006.ListProjects", b"{}"),
                                "UnknownOperationException")

    def test_tier3_operation_is_not_supported(self):
        fleet = {"name": "fleet-one", "baseCapacity": 1, "environmentType": "LINUX_CONTAINER",
                 "computeType": "BUILD_GENERAL1_SMALL"}
        with self.unchanged():
            if hasattr(codebuild, "create_fleet"):  # botocore >= 1.34
                self.assert_client_error(lambda: codebuild.create_fleet(**fleet),
                                         "InvalidInputException", "not supported")
            self.assert_refused(server.signed_request(CODEBUILD_TARGET + "CreateFleet",
                                                      json.dumps(fleet).encode()),
                                "InvalidInputException", "not supported")
            # In every botocore the Debian machines may have.
            self.assert_client_error(lambda: codebuild.list_shared_projects(),
                                     "InvalidInputException", "not supported")
            err = server.aws_error("codebuild", "get-resource-policy", "--resource-arn",
                                   "arn:aws:codebuild:us-east-1:000000000000:project/baseline")
            self.assertIn("InvalidInputException", err)
            self.assertIn("not supported", err)


class BodyTest(RefusalTest):
    def test_malformed_json(self):
        with self.unchanged():
            self.assert_refused(server.signed_request(CODEBUILD_TARGET + "CreateProject",
                                                      b'{"name": "half-a-body", '),
                                "SerializationException")
            self.assert_refused(server.signed_request(CODEBUILD_TARGET + "CreateProject",
                                                      b'["not", "an", "object"]'),
                                "SerializationException")

    def test_body_of_exactly_one_mib_is_accepted(self):
        status, _, body = server.signed_request(CODEBUILD_TARGET + "CreateProject",
                                                create_project_body("one-mib", size=MIB))
        self.assertEqual(status, 200, str(body)[:300])
        self.assertIn("one-mib", codebuild.list_projects()["projects"])
        codebuild.delete_project(name="one-mib")

    def test_body_over_one_mib_is_refused_before_it_is_read(self):
        with self.unchanged():
            status, body = post_headers_first(create_project_body("too-big", size=MIB + 1))
            self.assertEqual(status, 413, body)
            self.assertEqual(json.loads(body)["__type"], "RequestEntityTooLargeException")
        self.assertNotIn("too-big", codebuild.list_projects()["projects"])

    def test_missing_required_members(self):
        unchecked = server.client(parameter_validation=False)
        with self.unchanged():
            message = self.assert_client_error(
                lambda: unchecked.create_project(name="half-project"), "InvalidInputException")
            for member in ("source", "artifacts", "environment", "serviceRole"):
                self.assertIn(member, message)
            self.assert_client_error(lambda: unchecked.start_build(), "InvalidInputException",
                                     "projectName")
            self.assert_client_error(lambda: unchecked.batch_get_builds(),
                                     "InvalidInputException", "ids")

    def test_out_of_range_values(self):
        with self.unchanged():
            self.assert_client_error(
                lambda: codebuild.create_project(**project_input("too-long-a-wait",
                                                                 timeoutInMinutes=3000)),
                "InvalidInputException", "failed to satisfy constraint")
            huge = {"type": "LINUX_CONTAINER", "image": "kiln/busybox:1.0",
                    "computeType": "BUILD_GENERAL1_HUGE"}
            self.assert_client_error(
                lambda: codebuild.create_project(**project_input("huge", environment=huge)),
                "InvalidInputException", "failed to satisfy constraint")
            self.assert_client_error(
                lambda: codebuild.create_project(**project_input("n" * 151)),
                "InvalidInputException", "failed to satisfy constraint")
            self.assert_client_error(
                lambda: codebuild.update_project(name="baseline", timeoutInMinutes=3000),
                "InvalidInputException", "failed to satisfy constraint")
            self.assert_client_error(
                lambda: codebuild.start_build(projectName="baseline",
                                              timeoutInMinutesOverride=3000),
                "InvalidInputException", "failed to satisfy constraint")
            err = server.aws_error("codebuild", "create-project", "--name", "cli-huge",
                                   "--source", "type=NO_SOURCE,buildspec=version: 0.2",
                                   "--artifacts", "type=NO_ARTIFACTS", "--environment",
                                   "type=LINUX_CONTAINER,image=kiln/busybox:1.0,"
                                   "computeType=BUILD_GENERAL1_HUGE",
                                   "--service-role", "arn:aws:iam::000000000000:role/kiln")
            self.assertIn("InvalidInputException", err)
            self.assertIn("failed to satisfy constraint", err)
        # 150 characters is the longest name allowed.
        longest = "n" * 150
        self.assertEqual(codebuild.create_project(**project_input(longest))["project"]["name"],
                         longest)
        codebuild.delete_project(name=longest)

    def test_unknown_project_for_start_build(self):
        with self.unchanged():
            self.assert_client_error(lambda: codebuild.start_build(projectName="no-such-project"),
                                     "ResourceNotFoundException", "no-such-project")
            err = server.aws_error("codebuild", "start-build", "--project-name", "no-such-project")
            self.assertIn("ResourceNotFoundException", err)


def post_headers_first(body):
    """POSTs a signed CreateProject, but sends only the headers until the
    server has had 5 s to answer: a server that refuses by Content-Length
    answers before the body comes, so the answer cannot be lost to a reset
    while the client still writes. Returns (status, response body text)."""
    request = AWSRequest(method="POST", url=server.endpoint + "/", data=body,
                         headers={"Content-Type": JSON_11,
                                  "X-Amz-Target": CODEBUILD_TARGET + "CreateProject"})
    botocore.auth.SigV4Auth(server.credentials(), "codebuild", REGION).add_auth(request)
    url = urllib.parse.urlsplit(server.endpoint)
    head = [f"POST / HTTP/1.1", f"Host: {url.netloc}", f"Content-Length: {len(body)}",
            "Connection: close"]
    head += [f"{k}: {v}" for k, v in request.headers.items()]
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        readable, _, _ = select.select([sock], [], [], 5)
        if not readable:  # it waits for the body: send it, then read the answer
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(body)
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    response = b"".join(chunks).decode("utf-8", "replace")
    status_line, _, rest = response.partition("\r\n")
    status = int(status_line.split()[1]) if status_line.startswith("HTTP/1.1 ") else 0
    return status, rest.partition("\r\n\r\n")[2]


if __name__ == "__main__":
    unittest.main()
