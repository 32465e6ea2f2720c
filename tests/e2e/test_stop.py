# SPDX-License-Identifier: Apache-2.0
# StopBuild against `kiln serve --executor shell --max-concurrent-builds 1`:
# a running build ends STOPPED with its process gone, a queued one ends
# STOPPED without ever running (codebuild-semantics.md §2.3, §2.4, §4.4).
import os
import shutil
import tempfile
import unittest

import kiln_server
from kiln_server import (buildspec, get_build, kill_if_alive, phase, process_alive,
                         project_input, read_pid, wait_for_build, wait_for_phase)

server = None
codebuild = None
scratch = None


def setUpModule():
    global server, codebuild, scratch
    scratch = tempfile.mkdtemp(prefix="kiln-e2e-stop-")
    unittest.addModuleCleanup(shutil.rmtree, scratch, ignore_errors=True)
    server = kiln_server.start_module_server(extra_args=["--max-concurrent-builds", "1"])
    codebuild = server.client()


def sleeper_spec(pid_file):
    """A build whose BUILD phase records the pid of a `sleep 60` and waits on it."""
    return buildspec(f"sh -c 'echo $$ > {pid_file}; exec sleep 60'",
                     post_build=["echo post-build-ran"])



def summary(build):
    """What must not change once a build ended, in a form the aws CLI's and
    boto3's answers share (they render timestamps differently)."""
    return (build["buildStatus"], build["buildComplete"],
            [(p["phaseType"], p.get("phaseStatus")) for p in build["phases"]])


class StopBuildTest(unittest.TestCase):
    def start_sleeper(self, project):
        pid_file = os.path.join(scratch, project + ".pid")
        codebuild.create_project(**project_input(project, sleeper_spec(pid_file)))
        build_id = codebuild.start_build(projectName=project)["build"]["id"]
        self.addCleanup(lambda: codebuild.stop_build(id=build_id))
        pid = read_pid(pid_file)
        self.addCleanup(kill_if_alive, pid, "sleep")
        self.assertTrue(process_alive(pid, "sleep"))
        return build_id, pid

    def test_stop_running_build(self):
        build_id, pid = self.start_sleeper("stop-running")
        wait_for_phase(codebuild, build_id, "BUILD")
        answer = server.aws("codebuild", "stop-build", "--id", build_id)["build"]
        self.assertEqual(answer["id"], build_id)
        # Stopping is asynchronous: the answer may still be in progress.
        self.assertIn(answer["buildStatus"], ("IN_PROGRESS", "STOPPED"))
        build = wait_for_build(codebuild, build_id, timeout=20)
        self.assertEqual(build["buildStatus"], "STOPPED")
        self.assertEqual(phase(build, "BUILD")["phaseStatus"], "STOPPED")
        self.assertEqual(build["phases"][-1]["phaseType"], "COMPLETED")
        # AWS's stopped build ends BUILD(STOPPED), COMPLETED (§2.4): nothing
        # of POST_BUILD ran.
        self.assertIsNone(phase(build, "POST_BUILD"))
        lines = kiln_server.log_lines(server.client("logs"), build)
        self.assertNotIn("post-build-ran", lines)
        self.assertFalse(process_alive(pid, "sleep"), "the stopped build's sleep still runs")
        # Stopping a finished build answers it unchanged.
        again = codebuild.stop_build(id=build_id)["build"]
        self.assertEqual(again["buildStatus"], "STOPPED")
        self.assertEqual(again["phases"], build["phases"])

    def test_stop_queued_build_never_runs_it(self):
        blocker_id, _ = self.start_sleeper("stop-blocker")
        wait_for_phase(codebuild, blocker_id, "BUILD")
        ran = os.path.join(scratch, "ran-")
        codebuild.create_project(**project_input(
            "stop-queued", buildspec(f"touch {ran}$CODEBUILD_BUILD_NUMBER")))
        queued = codebuild.start_build(projectName="stop-queued")["build"]
        # One build at a time: this one waits behind the blocker.
        self.assertEqual(get_build(codebuild, queued["id"])["currentPhase"], "QUEUED")
        answer = server.aws("codebuild", "stop-build", "--id", queued["id"])["build"]
        self.assertEqual(answer["buildStatus"], "STOPPED")
        self.assertIs(answer["buildComplete"], True)
        self.assertEqual([p["phaseType"] for p in answer["phases"]],
                         ["SUBMITTED", "QUEUED", "COMPLETED"])
        self.assertEqual(phase(answer, "QUEUED")["phaseStatus"], "STOPPED")
        self.assertEqual(summary(get_build(codebuild, queued["id"])), summary(answer))
        # Free the slot and let a later build of the same project through the
        # queue (oldest first): once it finished, the stopped one would have
        # run before it.
        codebuild.stop_build(id=blocker_id)
        self.assertEqual(wait_for_build(codebuild, blocker_id)["buildStatus"], "STOPPED")
        later = codebuild.start_build(projectName="stop-queued")["build"]
        self.assertEqual(wait_for_build(codebuild, later["id"])["buildStatus"], "SUCCEEDED")
        self.assertTrue(os.path.exists(ran + str(later["buildNumber"])))
        self.assertFalse(os.path.exists(ran + str(queued["buildNumber"])))
        stopped = get_build(codebuild, queued["id"])
        self.assertEqual(summary(stopped), summary(answer))
        self.assertNotIn("groupName", stopped["logs"])

    def test_stop_unknown_or_malformed_id(self):
        err = server.aws_error("codebuild", "stop-build", "--id",
                               "nope:00000000-0000-4000-8000-000000000000")
        self.assertIn("ResourceNotFoundException", err)
        err = server.aws_error("codebuild", "stop-build", "--id", "no-colon-here")
        self.assertIn("InvalidInputException", err)



class StopRightAfterStartTest(unittest.TestCase):
    def test_stop_right_after_start_is_not_lost(self):
        # StopBuild may come at any moment after StartBuild answered, also
        # while the scheduler is handing the build to a worker. A race, so
        # tried several times; each try ends within a second when all is well.
        codebuild.create_project(**project_input("stop-early", buildspec("sleep 60")))
        for attempt in range(20):
            build_id = codebuild.start_build(projectName="stop-early")["build"]["id"]
            codebuild.stop_build(id=build_id)
            try:
                build = wait_for_build(codebuild, build_id, timeout=5)
            except AssertionError:
                wait_for_phase(codebuild, build_id, "BUILD")
                codebuild.stop_build(id=build_id)  # a second stop ends it
                wait_for_build(codebuild, build_id, timeout=10)
                self.fail(f"try {attempt + 1}: StopBuild right after StartBuild was ignored; "
                          f"build {build_id} ran on until stopped again")
            self.assertEqual(build["buildStatus"], "STOPPED")


if __name__ == "__main__":
    unittest.main()
