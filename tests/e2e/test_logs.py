# SPDX-License-Identifier: Apache-2.0
# A build's log through `aws logs` and boto3's logs client against
# `kiln serve`: the build's `logs` member, GetLogEvents (from the head, paging
# forward until the token repeats; the tail), FilterLogEvents with a term,
# DescribeLogGroups/Streams, and kiln's own deepLink (codebuild-semantics.md
# §2.6, §4.6; docs/logs-api.md).
import unittest
import urllib.parse

import botocore.auth
import botocore.exceptions
from botocore.awsrequest import AWSRequest

import kiln_server
from kiln_server import ACCOUNT, REGION, buildspec, project_input, raw_request, wait_for_build

server = None
logs = None
builds = []  # the two finished builds of PROJECT, oldest first

PROJECT = "logs-demo"
GROUP = "/aws/codebuild/" + PROJECT
LINES = 30


def setUpModule():
    global server, logs
    server = kiln_server.start_module_server()
    codebuild = server.client()
    logs = server.client("logs")
    # Output is upper-cased by tr so that the searched terms are in the
    # output lines only, not in the "Running command ..." lines.
    spec = buildspec(f"for i in $(seq 1 {LINES}); do echo line-$i; done | tr a-z A-Z",
                     "echo needle-$CODEBUILD_BUILD_NUMBER alpha | tr a-z A-Z",
                     "echo haystack only | tr a-z A-Z",
                     "echo needle-$CODEBUILD_BUILD_NUMBER beta | tr a-z A-Z")
    codebuild.create_project(**project_input(PROJECT, spec))
    for _ in range(2):
        build_id = codebuild.start_build(projectName=PROJECT)["build"]["id"]
        builds.append(wait_for_build(codebuild, build_id))


def all_events(build):
    """Every event of the build's stream in one boto3 call (the stream is
    far below one page)."""
    return logs.get_log_events(logGroupName=GROUP, logStreamName=build["logs"]["streamName"],
                               startFromHead=True)["events"]


class BuildLogsMemberTest(unittest.TestCase):
    def test_logs_member_names_group_stream_and_links(self):
        build = builds[0]
        uuid = build["id"].split(":", 1)[1]
        self.assertEqual(build["logs"]["groupName"], GROUP)
        self.assertEqual(build["logs"]["streamName"], uuid)
        self.assertEqual(build["logs"]["cloudWatchLogsArn"],
                         f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}:log-stream:{uuid}")
        self.assertEqual(build["logs"]["cloudWatchLogs"]["status"], "ENABLED")
        self.assertTrue(build["logs"]["deepLink"])

    def test_deep_link_serves_the_log_text(self):
        build = builds[0]
        link = urllib.parse.urlsplit(build["logs"]["deepLink"])
        self.assertEqual(f"{link.scheme}://{link.netloc}", server.endpoint)
        request = AWSRequest(method="GET", url=build["logs"]["deepLink"])
        botocore.auth.SigV4Auth(server.credentials(), "codebuild", REGION).add_auth(request)
        status, _, body = raw_request(server.endpoint, "GET", link.path,
                                      headers=dict(request.headers.items()))
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertEqual(text.splitlines(), [e["message"] for e in all_events(build)])
        self.assertIn("\nLINE-30\n", text)

    def test_queued_build_has_only_a_deep_link(self):
        # Until PROVISIONING creates the stream there is no group or stream
        # to name (§2.6).
        codebuild = server.client()
        codebuild.create_project(**project_input("queued-only"))
        answer = codebuild.start_build(projectName="queued-only")["build"]
        self.addCleanup(wait_for_build, codebuild, answer["id"])
        self.assertIn("deepLink", answer["logs"])
        self.assertNotIn("groupName", answer["logs"])
        self.assertNotIn("streamName", answer["logs"])


