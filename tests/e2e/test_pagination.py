# SPDX-License-Identifier: Apache-2.0
# Paging through more than one page of builds (pages hold 100,
# codebuild-semantics.md §4.5): ListBuildsForProject and ListBuilds with
# boto3's paginators, by hand with nextToken, and with the aws CLI's
# auto-pagination, in both orders.
import unittest

import botocore.exceptions

import kiln_server
from kiln_server import buildspec, project_input

server = None
codebuild = None
ids = []  # the 120 builds of PROJECT, in start order (= build number order)
others = []  # builds of OTHER, started in between

PROJECT = "many-builds"
OTHER = "few-builds"
COUNT = 120


def setUpModule():
    global server, codebuild
    # One build at a time: most of the 120 wait in the queue while the
    # listings run, which must not matter to them.
    server = kiln_server.start_module_server(extra_args=["--max-concurrent-builds", "1"])
    codebuild = server.client()
    codebuild.create_project(**project_input(PROJECT, buildspec("true")))
    codebuild.create_project(**project_input(OTHER, buildspec("true")))
    for i in range(COUNT):
        build = codebuild.start_build(projectName=PROJECT)["build"]
        assert build["buildNumber"] == i + 1, build["buildNumber"]
        ids.append(build["id"])
        if i % 40 == 0:
            others.append(codebuild.start_build(projectName=OTHER)["build"]["id"])


class ListBuildsForProjectTest(unittest.TestCase):
    def test_boto3_paginator_returns_all_descending_by_default(self):
        pages = list(codebuild.get_paginator("list_builds_for_project").paginate(
            projectName=PROJECT))
        self.assertEqual([len(p["ids"]) for p in pages], [100, 20])
        listed = [i for p in pages for i in p["ids"]]
        self.assertEqual(listed, list(reversed(ids)))

    def test_boto3_paginator_ascending(self):
        pages = codebuild.get_paginator("list_builds_for_project").paginate(
            projectName=PROJECT, sortOrder="ASCENDING")
        self.assertEqual([i for p in pages for i in p["ids"]], ids)

    def test_pages_by_hand_no_token_on_the_last_page(self):
        first = codebuild.list_builds_for_project(projectName=PROJECT)
        self.assertEqual(first["ids"], list(reversed(ids))[:100])
        self.assertTrue(first["nextToken"])
        second = codebuild.list_builds_for_project(projectName=PROJECT,
                                                   nextToken=first["nextToken"])
        self.assertEqual(second["ids"], list(reversed(ids))[100:])
        self.assertNotIn("nextToken", second)

    def test_aws_cli_auto_pagination(self):
        listed = server.aws("codebuild", "list-builds-for-project", "--project-name", PROJECT)
        self.assertEqual(listed["ids"], list(reversed(ids)))
        self.assertNotIn("nextToken", listed)
        ascending = server.aws("codebuild", "list-builds-for-project", "--project-name", PROJECT,
                               "--sort-order", "ASCENDING")
        self.assertEqual(ascending["ids"], ids)

    def test_bad_token_and_unknown_project(self):
        with self.assertRaises(botocore.exceptions.ClientError) as bad:
            codebuild.list_builds_for_project(projectName=PROJECT, nextToken="not-a-token")
        self.assertEqual(bad.exception.response["Error"]["Code"], "InvalidInputException")
        # A token is tied to the listing it came from.
        token = codebuild.list_builds_for_project(projectName=PROJECT)["nextToken"]
        with self.assertRaises(botocore.exceptions.ClientError) as other:
            codebuild.list_builds_for_project(projectName=OTHER, nextToken=token)
        self.assertEqual(other.exception.response["Error"]["Code"], "InvalidInputException")
        with self.assertRaises(codebuild.exceptions.ResourceNotFoundException):
            codebuild.list_builds_for_project(projectName="no-such-project")


class ListBuildsTest(unittest.TestCase):
    def test_boto3_paginator_newest_first_by_default(self):
        pages = list(codebuild.get_paginator("list_builds").paginate())
        listed = [i for p in pages for i in p["ids"]]
        self.assertEqual(len(pages), 2)
        self.assertNotIn("nextToken", pages[-1])
        self.assertEqual(len(listed), COUNT + len(others))
        self.assertEqual(len(set(listed)), len(listed))
        self.assertEqual([i for i in listed if i.startswith(PROJECT + ":")], list(reversed(ids)))
        self.assertEqual([i for i in listed if i.startswith(OTHER + ":")], list(reversed(others)))
        self.assertEqual(listed[0], ids[-1])

    def test_aws_cli_auto_pagination_both_orders(self):
        descending = server.aws("codebuild", "list-builds")["ids"]
        ascending = server.aws("codebuild", "list-builds", "--sort-order", "ASCENDING")["ids"]
        self.assertEqual(len(descending), COUNT + len(others))
        self.assertEqual(ascending, list(reversed(descending)))
        self.assertEqual(ascending[:2], [ids[0], others[0]])


if __name__ == "__main__":
    unittest.main()
