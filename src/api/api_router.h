// SPDX-License-Identifier: Apache-2.0
// What arrives over HTTP and where it goes: every request but the health
// check must carry a valid AWS Signature Version 4 from a known, unrevoked
// key (codebuild-semantics.md §4.1); JSON 1.1 calls (`POST /` with
// X-Amz-Target) go to the CodeBuildService; `GET /kiln/v1/builds/<id>/log`
// streams a build's log as text, following it while the build runs with
// `?follow=true`; `GET /kiln/health` answers unsigned.
// Thread-safe: handle() runs concurrently on the HTTP server's threads.
#pragma once

#include <string>

#include "http/http_server.h"
#include "logs/log_store.h"
#include "service/codebuild_service.h"
#include "store/state_store.h"

namespace kiln::api {

class ApiRouter {
 public:
  // Everything is borrowed and must outlive the router.
  ApiRouter(service::CodeBuildService& service, store::StateStore& store,
            logs::LogStore& log_store);

  http::HttpResponse handle(const http::HttpRequest& request);

  // The AWS-shaped answer for requests the HTTP server refuses itself.
  static http::HttpResponse refusal(int status, const std::string& message);

 private:
  http::HttpResponse call_api(const http::HttpRequest& request, const service::Caller& caller);
  http::HttpResponse stream_log(const std::string& build_id, bool follow);

  service::CodeBuildService& service_;
  store::StateStore& store_;
  logs::LogStore& log_store_;
};

}  // namespace kiln::api
