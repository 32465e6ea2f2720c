// SPDX-License-Identifier: Apache-2.0
// `kiln serve`: the CodeBuild-compatible service on one port, and
// `kiln keys create|list|revoke`: the access keys it accepts.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "api/access_keys.h"
#include "api/server.h"
#include "cli/commands.h"
#include "cli/executor_factory.h"
#include "common/clock.h"
#include "store/sqlite_state_store.h"

namespace kiln::cli {

namespace {

struct ServeOptions {
  api::ServerOptions server;
  std::string executor;
  int shutdown_grace_seconds = 30;
};

int serve(ServeOptions& o) {
  // Signals are taken by sigwait below; block them before any thread exists
  // so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto factory = make_executor_factory(o.executor, /*background_removal=*/true);
  if (!factory.is_ok()) {
    std::cerr << "kiln serve: " << factory.status().message() << "\n";
    return 1;
  }
  std::error_code ec;
  o.server.data_dir = std::filesystem::absolute(o.server.data_dir, ec).string();
  o.server.shutdown_grace = std::chrono::seconds(o.shutdown_grace_seconds);
  auto server = api::Server::start(o.server, std::move(factory).value());
  if (!server.is_ok()) {
    std::cerr << "kiln serve: " << server.status().message() << "\n";
    return 1;
  }
  api::Server& s = *server.value();
  std::cout << "kiln serve: listening on " << s.endpoint() << " (data dir " << o.server.data_dir
            << ")\n";
  if (s.created_admin_key())
    std::cout << "kiln serve: wrote an admin key to " << s.credentials_path() << "\n";
  if (s.recovered_builds() > 0)
    std::cout << "kiln serve: " << s.recovered_builds()
              << " build(s) that were running when the server stopped ended FAULT\n";
  std::cout << "  AWS_SHARED_CREDENTIALS_FILE=" << s.credentials_path() << " aws --region "
            << o.server.region << " --endpoint-url " << s.endpoint() << " codebuild list-projects\n"
            << std::flush;

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::cout << "kiln serve: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
            << ", shutting down\n"
            << std::flush;
  s.shutdown();
  std::cout << "kiln serve: stopped\n";
  return 0;
}

Result<std::unique_ptr<store::SqliteStateStore>> open_keys_store(const std::string& data_dir) {
  const std::string path = data_dir + "/state.db";
  if (!std::filesystem::exists(path))
    return Status(ErrorCode::kNotFound,
                  path + " does not exist: start `kiln serve --data-dir " + data_dir + "` once");
  return store::SqliteStateStore::open(path);
}

std::string format_time(std::int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&seconds));
  return text;
}

}  // namespace

