# SPDX-License-Identifier: Apache-2.0
# Builds through the aws CLI and boto3 against `kiln serve --executor shell`:
# StartBuild's answer, the phases a finished build records, a failing
# command, exported variables, environment overrides, a buildspec override
# that does not parse, idempotency tokens, RetryBuild, BatchDeleteBuilds and a
# project's concurrentBuildLimit (codebuild-semantics.md §1.5, §1.7, §2, §4.4).
import unittest

import botocore.exceptions

import kiln_server
from kiln_server import (ACCOUNT, REGION, buildspec, log_lines, phase, project_input,
                         wait_for_build, wait_for_phase)

server = None
codebuild = None
logs = None

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
ALL_PHASES = ["SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
              "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"]


def setUpModule():
    global server, codebuild, logs
    server = kiln_server.start_module_server(extra_args=["--max-concurrent-builds", "4"])
    codebuild = server.client()
    logs = server.client("logs")


def create_project(name, spec, **members):
    return codebuild.create_project(**project_input(name, spec, **members))["project"]


def phase_types(build):
    return [p["phaseType"] for p in build["phases"]]


def stop_quietly(build_id):
    """Cleanup for tests that leave a sleeping build: stop it and wait. Asks
    again if a stop got lost (see test_stop.py, StopRightAfterStartTest)."""
    for _ in range(5):
        codebuild.stop_build(id=build_id)
        try:
            return wait_for_build(codebuild, build_id, timeout=5)
        except AssertionError:
            continue
    raise AssertionError(f"build {build_id} did not stop")


