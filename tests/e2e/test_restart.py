# SPDX-License-Identifier: Apache-2.0
# kill -9 of `kiln serve --executor shell` with one build running and one
# queued, then a restart on the same data dir (docs/server.md, "Builds:
# queue, leases, restart"): the running build ends FAULT (SERVICE_STOPPED)
# with its log kept and its processes gone, the queued one runs, every record
# is there and build numbers continue. The scenario runs once in setUpClass;
# each test checks one promise, so a failure names the one that broke.
import os
import shutil
import tempfile
import unittest
import uuid

import kiln_server
from kiln_server import (KilnServer, get_build, kill_if_alive, log_lines, phase, process_alive,
                         project_input, read_pid, wait_for_build, wait_for_phase, wait_until)

PROJECT = "survivor"



def marker_logged(codebuild, logs, build_id, marker):
    build = get_build(codebuild, build_id)
    return "groupName" in build["logs"] and marker in log_lines(logs, build)


class KillAndRestartTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="kiln-e2e-restart-")
        cls.addClassCleanup(shutil.rmtree, cls.root, ignore_errors=True)
        data_dir = os.path.join(cls.root, "data")
        cls.pid_file = os.path.join(cls.root, "sleep.pid")
        cls.marker = "marker-" + uuid.uuid4().hex
        spec = kiln_server.buildspec(f"echo {cls.marker}",
                                     f"sh -c 'echo $$ > {cls.pid_file}; exec sleep 60'")

        first = KilnServer(data_dir, extra_args=["--max-concurrent-builds", "1"])
        cls.addClassCleanup(first.cleanup)
        first.start()
        cls.first_endpoint = first.endpoint
        codebuild = first.client()
        codebuild.create_project(**project_input(PROJECT, spec))
        cls.running = codebuild.start_build(projectName=PROJECT)["build"]
        cls.sleep_pid = read_pid(cls.pid_file)
        cls.addClassCleanup(kill_if_alive, cls.sleep_pid, "sleep")
        wait_for_phase(codebuild, cls.running["id"], "BUILD")
        logs = first.client("logs")
        wait_until(lambda: marker_logged(codebuild, logs, cls.running["id"], cls.marker), 10,
                   what="the marker line to be readable")
        cls.queued = codebuild.start_build(
            projectName=PROJECT,
            buildspecOverride=kiln_server.buildspec("echo queued-build-ran"))["build"]
        cls.sleep_alive_before_kill = process_alive(cls.sleep_pid, "sleep")
        first.kill()

        cls.server = KilnServer(data_dir, extra_args=["--max-concurrent-builds", "1"])
        cls.addClassCleanup(cls.server.cleanup)
        cls.server.start()
        cls.codebuild = cls.server.client()
        cls.logs = cls.server.client("logs")

    def test_scenario_was_set_up(self):
        self.assertTrue(self.sleep_alive_before_kill)
        self.assertEqual(self.running["buildNumber"], 1)
        self.assertEqual(self.queued["buildNumber"], 2)
        self.assertEqual(self.queued["currentPhase"], "QUEUED")
        self.assertNotEqual(self.server.endpoint, self.first_endpoint)

    def test_running_build_ended_fault_service_stopped(self):
        build = wait_for_build(self.codebuild, self.running["id"], timeout=10)
        self.assertEqual(build["buildStatus"], "FAULT")
        self.assertEqual(build["currentPhase"], "COMPLETED")
        faulted = [p for p in build["phases"] if p.get("phaseStatus") == "FAULT"]
        self.assertEqual(len(faulted), 1, build["phases"])
        self.assertEqual(faulted[0]["phaseType"], "BUILD")
        self.assertEqual(faulted[0]["contexts"][0]["statusCode"], "SERVICE_STOPPED")
        self.assertTrue(faulted[0]["contexts"][0]["message"])
        self.assertEqual(build["phases"][-1]["phaseType"], "COMPLETED")
        # What ran before the kill is still recorded as it was.
        self.assertEqual(phase(build, "DOWNLOAD_SOURCE")["phaseStatus"], "SUCCEEDED")

    def test_marker_line_still_readable(self):
        build = wait_for_build(self.codebuild, self.running["id"], timeout=10)
        page = self.server.aws("logs", "get-log-events", "--log-group-name",
                               build["logs"]["groupName"], "--log-stream-name",
                               build["logs"]["streamName"], "--start-from-head")
        self.assertIn(self.marker, [e["message"] for e in page["events"]])

    def test_queued_build_runs_to_success(self):
        build = wait_for_build(self.codebuild, self.queued["id"], timeout=30)
        self.assertEqual(build["buildStatus"], "SUCCEEDED")
        self.assertIn("queued-build-ran", log_lines(self.logs, build))

    def test_all_records_present_and_numbers_continue(self):
        got = self.server.aws("codebuild", "batch-get-builds", "--ids", self.running["id"],
                              self.queued["id"])
        self.assertEqual(got["buildsNotFound"], [])
        self.assertEqual([b["id"] for b in got["builds"]], [self.running["id"], self.queued["id"]])
        self.assertEqual([b["buildNumber"] for b in got["builds"]], [1, 2])
        wait_for_build(self.codebuild, self.queued["id"], timeout=30)
        after = self.codebuild.start_build(projectName=PROJECT,
                                           buildspecOverride=kiln_server.buildspec("true"))
        after = wait_for_build(self.codebuild, after["build"]["id"])
        self.assertEqual(after["buildNumber"], 3)
        self.assertEqual(self.codebuild.list_builds_for_project(projectName=PROJECT)["ids"],
                         [after["id"], self.queued["id"], self.running["id"]])

    def test_no_process_of_the_killed_build_left(self):
        # The restarted server has ended the orphaned build; its `sleep 60`
        # (in the build's own process group) must not outlive that.
        wait_for_build(self.codebuild, self.running["id"], timeout=10)
        try:
            wait_until(lambda: not process_alive(self.sleep_pid, "sleep"), 10,
                       what="the killed build's sleep to end")
        except AssertionError:
            self.fail(f"pid {self.sleep_pid} (`sleep 60` of build {self.running['id']}) still "
                      "runs after kill -9 of its server and a restart")


if __name__ == "__main__":
    unittest.main()