void register_serve_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServeOptions>();
  o->server.data_dir = ".kiln/server";
  CLI::App* serve_cmd = app.add_subcommand(
      "serve",
      "Run the CodeBuild-compatible service: the aws CLI, boto3 and `kiln projects|builds` talk "
      "to it with --endpoint-url");
  serve_cmd->add_option("--listen", o->server.listen, "HOST:PORT to listen on (port 0: any free)")
      ->capture_default_str();
  serve_cmd
      ->add_option("--data-dir", o->server.data_dir,
                   "State, logs, artifacts and the admin credentials file live here")
      ->capture_default_str();
  serve_cmd
      ->add_option("--executor", o->executor,
                   "Where builds run: docker, shell, or empty for docker when a daemon answers")
      ->check(CLI::IsMember({"", "docker", "shell"}));
  serve_cmd
      ->add_option("--max-concurrent-builds", o->server.max_concurrent_builds,
                   "Builds running at once (0: the number of cores)")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  serve_cmd
      ->add_option("--queue-limit", o->server.queue_limit,
                   "Queued builds beyond this are refused (AccountLimitExceededException)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  serve_cmd->add_option("--region", o->server.region, "Region in ARNs and signatures")
      ->capture_default_str();
  serve_cmd->add_option("--account-id", o->server.account, "Account id in ARNs")
      ->capture_default_str();
  serve_cmd
      ->add_option("--shutdown-grace", o->shutdown_grace_seconds,
                   "Seconds SIGTERM lets running builds finish before they end FAULT")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  serve_cmd->callback([o, &exit_code] { exit_code = serve(*o); });

  auto data_dir = std::make_shared<std::string>(".kiln/server");
  CLI::App* keys = app.add_subcommand("keys", "Manage the access keys a kiln server accepts");
  keys->require_subcommand(1);
  keys->fallthrough();  // `kiln keys list --data-dir D` as well as `kiln keys --data-dir D list`
  keys->add_option("--data-dir", *data_dir, "The server's data dir")->capture_default_str();

  auto name = std::make_shared<std::string>();
  auto credentials_file = std::make_shared<std::string>();
  auto profile = std::make_shared<std::string>("default");
  CLI::App* create = keys->add_subcommand("create", "Create a key; prints its id and secret");
  create->add_option("--name", *name, "Who uses it (shown as builds' initiator)")->required();
  create->add_option("--credentials-file", *credentials_file,
                     "Also write it to this AWS shared-credentials file");
  create->add_option("--profile", *profile, "Profile name in --credentials-file")
      ->capture_default_str();
  create->callback([data_dir, name, credentials_file, profile, &exit_code] {
    auto store = open_keys_store(*data_dir);
    if (!store.is_ok()) {
      std::cerr << "kiln keys create: " << store.status().message() << "\n";
      exit_code = 1;
      return;
    }
    store::AccessKey key = api::generate_access_key(*name, epoch_millis());
    if (Status s = store.value()->add_key(key); !s.is_ok()) {
      std::cerr << "kiln keys create: " << s.message() << "\n";
      exit_code = 1;
      return;
    }
    if (!credentials_file->empty()) {
      if (Status s = api::write_credentials_profile(*credentials_file, *profile, key); !s.is_ok()) {
        std::cerr << "kiln keys create: " << s.message() << "\n";
        exit_code = 1;
        return;
      }
    }
    std::cout << "aws_access_key_id = " << key.access_key_id << "\n"
              << "aws_secret_access_key = " << key.secret_access_key << "\n";
  });

  CLI::App* list = keys->add_subcommand("list", "List keys (secrets are not shown)");
  list->callback([data_dir, &exit_code] {
    auto store = open_keys_store(*data_dir);
    auto listed = store.is_ok() ? store.value()->list_keys()
                                : Result<std::vector<store::AccessKey>>(store.status());
    if (!listed.is_ok()) {
      std::cerr << "kiln keys list: " << listed.status().message() << "\n";
      exit_code = 1;
      return;
    }
    std::printf("%-22s %-20s %-22s %s\n", "ACCESS KEY ID", "NAME", "CREATED", "STATUS");
    for (const auto& key : listed.value())
      std::printf("%-22s %-20s %-22s %s\n", key.access_key_id.c_str(), key.name.c_str(),
                  format_time(key.created_ms).c_str(),
                  key.revoked_ms ? ("revoked " + format_time(*key.revoked_ms)).c_str() : "active");
  });

  auto key_id = std::make_shared<std::string>();
  CLI::App* revoke =
      keys->add_subcommand("revoke", "Revoke a key: its requests are refused at once");
  revoke->add_option("access-key-id", *key_id, "The key to revoke")->required();
  revoke->callback([data_dir, key_id, &exit_code] {
    auto store = open_keys_store(*data_dir);
    Status s = store.is_ok() ? store.value()->revoke_key(*key_id, epoch_millis()) : store.status();
    if (!s.is_ok()) {
      std::cerr << "kiln keys revoke: " << s.message() << "\n";
      exit_code = 1;
      return;
    }
    std::cout << "revoked " << *key_id << "\n";
  });
}

}  // namespace kiln::cli