class StartBuildTest(unittest.TestCase):
    def assert_queued_answer(self, build, project, number):
        self.assertRegex(build["id"], f"^{project}:{UUID}$")
        self.assertEqual(build["arn"], f"arn:aws:codebuild:{REGION}:{ACCOUNT}:build/{build['id']}")
        self.assertEqual(build["projectName"], project)
        self.assertEqual(build["buildNumber"], number)
        self.assertEqual(build["currentPhase"], "QUEUED")
        self.assertEqual(build["buildStatus"], "IN_PROGRESS")
        self.assertIs(build["buildComplete"], False)
        self.assertEqual(phase_types(build), ["SUBMITTED", "QUEUED"])
        submitted, queued = build["phases"]
        self.assertEqual(submitted["phaseStatus"], "SUCCEEDED")
        self.assertIn("endTime", submitted)
        self.assertNotIn("phaseStatus", queued)  # the open phase has no status yet
        self.assertNotIn("endTime", queued)
        self.assertIn("startTime", queued)
        self.assertNotIn("endTime", build)

    def test_start_build_answers_queued_and_numbers_increment(self):
        create_project("start-shape", buildspec("echo hello-from-build"))
        first = server.aws("codebuild", "start-build", "--project-name", "start-shape")["build"]
        self.assert_queued_answer(first, "start-shape", 1)
        second = codebuild.start_build(projectName="start-shape")["build"]
        self.assert_queued_answer(second, "start-shape", 2)
        self.assertNotEqual(first["id"], second["id"])
        # The effective settings are on the build from the start.
        self.assertEqual(second["timeoutInMinutes"], 60)
        self.assertEqual(second["queuedTimeoutInMinutes"], 480)
        self.assertEqual(second["environment"]["image"], "kiln/busybox:1.0")
        self.assertEqual(second["source"]["type"], "NO_SOURCE")

        for build_id in (first["id"], second["id"]):
            build = wait_for_build(codebuild, build_id)
            self.assertEqual(build["buildStatus"], "SUCCEEDED")
            self.assertEqual(build["currentPhase"], "COMPLETED")
            self.assertIn("hello-from-build", log_lines(logs, build))

    def test_idempotency_token_returns_the_same_build(self):
        create_project("idempotent", buildspec("echo once"))
        first = codebuild.start_build(projectName="idempotent", idempotencyToken="token-1")
        again = codebuild.start_build(projectName="idempotent", idempotencyToken="token-1")
        self.assertEqual(again["build"]["id"], first["build"]["id"])
        self.assertEqual(again["build"]["buildNumber"], 1)
        with self.assertRaises(codebuild.exceptions.InvalidInputException):
            codebuild.start_build(projectName="idempotent", idempotencyToken="token-1",
                                  buildspecOverride=buildspec("echo other"))
        self.assertEqual(codebuild.list_builds_for_project(projectName="idempotent")["ids"],
                         [first["build"]["id"]])
        wait_for_build(codebuild, first["build"]["id"])

    def test_finished_build_records_every_phase_in_order(self):
        create_project("phase-order", buildspec("echo one", "sleep 1.2", "echo two"))
        build_id = codebuild.start_build(projectName="phase-order")["build"]["id"]
        build = wait_for_build(codebuild, build_id)
        self.assertEqual(build["buildStatus"], "SUCCEEDED")
        self.assertEqual(phase_types(build), ALL_PHASES)
        previous_end = None
        for p in build["phases"][:-1]:
            self.assertEqual(p["phaseStatus"], "SUCCEEDED", p["phaseType"])
            start, end = p["startTime"].timestamp(), p["endTime"].timestamp()
            self.assertLessEqual(start, end)
            if previous_end is not None:
                self.assertLessEqual(previous_end, start, p["phaseType"])
            previous_end = end
            # durationInSeconds truncates end - start (§2.2); 1 µs of slack
            # for the float round trip of millisecond timestamps.
            duration = p["durationInSeconds"]
            self.assertIsInstance(duration, int)
            self.assertLessEqual(duration, end - start + 1e-6, p["phaseType"])
            self.assertLess(end - start, duration + 1 + 1e-6, p["phaseType"])
            if p["phaseType"] not in ("SUBMITTED", "QUEUED"):
                self.assertEqual(p["contexts"], [{"statusCode": "", "message": ""}])
        self.assertGreaterEqual(phase(build, "BUILD")["durationInSeconds"], 1)
        completed = build["phases"][-1]
        self.assertEqual(set(completed), {"phaseType", "startTime"})
        self.assertEqual(build["startTime"], build["phases"][0]["startTime"])
        self.assertEqual(build["endTime"], completed["startTime"])
        self.assertIs(build["buildComplete"], True)

    def test_failing_command_fails_build_and_post_build_still_runs(self):
        create_project("fails", buildspec(
            "echo before", "exit 3", "echo not-reached",
            post_build=["echo post-succeeding=$CODEBUILD_BUILD_SUCCEEDING"]))
        build_id = server.aws("codebuild", "start-build", "--project-name", "fails")["build"]["id"]
        build = wait_for_build(codebuild, build_id)
        self.assertEqual(build["buildStatus"], "FAILED")
        failed = phase(build, "BUILD")
        self.assertEqual(failed["phaseStatus"], "FAILED")
        self.assertEqual(len(failed["contexts"]), 1)
        self.assertEqual(failed["contexts"][0]["statusCode"], "COMMAND_EXECUTION_ERROR")
        self.assertIn("exit 3", failed["contexts"][0]["message"])
        self.assertIn("exit status 3", failed["contexts"][0]["message"])
        # POST_BUILD and UPLOAD_ARTIFACTS are still attempted after BUILD (§1.5).
        self.assertEqual(phase_types(build)[6:], ["BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS",
                                                  "FINALIZING", "COMPLETED"])
        self.assertEqual(phase(build, "POST_BUILD")["phaseStatus"], "SUCCEEDED")
        self.assertEqual(phase(build, "UPLOAD_ARTIFACTS")["phaseStatus"], "SUCCEEDED")
        lines = log_lines(logs, build)
        self.assertIn("before", lines)
        self.assertIn("post-succeeding=0", lines)
        self.assertNotIn("not-reached", lines)

    def test_exported_variables(self):
        create_project("exports", buildspec("export RESULT=first", "export RESULT=second",
                                            post_build=["export LATE=late-value"],
                                            exported=["RESULT", "LATE", "NEVER_SET"]))
        build_id = codebuild.start_build(projectName="exports")["build"]["id"]
        build = wait_for_build(codebuild, build_id)
        self.assertEqual(build["buildStatus"], "SUCCEEDED")
        exported = {v["name"]: v["value"] for v in build["exportedEnvironmentVariables"]}
        self.assertEqual(exported.get("RESULT"), "second")
        self.assertEqual(exported.get("LATE"), "late-value")
        # An unset name exports the empty string (§1.7, SHOULD).
        self.assertEqual(exported.get("NEVER_SET"), "")

    def test_environment_variables_override_merges_by_name(self):
        environment = {"type": "LINUX_CONTAINER", "image": "kiln/busybox:1.0",
                       "computeType": "BUILD_GENERAL1_SMALL",
                       "environmentVariables": [{"name": "FIRST", "value": "project-first"},
                                                {"name": "SECOND", "value": "project-second"}]}
        create_project("env-merge", buildspec("echo vars=$FIRST/$SECOND/$THIRD"),
                       environment=environment)
        build = server.aws(
            "codebuild", "start-build", "--project-name", "env-merge",
            "--environment-variables-override", "name=SECOND,value=override-second",
            "name=THIRD,value=override-third")["build"]
        recorded = {v["name"]: v["value"] for v in build["environment"]["environmentVariables"]}
        self.assertEqual(recorded, {"FIRST": "project-first", "SECOND": "override-second",
                                    "THIRD": "override-third"})
        build = wait_for_build(codebuild, build["id"])
        self.assertEqual(build["buildStatus"], "SUCCEEDED")
        self.assertIn("vars=project-first/override-second/override-third", log_lines(logs, build))
        # The override is this build's only; the project keeps its variables.
        project = codebuild.batch_get_projects(names=["env-merge"])["projects"][0]
        self.assertEqual(project["environment"]["environmentVariables"],
                         [{"name": "FIRST", "value": "project-first", "type": "PLAINTEXT"},
                          {"name": "SECOND", "value": "project-second", "type": "PLAINTEXT"}])
        plain = wait_for_build(codebuild,
                               codebuild.start_build(projectName="env-merge")["build"]["id"])
        self.assertIn("vars=project-first/project-second/", log_lines(logs, plain))

    def test_unparsable_buildspec_override_fails_download_source(self):
        create_project("bad-override", buildspec("echo fine"))
        answer = codebuild.start_build(projectName="bad-override",
                                       buildspecOverride="version: 0.2\nphases: [\n  - {\n")
        self.assertEqual(answer["build"]["buildStatus"], "IN_PROGRESS")
        build = wait_for_build(codebuild, answer["build"]["id"])
        self.assertEqual(build["buildStatus"], "FAILED")
        download = phase(build, "DOWNLOAD_SOURCE")
        self.assertEqual(download["phaseStatus"], "FAILED")
        self.assertEqual(download["contexts"][0]["statusCode"], "YAML_FILE_ERROR")
        self.assertTrue(download["contexts"][0]["message"])
        # Nothing of the buildspec ran (§1.5: DOWNLOAD_SOURCE -> FINALIZING).
        for skipped in ("INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS"):
            self.assertIsNone(phase(build, skipped), skipped)
        self.assertEqual(phase_types(build)[-2:], ["FINALIZING", "COMPLETED"])
        # The project's own buildspec still works.
        good = wait_for_build(codebuild,
                              codebuild.start_build(projectName="bad-override")["build"]["id"])
        self.assertEqual(good["buildStatus"], "SUCCEEDED")

    def test_retry_failed_build_gets_new_id_next_number_same_settings(self):
        create_project("retry-me", buildspec("echo attempt-$MODE", "false"))
        first = codebuild.start_build(
            projectName="retry-me", timeoutInMinutesOverride=17,
            environmentVariablesOverride=[{"name": "MODE", "value": "override"}])["build"]
        first = wait_for_build(codebuild, first["id"])
        self.assertEqual(first["buildStatus"], "FAILED")
        # Changing the project afterwards must not change what the retry runs.
        codebuild.update_project(name="retry-me", timeoutInMinutes=99)
        retried = server.aws("codebuild", "retry-build", "--id", first["id"])["build"]
        self.assertNotEqual(retried["id"], first["id"])
        self.assertRegex(retried["id"], f"^retry-me:{UUID}$")
        self.assertEqual(retried["buildNumber"], first["buildNumber"] + 1)
        self.assertEqual(retried["currentPhase"], "QUEUED")
        retried = wait_for_build(codebuild, retried["id"])
        for member in ("source", "environment", "timeoutInMinutes", "queuedTimeoutInMinutes",
                       "serviceRole", "cache", "encryptionKey", "projectName"):
            self.assertEqual(retried[member], first[member], member)
        self.assertEqual(retried["timeoutInMinutes"], 17)
        self.assertEqual(retried["buildStatus"], "FAILED")
        self.assertIn("attempt-override", log_lines(logs, retried))
        listed = codebuild.list_builds_for_project(projectName="retry-me")["ids"]
        self.assertEqual(listed, [retried["id"], first["id"]])

    def test_batch_delete_builds_keeps_running_ones(self):
        create_project("delete-quick", buildspec("echo quick"))
        create_project("delete-slow", buildspec("sleep 60"))
        finished = [codebuild.start_build(projectName="delete-quick")["build"]["id"]
                    for _ in range(3)]
        for build_id in finished:
            wait_for_build(codebuild, build_id)
        running = codebuild.start_build(projectName="delete-slow")["build"]["id"]
        self.addCleanup(stop_quietly, running)
        wait_for_phase(codebuild, running, "BUILD")
        answer = server.aws("codebuild", "batch-delete-builds", "--ids", *finished, running)

        def build_id(id_or_arn):  # AWS answers with ARNs (§4.4)
            return id_or_arn.split(":build/", 1)[-1]

        self.assertEqual(sorted(map(build_id, answer["buildsDeleted"])), sorted(finished))
        self.assertEqual([(build_id(e["id"]), e["statusCode"]) for e in answer["buildsNotDeleted"]],
                         [(running, "BUILD_IN_PROGRESS")])
        got = codebuild.batch_get_builds(ids=finished + [running])
        self.assertEqual(sorted(got["buildsNotFound"]), sorted(finished))
        self.assertEqual([b["id"] for b in got["builds"]], [running])
        self.assertEqual(codebuild.list_builds_for_project(projectName="delete-quick")["ids"], [])
        # Numbers are never reused after deletes (§4.2).
        again = codebuild.start_build(projectName="delete-quick")["build"]
        self.assertEqual(again["buildNumber"], 4)
        wait_for_build(codebuild, again["id"])

    def test_concurrent_build_limit_refuses_start_build(self):
        create_project("limited", buildspec("sleep 60"), concurrentBuildLimit=1)
        running = codebuild.start_build(projectName="limited")["build"]["id"]
        self.addCleanup(stop_quietly, running)
        wait_for_phase(codebuild, running, "BUILD")
        with self.assertRaises(botocore.exceptions.ClientError) as refused:
            codebuild.start_build(projectName="limited")
        error = refused.exception.response
        self.assertEqual(error["Error"]["Code"], "AccountLimitExceededException")
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 400)
        err = server.aws_error("codebuild", "start-build", "--project-name", "limited")
        self.assertIn("AccountLimitExceededException", err)
        # Refused means not queued either.
        self.assertEqual(codebuild.list_builds_for_project(projectName="limited")["ids"],
                         [running])
        # Once the running build ended, the next one is admitted.
        stop_quietly(running)
        admitted = codebuild.start_build(projectName="limited")["build"]
        self.addCleanup(stop_quietly, admitted["id"])
        self.assertEqual(admitted["buildNumber"], 2)


if __name__ == "__main__":
    unittest.main()