class GetLogEventsTest(unittest.TestCase):
    def test_aws_cli_pages_forward_from_head_until_the_token_repeats(self):
        build = builds[0]
        stream = build["logs"]["streamName"]
        messages, token, pages = [], None, 0
        while True:
            args = ["logs", "get-log-events", "--log-group-name", GROUP, "--log-stream-name",
                    stream, "--start-from-head", "--limit", "7"]
            if token:
                args += ["--next-token", token]
            page = server.aws(*args)
            pages += 1
            self.assertLessEqual(len(page["events"]), 7)
            for event in page["events"]:
                self.assertIsInstance(event["timestamp"], int)
                self.assertIsInstance(event["ingestionTime"], int)
            messages += [e["message"] for e in page["events"]]
            if page["nextForwardToken"] == token:
                self.assertEqual(page["events"], [])
                break
            token = page["nextForwardToken"]
            self.assertLess(pages, 100, "the forward token never repeated")
        self.assertEqual(messages, [e["message"] for e in all_events(build)])
        numbered = [m for m in messages if m.startswith("LINE-")]
        self.assertEqual(numbered, [f"LINE-{i}" for i in range(1, LINES + 1)])
        self.assertGreater(pages, len(messages) // 7)
        timestamps = [e["timestamp"] for e in all_events(build)]
        self.assertEqual(timestamps, sorted(timestamps))

    def test_without_start_from_head_the_last_events_come(self):
        build = builds[0]
        everything = [e["message"] for e in all_events(build)]
        tail = server.aws("logs", "get-log-events", "--log-group-name", GROUP,
                          "--log-stream-name", build["logs"]["streamName"], "--limit", "5")
        self.assertEqual([e["message"] for e in tail["events"]], everything[-5:])
        # From the tail, going forward finds nothing new: the token repeats.
        again = logs.get_log_events(logGroupName=GROUP,
                                    logStreamName=build["logs"]["streamName"],
                                    nextToken=tail["nextForwardToken"], startFromHead=True)
        self.assertEqual(again["events"], [])
        self.assertEqual(again["nextForwardToken"], tail["nextForwardToken"])

    def test_unknown_stream_is_resource_not_found(self):
        err = server.aws_error("logs", "get-log-events", "--log-group-name", GROUP,
                               "--log-stream-name", "no-such-stream")
        self.assertIn("ResourceNotFoundException", err)
        with self.assertRaises(logs.exceptions.ResourceNotFoundException):
            logs.get_log_events(logGroupName="/aws/codebuild/no-such-project",
                                logStreamName=builds[0]["logs"]["streamName"])


class FilterLogEventsTest(unittest.TestCase):
    def test_term_matches_across_the_group_with_cli_pagination(self):
        found = server.aws("logs", "filter-log-events", "--log-group-name", GROUP,
                           "--filter-pattern", "NEEDLE")
        messages = sorted(e["message"] for e in found["events"])
        self.assertEqual(messages, ["NEEDLE-1 ALPHA", "NEEDLE-1 BETA",
                                    "NEEDLE-2 ALPHA", "NEEDLE-2 BETA"])
        streams = {b["logs"]["streamName"] for b in builds}
        self.assertEqual({e["logStreamName"] for e in found["events"]}, streams)
        self.assertEqual(len({e["eventId"] for e in found["events"]}), 4)
        self.assertNotIn("nextToken", found)

    def test_terms_and_stream_names_narrow_the_search(self):
        second = builds[1]["logs"]["streamName"]
        found = logs.filter_log_events(logGroupName=GROUP, logStreamNames=[second],
                                       filterPattern="NEEDLE BETA")
        self.assertEqual([e["message"] for e in found["events"]], ["NEEDLE-2 BETA"])
        self.assertEqual([s["logStreamName"] for s in found["searchedLogStreams"]], [second])
        quoted = logs.filter_log_events(logGroupName=GROUP, filterPattern='"HAYSTACK ONLY"')
        self.assertEqual([e["message"] for e in quoted["events"]], ["HAYSTACK ONLY"] * 2)

    def test_paging_with_a_small_limit_returns_everything_once(self):
        seen, token = [], None
        for _ in range(100):
            args = {"logGroupName": GROUP, "filterPattern": "LINE", "limit": 9}
            if token:
                args["nextToken"] = token
            page = logs.filter_log_events(**args)
            seen += [e["eventId"] for e in page["events"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(len(seen), 2 * LINES)
        self.assertEqual(len(set(seen)), 2 * LINES)


class DescribeTest(unittest.TestCase):
    def test_describe_log_groups_and_streams(self):
        groups = server.aws("logs", "describe-log-groups", "--log-group-name-prefix",
                            "/aws/codebuild/logs-")["logGroups"]
        self.assertEqual([g["logGroupName"] for g in groups], [GROUP])
        self.assertEqual(groups[0]["arn"], f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}:*")
        streams = server.aws("logs", "describe-log-streams", "--log-group-name",
                             GROUP)["logStreams"]
        names = [s["logStreamName"] for s in streams]
        expected = [b["logs"]["streamName"] for b in builds]
        self.assertTrue(set(expected) <= set(names), names)
        self.assertEqual(names, sorted(names))
        newest_first = logs.describe_log_streams(logGroupName=GROUP, orderBy="LastEventTime",
                                                 descending=True)["logStreams"]
        ours = [s["logStreamName"] for s in newest_first if s["logStreamName"] in expected]
        self.assertEqual(ours, list(reversed(expected)))
        for s in streams:
            if s["logStreamName"] in expected:
                self.assertLessEqual(s["firstEventTimestamp"], s["lastEventTimestamp"])

    def test_describe_streams_of_unknown_group_is_resource_not_found(self):
        err = server.aws_error("logs", "describe-log-streams", "--log-group-name",
                               "/aws/codebuild/nothing-here")
        self.assertIn("ResourceNotFoundException", err)


if __name__ == "__main__":
    unittest.main()
