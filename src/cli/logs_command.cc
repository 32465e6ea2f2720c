// SPDX-License-Identifier: Apache-2.0
// `kiln logs BUILD_ID [--follow]`: a build's log, from a kiln server, or
// from the data dir of `kiln run` when --data-dir is given (or no server is
// configured and ./.kiln exists).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/client_options.h"
#include "cli/commands.h"
#include "client/client_config.h"
#include "logs/file_log_store.h"

namespace kiln::cli {

namespace {

constexpr const char* kLocalDataDir = ".kiln";

struct LogsFlags {
  ClientOptions client;
  std::string build_id;
  std::string data_dir;  // "" unless --data-dir is given
  bool follow = false;
};

// The log of a `kiln run` build, from its data dir's FileLogStore.
int print_local_log(const std::string& data_dir, const std::string& build_id) {
  auto colon = build_id.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == build_id.size()) {
    std::cerr << "kiln logs: " << build_id << ": expected a build id PROJECT:UUID\n";
    return kExitUsage;
  }
  auto store = logs::FileLogStore::open(data_dir + "/logs");
  if (!store.is_ok()) {
    std::cerr << "kiln logs: " << store.status().message() << "\n";
    return kExitFailed;
  }
  std::string group = "/aws/codebuild/" + build_id.substr(0, colon);
  std::string stream = build_id.substr(colon + 1);
  std::uint64_t index = 0;
  for (;;) {
    auto page = store.value()->read(group, stream, index, 10000);
    if (!page.is_ok()) {
      std::cerr << "kiln logs: " << build_id << ": " << page.status().message() << "\n";
      return kExitFailed;
    }
    for (const auto& e : page.value().events) std::cout << e.message << "\n";
    if (page.value().events.empty()) break;
    index = page.value().next_index;
  }
  return kExitOk;
}

int print_log(const LogsFlags& f) {
  if (!f.data_dir.empty()) {
    if (f.follow) {
      std::cerr << "kiln logs: --follow needs a kiln server; a kiln run build's log is "
                   "complete once kiln run returns\n";
      return kExitUsage;
    }
    return print_local_log(f.data_dir, f.build_id);
  }
  // `kiln logs ID` right after `kiln run` works as it did before kiln had
  // a server: with no server configured, the local data dir answers.
  if (!f.follow && !client::resolve_client_config(config_flags(f.client)).is_ok() &&
      std::filesystem::is_directory(std::string(kLocalDataDir) + "/logs"))
    return print_local_log(kLocalDataDir, f.build_id);

  CommandClient c("logs", f.client);
  if (!c.connect()) return c.exit_code();
  Status streamed = c.stream_log(build_id_of(f.build_id), f.follow, std::cout);
  if (!streamed.is_ok()) return c.fail(streamed);
  return kExitOk;
}

}  // namespace

void register_logs_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<LogsFlags>();
  CLI::App* logs = app.add_subcommand(
      "logs",
      "Print a build's log: from a kiln server (see `kiln builds`), or with --data-dir\n"
      "from the data dir of `kiln run` (also ./.kiln when no server is configured).\n"
      "Exit status: 0 printed, 1 no such build, 2 usage or configuration error,\n"
      "3 the server cannot be reached.");
  logs->add_option("build-id", f->build_id, "PROJECT:UUID (or a build ARN)")->required();
  logs->add_flag("--follow", f->follow, "Keep printing until the build ends (server builds)");
  logs->add_option("--data-dir", f->data_dir,
                   "Read the log of a kiln run build from this data dir (kiln run's default: "
                   ".kiln)");
  add_client_options(*logs, f->client, /*json=*/false);
  logs->callback([f, &exit_code] { exit_code = print_log(*f); });
}

}  // namespace kiln::cli
