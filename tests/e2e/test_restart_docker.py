# SPDX-License-Identifier: Apache-2.0
# kill -9 of `kiln serve --executor docker` with a build running in a
# kiln/busybox:1.0 container, then a restart on the same data dir: the build
# ends FAULT (SERVICE_STOPPED), its log is kept, and its container (label
# org.kiln.build=<build id>) is gone, as the Docker Engine API tells
# (docs/server.md). Needs the Docker daemon and the image.
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse
import uuid

import kiln_server
from kiln_server import (KilnServer, get_build, log_lines, project_input, wait_for_build,
                         wait_for_phase, wait_until)

DOCKER_SOCKET = "/var/run/docker.sock"
IMAGE = "kiln/busybox:1.0"
BUILD_LABEL = "org.kiln.build"


def docker_api(path):
    """GET `path` from the Docker Engine API with curl over the unix socket."""
    done = subprocess.run(["curl", "-sS", "--fail", "--max-time", "20", "--unix-socket",
                           DOCKER_SOCKET, "http://localhost" + path],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise AssertionError(f"Docker API GET {path}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def build_containers(build_id):
    """Containers (running or not) labelled as this build's."""
    filters = json.dumps({"label": [f"{BUILD_LABEL}={build_id}"]})
    return docker_api("/containers/json?all=1&filters=" + urllib.parse.quote(filters))


def remove_containers(build_id):
    """Cleanup if the server did not: these containers are this test's."""
    for container in build_containers(build_id):
        subprocess.run(["curl", "-sS", "--max-time", "30", "--unix-socket", DOCKER_SOCKET, "-X",
                        "DELETE", f"http://localhost/containers/{container['Id']}?force=1"],
                       capture_output=True, timeout=40)


def setUpModule():
    # As the other docker-labelled tests: fail, not skip, without the daemon
    # or the image, so that a CI run cannot pass without running this.
    if not os.path.exists(DOCKER_SOCKET):
        raise AssertionError(f"no Docker daemon at {DOCKER_SOCKET} (ctest -LE docker skips this)")
    docker_api(f"/images/{urllib.parse.quote(IMAGE, safe='')}/json")


class DockerKillAndRestartTest(unittest.TestCase):
    def test_killed_build_ends_fault_and_its_container_is_removed(self):
        root = tempfile.mkdtemp(prefix="kiln-e2e-docker-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        data_dir = os.path.join(root, "data")
        marker = "marker-" + uuid.uuid4().hex

        first = KilnServer(data_dir, executor="docker")
        self.addCleanup(first.cleanup)
        first.start()
        codebuild = first.client()
        codebuild.create_project(**project_input(
            "in-container", kiln_server.buildspec(f"echo {marker}", "sleep 60")))
        build_id = codebuild.start_build(projectName="in-container")["build"]["id"]
        self.addCleanup(remove_containers, build_id)
        wait_for_phase(codebuild, build_id, "BUILD", timeout=60)
        logs = first.client("logs")
        wait_until(lambda: marker in log_lines(logs, get_build(codebuild, build_id)), 20,
                   what="the marker line to be readable")
        running = build_containers(build_id)
        self.assertEqual(len(running), 1, running)
        self.assertEqual(running[0]["State"], "running")
        self.assertEqual(running[0]["Image"], IMAGE)
        first.kill()

        second = KilnServer(data_dir, executor="docker")
        self.addCleanup(second.cleanup)
        second.start()
        codebuild = second.client()
        build = wait_for_build(codebuild, build_id, timeout=20)
        self.assertEqual(build["buildStatus"], "FAULT")
        faulted = [p for p in build["phases"] if p.get("phaseStatus") == "FAULT"]
        self.assertEqual([p["phaseType"] for p in faulted], ["BUILD"])
        self.assertEqual(faulted[0]["contexts"][0]["statusCode"], "SERVICE_STOPPED")
        self.assertIn(marker, log_lines(second.client("logs"), build))
        self.assertEqual(build_containers(build_id), [],
                         "the killed build's container is still there after the restart")
        # The restarted server runs builds in containers again.
        again = codebuild.start_build(projectName="in-container",
                                      buildspecOverride=kiln_server.buildspec("echo again"))
        again = wait_for_build(codebuild, again["build"]["id"], timeout=60)
        self.assertEqual(again["buildStatus"], "SUCCEEDED")
        self.assertEqual(again["buildNumber"], 2)


if __name__ == "__main__":
    unittest.main()
