# SPDX-License-Identifier: Apache-2.0
# Projects through the real aws CLI: create from a JSON file, the defaults
# CreateProject fills in, duplicates, batch-get with unknown names, updates
# that touch only the given members, sorted listings, delete
# (codebuild-semantics.md §4.4).
import datetime
import json
import os
import tempfile
import unittest

import kiln_server
from kiln_server import ACCOUNT, REGION, project_input

server = None


def setUpModule():
    global server
    server = kiln_server.start_module_server()


def epoch(value):
    """A timestamp as the aws CLI prints it: epoch seconds (CLI v1) or an
    ISO 8601 string (CLI v2)."""
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class ProjectsTest(unittest.TestCase):
    def create_from_file(self, project):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(project, f)
        self.addCleanup(os.unlink, f.name)
        return server.aws("codebuild", "create-project", "--cli-input-json", "file://" + f.name)

    def test_create_from_json_file_fills_in_defaults(self):
        project = self.create_from_file(project_input("defaults-demo"))["project"]
        self.assertEqual(project["name"], "defaults-demo")
        self.assertEqual(project["arn"],
                         f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/defaults-demo")
        self.assertEqual(project["timeoutInMinutes"], 60)
        self.assertEqual(project["queuedTimeoutInMinutes"], 480)
        self.assertEqual(project["badge"]["badgeEnabled"], False)
        self.assertEqual(project["cache"], {"type": "NO_CACHE"})
        self.assertEqual(project["encryptionKey"], f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/s3")
        self.assertEqual(project["environment"]["privilegedMode"], False)
        self.assertEqual(project["environment"]["imagePullCredentialsType"], "CODEBUILD")
        self.assertEqual(project["environment"].get("environmentVariables", []), [])
        self.assertEqual(project["source"]["insecureSsl"], False)
        self.assertEqual(project["artifacts"]["type"], "NO_ARTIFACTS")
        self.assertEqual(project["serviceRole"], f"arn:aws:iam::{ACCOUNT}:role/kiln")
        self.assertEqual(epoch(project["created"]), epoch(project["lastModified"]))
        # What CreateProject answered is what BatchGetProjects reads back.
        got = server.aws("codebuild", "batch-get-projects", "--names", "defaults-demo")
        self.assertEqual(got["projects"], [project])

    def test_s3_artifacts_get_the_project_name_and_defaults(self):
        project = self.create_from_file(project_input(
            "artifact-defaults", artifacts={"type": "S3", "location": "bucket"}))["project"]
        artifacts = project["artifacts"]
        self.assertEqual(artifacts["name"], "artifact-defaults")
        self.assertEqual(artifacts["namespaceType"], "NONE")
        self.assertEqual(artifacts["packaging"], "NONE")
        self.assertEqual(artifacts["encryptionDisabled"], False)

    def test_duplicate_name_is_resource_already_exists(self):
        self.create_from_file(project_input("dup-demo", description="first"))
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(project_input("dup-demo", description="second"), f)
        self.addCleanup(os.unlink, f.name)
        err = server.aws_error("codebuild", "create-project", "--cli-input-json",
                               "file://" + f.name)
        self.assertIn("ResourceAlreadyExistsException", err)
        self.assertIn("dup-demo", err)
        got = server.aws("codebuild", "batch-get-projects", "--names", "dup-demo")
        self.assertEqual(got["projects"][0]["description"], "first")

    def test_batch_get_projects_reports_unknown_names(self):
        self.create_from_file(project_input("known-one"))
        arn = f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/known-one"
        got = server.aws("codebuild", "batch-get-projects", "--names", "no-such-project",
                         "known-one", "other-missing", arn)
        self.assertEqual([p["name"] for p in got["projects"]], ["known-one", "known-one"])
        self.assertEqual(sorted(got["projectsNotFound"]), ["no-such-project", "other-missing"])

    def test_update_changes_only_given_members_and_bumps_last_modified(self):
        before = self.create_from_file(project_input(
            "update-demo", description="old", timeoutInMinutes=30,
            tags=[{"key": "team", "value": "build"}]))["project"]
        after = server.aws("codebuild", "update-project", "--name", "update-demo",
                           "--description", "new", "--queued-timeout-in-minutes", "100")["project"]
        self.assertEqual(after["description"], "new")
        self.assertEqual(after["queuedTimeoutInMinutes"], 100)
        for member in ("arn", "source", "artifacts", "environment", "serviceRole",
                       "timeoutInMinutes", "tags", "cache", "encryptionKey", "badge"):
            self.assertEqual(after[member], before[member], member)
        self.assertEqual(epoch(after["created"]), epoch(before["created"]))
        self.assertGreater(epoch(after["lastModified"]), epoch(before["lastModified"]))
        got = server.aws("codebuild", "batch-get-projects", "--names", "update-demo")
        self.assertEqual(got["projects"], [after])

    def test_update_unknown_project_is_resource_not_found(self):
        err = server.aws_error("codebuild", "update-project", "--name", "never-created",
                               "--description", "x")
        self.assertIn("ResourceNotFoundException", err)
        names = server.aws("codebuild", "list-projects")["projects"]
        self.assertNotIn("never-created", names)

    def test_list_projects_sorted(self):
        for name in ("sort-c", "sort-a", "sort-b"):
            self.create_from_file(project_input(name))

        def ours(names):
            return [n for n in names if n.startswith("sort-")]

        by_name = server.aws("codebuild", "list-projects", "--sort-by", "NAME",
                             "--sort-order", "ASCENDING")["projects"]
        self.assertEqual(ours(by_name), ["sort-a", "sort-b", "sort-c"])
        self.assertEqual(by_name, sorted(by_name))
        by_name_desc = server.aws("codebuild", "list-projects", "--sort-by", "NAME",
                                  "--sort-order", "DESCENDING")["projects"]
        self.assertEqual(by_name_desc, list(reversed(by_name)))
        by_created = server.aws("codebuild", "list-projects", "--sort-by", "CREATED_TIME",
                                "--sort-order", "ASCENDING")["projects"]
        self.assertEqual(ours(by_created), ["sort-c", "sort-a", "sort-b"])
        # Touching sort-c makes it the most recently modified.
        server.aws("codebuild", "update-project", "--name", "sort-c", "--description", "touched")
        by_modified = server.aws("codebuild", "list-projects", "--sort-by", "LAST_MODIFIED_TIME",
                                 "--sort-order", "DESCENDING")["projects"]
        self.assertEqual(ours(by_modified)[0], "sort-c")
        # The default order is by name, ascending (§4.4, SHOULD).
        self.assertEqual(server.aws("codebuild", "list-projects")["projects"], by_name)

    def test_delete_project(self):
        self.create_from_file(project_input("delete-demo"))
        self.assertIn("delete-demo", server.aws("codebuild", "list-projects")["projects"])
        self.assertEqual(server.aws("codebuild", "delete-project", "--name", "delete-demo"), {})
        self.assertNotIn("delete-demo", server.aws("codebuild", "list-projects")["projects"])
        got = server.aws("codebuild", "batch-get-projects", "--names", "delete-demo")
        self.assertEqual(got["projects"], [])
        self.assertEqual(got["projectsNotFound"], ["delete-demo"])
        err = server.aws_error("codebuild", "start-build", "--project-name", "delete-demo")
        self.assertIn("ResourceNotFoundException", err)
        # The name is free again.
        self.assertEqual(self.create_from_file(project_input("delete-demo"))["project"]["name"],
                         "delete-demo")

    def test_curated_images_are_kilns_own(self):
        got = server.aws("codebuild", "list-curated-environment-images")
        platforms = got["platforms"]
        self.assertEqual([p["platform"] for p in platforms], ["DEBIAN"])
        images = [image["name"]
                  for language in platforms[0]["languages"] for image in language["images"]]
        self.assertIn("kiln/standard:1.0", images)
        self.assertIn("kiln/busybox:1.0", images)
        for language in platforms[0]["languages"]:
            for image in language["images"]:
                self.assertEqual(image["versions"], [image["name"]])
                self.assertTrue(image["description"])


if __name__ == "__main__":
    unittest.main()
