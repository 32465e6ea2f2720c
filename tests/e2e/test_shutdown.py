# SPDX-License-Identifier: Apache-2.0
# SIGTERM of `kiln serve --executor shell` (docs/server.md): running builds
# get --shutdown-grace seconds while the API keeps answering; what is still
# running then ends FAULT (SERVICE_STOPPED), what is queued stays queued and
# runs after the next start; a build that finishes within the grace
# SUCCEEDED.
import os
import shutil
import tempfile
import unittest

from kiln_server import (KilnServer, buildspec, kill_if_alive, log_lines, process_alive,
                         project_input, read_pid, wait_for_build, wait_for_phase, wait_until)



class GracefulShutdownTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="kiln-e2e-shutdown-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.data_dir = os.path.join(self.root, "data")

    def server(self, *args):
        server = KilnServer(self.data_dir, extra_args=list(args))
        self.addCleanup(server.cleanup)
        return server.start()

    def test_short_grace_ends_running_build_fault_and_keeps_queue(self):
        pid_file = os.path.join(self.root, "sleep.pid")
        first = self.server("--shutdown-grace", "1", "--max-concurrent-builds", "1")
        codebuild = first.client()
        codebuild.create_project(**project_input(
            "short-grace", buildspec(f"sh -c 'echo $$ > {pid_file}; exec sleep 60'")))
        running = codebuild.start_build(projectName="short-grace")["build"]["id"]
        sleep_pid = read_pid(pid_file)
        self.addCleanup(kill_if_alive, sleep_pid, "sleep")
        wait_for_phase(codebuild, running, "BUILD")
        queued = codebuild.start_build(projectName="short-grace",
                                       buildspecOverride=buildspec("echo ran-after-restart"))
        queued = queued["build"]["id"]

        self.assertEqual(first.stop(timeout=30), 0, first.log_tail())
        # The stop killed what the build ran.
        self.assertFalse(process_alive(sleep_pid, "sleep"))

        second = self.server("--max-concurrent-builds", "1")
        codebuild = second.client()
        build = wait_for_build(codebuild, running, timeout=10)
        self.assertEqual(build["buildStatus"], "FAULT")
        faulted = [p for p in build["phases"] if p.get("phaseStatus") == "FAULT"]
        self.assertEqual([p["phaseType"] for p in faulted], ["BUILD"])
        self.assertEqual(faulted[0]["contexts"][0]["statusCode"], "SERVICE_STOPPED")
        # The queued build stayed queued through the shutdown, then ran.
        after = wait_for_build(codebuild, queued, timeout=30)
        self.assertEqual(after["buildStatus"], "SUCCEEDED")
        self.assertIn("ran-after-restart", log_lines(second.client("logs"), after))

    def test_long_grace_lets_a_quick_build_finish(self):
        gate = os.path.join(self.root, "gate")
        first = self.server("--shutdown-grace", "60")
        codebuild = first.client()
        # The build waits (at most 20 s) for the test to open the gate, so the
        # SIGTERM surely comes while it runs.
        codebuild.create_project(**project_input("long-grace", buildspec(
            f"for i in $(seq 1 200); do [ -e {gate} ] && break; sleep 0.1; done",
            "echo finished-within-grace")))
        build_id = codebuild.start_build(projectName="long-grace")["build"]["id"]
        wait_for_phase(codebuild, build_id, "BUILD")
        first.terminate()
        wait_until(lambda: "SIGTERM, shutting down" in first.log_tail(), 10,
                   what="kiln serve to take the SIGTERM")
        # During the grace the API still answers, and the server waits.
        self.assertIn("long-grace", codebuild.list_projects()["projects"])
        self.assertEqual(codebuild.batch_get_builds(ids=[build_id])["builds"][0]["buildStatus"],
                         "IN_PROGRESS")
        self.assertIsNone(first.process.poll(), "kiln serve exited with a build running")
        open(gate, "w").close()
        self.assertEqual(first.wait(timeout=30), 0, first.log_tail())

        second = self.server()
        codebuild = second.client()
        build = wait_for_build(codebuild, build_id, timeout=5)
        self.assertEqual(build["buildStatus"], "SUCCEEDED")
        self.assertIn("finished-within-grace", log_lines(second.client("logs"), build))


if __name__ == "__main__":
    unittest.main()
