# SPDX-License-Identifier: Apache-2.0
# Signs a handful of requests with botocore (the aws CLI's signer) at a fixed
# time and prints, as JSON, what each looks like on the wire, so
# botocore_reference_test.cc can check that kiln's verify() accepts them and
# that kiln's sign() gives the same Authorization header.
import datetime
import json
import sys
from urllib.parse import urlsplit

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGNING_TIME = datetime.datetime(2026, 3, 4, 5, 6, 7)
botocore.auth.get_current_datetime = lambda *args, **kwargs: SIGNING_TIME
CREDENTIALS = Credentials("AKIDKILNTEST", "kiln/secret+key/EXAMPLE")


def case(name, method, url, service="codebuild", region="us-east-1", headers=(), params=None,
         body=b"", presign_expires=None):
    request = AWSRequest(method=method, url=url, data=body, params=params or {})
    for header, value in headers:
        request.headers[header] = value  # appends, so repeated names stay
    if presign_expires is None:
        botocore.auth.SigV4Auth(CREDENTIALS, service, region).add_auth(request)
    else:
        botocore.auth.SigV4QueryAuth(CREDENTIALS, service, region,
                                     expires=presign_expires).add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    host = botocore.auth._host_from_url(prepared.url)
    # What an HTTP client sends: Host first, the request's headers (with
    # repeats, which prepare() would fold), then Content-Length, unsigned.
    wire = [["Host", host]] + [[k, v] for k, v in request.headers.items()]
    if body:
        wire.append(["Content-Length", str(len(body))])
    return {
        "name": name,
        "service": service,
        "region": region,
        "method": method,
        "path": parts.path,
        "query": parts.query,
        "headers": wire,
        "body_hex": body.hex(),
        "authorization": request.headers.get("Authorization", ""),
        "presigned": presign_expires is not None,
        # kiln's sign() always sends X-Amz-Date; botocore switches to Date
        # when the request has one, so that case is only verified.
        "sign_comparable": presign_expires is None and not any(
            k.lower() == "date" for k, _ in headers),
    }


json_target = [("Content-Type", "application/x-amz-json-1.1")]
cases = [
    case("post_json", "POST", "http://localhost:8080/",
         headers=json_target + [("X-Amz-Target", "CodeBuild_20161006.BatchGetProjects"),
                                ("User-Agent", "aws-cli/1.0 botocore/1.0")],
         body=b'{"names": ["kiln-\xc3\xbc", "b"]}'),
    case("logs_service_other_region", "POST", "http://127.0.0.1:9000/", service="logs",
         region="eu-west-1",
         headers=json_target + [("X-Amz-Target", "Logs_20140328.GetLogEvents")],
         body=b'{"logGroupName": "/aws/codebuild/p", "logStreamName": "s", "startFromHead": true}'),
    case("post_empty_body", "POST", "http://localhost:8080/",
         headers=json_target + [("X-Amz-Target", "CodeBuild_20161006.ListProjects")]),
    case("get_params_encoding_repeated", "GET", "http://localhost:8080/kiln/v1/builds/p%3A1/log",
         params=[("follow", "true"), ("a", "x y"), ("a", "1"), ("c", "\u00fc/~*+=&"),
                 ("empty", ""), ("B", "upper")]),
    case("get_raw_query", "GET", "http://localhost:8080/kiln/v1/builds?z=1&y=%2F&y=-_.~&x="),
    case("path_spaces_unicode", "GET", "http://localhost/my%20dir/%C3%BCnic%C3%B6de/a+b~c.txt"),
    case("path_dot_segments", "GET", "http://localhost/a/./b/../c//d/"),
    case("https_default_port", "POST", "https://KILN.example.com:443/",
         headers=json_target + [("X-Amz-Target", "CodeBuild_20161006.ListBuilds")],
         body=b"{}"),
    case("header_case_whitespace_repeats", "POST", "http://localhost:8080/",
         headers=[("content-TYPE", "application/x-amz-json-1.1"),
                  ("X-AMZ-TARGET", "CodeBuild_20161006.ListProjects"),
                  ("X-Kiln-Note", "  two   spaces\tand tab  "), ("X-Kiln-Note", "second")],
         body=b"{}"),
    case("date_header", "POST", "http://localhost:8080/",
         headers=json_target + [("X-Amz-Target", "CodeBuild_20161006.ListProjects"),
                                ("Date", "placeholder, replaced by botocore")],
         body=b"{}"),
    case("presigned_get", "GET", "http://localhost:8080/kiln/v1/builds/p%3A1/log?follow=true",
         presign_expires=300),
]
json.dump(cases, sys.stdout)
