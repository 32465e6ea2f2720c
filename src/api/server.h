// SPDX-License-Identifier: Apache-2.0
// `kiln serve` assembled: the data directory (locked, so one server owns
// it), the SQLite state store, the log and artifact stores, the first admin
// key, the scheduler with its restart recovery, the CodeBuild service and
// the HTTP listener. The CLI only parses flags and waits for a signal.
// Thread-safe: shutdown() may be called from any thread once.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "runner/build_runner.h"

namespace kiln::api {

struct ServerOptions {
  std::string listen = "127.0.0.1:8600";  // HOST:PORT; port 0 picks a free one
  std::string data_dir;
  int max_concurrent_builds = 0;  // 0: the number of cores
  int queue_limit = 10000;
  std::string region = "us-east-1";
  std::string account = "000000000000";
  // How long a shutdown lets running builds finish before it ends them FAULT.
  std::chrono::seconds shutdown_grace{30};
  int http_threads = 0;  // 0: the HTTP server's default
};

class Server {
 public:
  // Starts serving. Fails with kUnavailable when another server holds the
  // data dir or the address cannot be bound, kInvalidInput for bad options,
  // kIoError when the data dir cannot be used.
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options,
                                               runner::ExecutorFactory executor_factory);
  ~Server();  // shutdown()

  // "http://127.0.0.1:PORT": what clients pass as --endpoint-url.
  std::string endpoint() const;
  // DATA_DIR/credentials: the admin key in the AWS shared-credentials format.
  std::string credentials_path() const;
  // True when this start created the admin key (the first start).
  bool created_admin_key() const;
  // Builds the restart recovery ended FAULT.
  int recovered_builds() const;

  // Stops dispatching queued builds, lets running ones finish within the
  // grace period (the rest end FAULT), then closes the listener. The API
  // keeps answering during the grace period. Idempotent.
  void shutdown();

 private:
  struct Parts;
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace kiln::api
