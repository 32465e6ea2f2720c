// SPDX-License-Identifier: Apache-2.0
// `kiln buildspec check`: validate buildspec files without running them.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "buildspec/buildspec_json.h"
#include "buildspec/buildspec_parser.h"
#include "cli/commands.h"

namespace kiln::cli {

namespace {

struct CheckOptions {
  std::vector<std::string> files;
  bool json = false;
};

// Returns 0 when every file is valid, 1 otherwise.
int run_check(const CheckOptions& options) {
  bool all_ok = true;
  if (options.json) std::cout << "[";
  for (size_t i = 0; i < options.files.size(); ++i) {
    const std::string& file = options.files[i];
    buildspec::ParseResult result = buildspec::load_buildspec_file(file);
    all_ok = all_ok && result.ok();
    if (options.json) {
      std::cout << (i ? ",\n" : "\n") << buildspec::check_report_json(file, result);
      continue;
    }
    if (result.ok()) std::cout << file << ": ok\n";
    for (const auto& d : result.diagnostics) std::cout << d.to_string() << "\n";
  }
  if (options.json) std::cout << "\n]\n";
  std::cout.flush();
  return all_ok ? 0 : 1;
}

}  // namespace

void register_buildspec_command(CLI::App& app, int& exit_code) {
  CLI::App* buildspec = app.add_subcommand("buildspec", "Work with buildspec files");
  buildspec->require_subcommand(1);

  auto options = std::make_shared<CheckOptions>();
  CLI::App* check = buildspec->add_subcommand(
      "check",
      "Parse and validate buildspec files the way CodeBuild reads them.\n"
      "Prints `FILE: ok` and any warnings for a valid file, or each error as\n"
      "FILE:LINE:COLUMN: error: KEY.PATH: what was expected.\n"
      "Exit status: 0 all files valid, 1 some file invalid, 2 usage error.");
  check->add_option("files", options->files, "Buildspec files to check")->required();
  check->add_flag("--json", options->json,
                  "Print a JSON array with, per file, the normalized buildspec (every default "
                  "filled in) and its errors and warnings");
  check->callback([options, &exit_code] { exit_code = run_check(*options); });
}

}  // namespace kiln::cli
