// SPDX-License-Identifier: Apache-2.0
#include "api/server.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "api/access_keys.h"
#include "api/api_router.h"
#include "common/clock.h"
#include "http/http_server.h"
#include "logs/file_log_store.h"
#include "objectstore/local_object_store.h"
#include "service/codebuild_service.h"
#include "service/scheduler.h"
#include "store/sqlite_state_store.h"

namespace kiln::api {

namespace {

// Splits "HOST:PORT" ("[::1]:PORT" for IPv6).
Result<std::pair<std::string, std::uint16_t>> split_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Status(ErrorCode::kInvalidInput, "--listen " + listen + ": expected HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535)
    return Status(ErrorCode::kInvalidInput,
                  "--listen " + listen + ": the port must be a number from 0 to 65535");
  return std::make_pair(host, static_cast<std::uint16_t>(port));
}

// An exclusive lock on DIR/kiln.lock for the process's lifetime: one server
// per data dir, since it alone dispatches the dir's queue and recovers its
// builds. The kernel drops the lock when the process dies, kill -9 included.
Result<int> lock_data_dir(const std::string& dir) {
  const std::string path = dir + "/kiln.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status(ErrorCode::kIoError, "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status(ErrorCode::kUnavailable,
                  "another kiln serve is using the data dir " + dir + " (" + path + " is locked)");
  }
  return fd;
}

std::string owner_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device rd;
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(rd());
}

Status write_text_file(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    if (!out) return Status(ErrorCode::kIoError, "cannot write " + temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0)
    return Status(ErrorCode::kIoError, "cannot write " + path + ": " + std::strerror(errno));
  return Status::ok();
}

}  // namespace

struct Server::Parts {
  ServerOptions options;
  int lock_fd = -1;
  bool created_admin_key = false;
  int recovered_builds = 0;
  std::unique_ptr<store::SqliteStateStore> store;
  std::unique_ptr<logs::FileLogStore> log_store;
  std::unique_ptr<objectstore::LocalObjectStore> artifact_store;
  std::unique_ptr<service::Scheduler> scheduler;
  std::unique_ptr<service::CodeBuildService> service;
  std::unique_ptr<ApiRouter> router;
  std::atomic<ApiRouter*> live_router{nullptr};
  std::unique_ptr<http::HttpServer> http;
  std::once_flag shutdown_once;

  ~Parts() {
    if (lock_fd >= 0) ::close(lock_fd);
  }
};

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() { shutdown(); }

std::string Server::endpoint() const { return "http://" + parts_->http->address(); }
std::string Server::credentials_path() const { return parts_->options.data_dir + "/credentials"; }
bool Server::created_admin_key() const { return parts_->created_admin_key; }
int Server::recovered_builds() const { return parts_->recovered_builds; }

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options,
                                              runner::ExecutorFactory executor_factory) {
  auto parts = std::make_unique<Parts>();
  parts->options = options;
  const std::string& dir = options.data_dir;
  if (dir.empty()) return Status(ErrorCode::kInvalidInput, "--data-dir is required");
  auto listen = split_listen(options.listen);
  if (!listen.is_ok()) return listen.status();

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(ErrorCode::kIoError, "cannot create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);  // keys and build logs live here
  auto lock = lock_data_dir(dir);
  if (!lock.is_ok()) return lock.status();
  parts->lock_fd = lock.value();

  auto store = store::SqliteStateStore::open(dir + "/state.db");
  if (!store.is_ok()) return store.status();
  parts->store = std::move(store).value();
  auto log_store = logs::FileLogStore::open(dir + "/logs");
  if (!log_store.is_ok()) return log_store.status();
  parts->log_store = std::move(log_store).value();
  auto artifact_store = objectstore::LocalObjectStore::open(dir + "/artifacts");
  if (!artifact_store.is_ok()) return artifact_store.status();
  parts->artifact_store = std::move(artifact_store).value();

  // The first start makes an admin key and writes it where the aws CLI reads it.
  auto keys = parts->store->list_keys();
  if (!keys.is_ok()) return keys.status();
  if (keys.value().empty()) {
    store::AccessKey admin = generate_access_key("admin", epoch_millis());
    if (Status s = parts->store->add_key(admin); !s.is_ok()) return s;
    if (Status s = write_credentials_profile(dir + "/credentials", "default", admin); !s.is_ok())
      return s;
    parts->created_admin_key = true;
  }

  http::HttpServerOptions http_options;
  http_options.host = listen.value().first;
  http_options.port = listen.value().second;
  http_options.threads = options.http_threads;
  http_options.error_responder = &ApiRouter::refusal;
  Parts* raw = parts.get();
  auto http = http::HttpServer::start(http_options, [raw](const http::HttpRequest& request) {
    ApiRouter* router = raw->live_router.load();
    if (router == nullptr) return ApiRouter::refusal(503, "kiln serve is starting; try again");
    return router->handle(request);
  });
  if (!http.is_ok()) return http.status();
  parts->http = std::move(http).value();
  const std::string endpoint = "http://" + parts->http->address();

  service::SchedulerOptions scheduler_options;
  scheduler_options.max_concurrent_builds =
      options.max_concurrent_builds > 0
          ? options.max_concurrent_builds
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  scheduler_options.owner = owner_name();
  scheduler_options.work_root = dir + "/work";
  parts->scheduler = std::make_unique<service::Scheduler>(
      scheduler_options, *parts->store, std::move(executor_factory), *parts->log_store,
      *parts->artifact_store);

  service::ServiceConfig config;
  config.region = options.region;
  config.account = options.account;
  config.endpoint = endpoint;
  config.queue_limit = options.queue_limit;
  parts->service = std::make_unique<service::CodeBuildService>(
      config, *parts->store, *parts->scheduler, *parts->log_store);
  parts->router = std::make_unique<ApiRouter>(*parts->service, *parts->store, *parts->log_store);

  auto recovered = parts->scheduler->start();
  if (!recovered.is_ok()) return recovered.status();
  parts->recovered_builds = recovered.value();
  parts->live_router.store(parts->router.get());
  // Scripts and tests find a server started on port 0 here.
  if (Status s = write_text_file(dir + "/endpoint", endpoint + "\n"); !s.is_ok()) return s;
  return std::unique_ptr<Server>(new Server(std::move(parts)));
}

void Server::shutdown() {
  std::call_once(parts_->shutdown_once, [this] {
    spdlog::info("shutting down: no new builds start; waiting up to {} s for running builds",
                 parts_->options.shutdown_grace.count());
    parts_->scheduler->shutdown(parts_->options.shutdown_grace);
    parts_->http->stop();
    parts_->live_router.store(nullptr);
    std::error_code ec;
    std::filesystem::remove(parts_->options.data_dir + "/endpoint", ec);
  });
}

}  // namespace kiln::api
