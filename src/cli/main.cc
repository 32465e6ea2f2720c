// SPDX-License-Identifier: Apache-2.0
// `kiln`: the thin front end. Parses arguments and hands each subcommand to
// the library modules; holds no build logic of its own.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "kiln - a self-hosted build service compatible with AWS CodeBuild.\n"
      "Runs buildspec.yml phase by phase in clean Docker containers.",
      "kiln"};
  app.set_version_flag("--version", "kiln 0.1.0");
  app.require_subcommand(1);
  app.footer("Run `kiln SUBCOMMAND --help` for the options of each subcommand.");

  int exit_code = 0;
  kiln::cli::register_buildspec_command(app, exit_code);
  kiln::cli::register_image_command(app, exit_code);
  kiln::cli::register_run_command(app, exit_code);
  kiln::cli::register_logs_command(app, exit_code);
  kiln::cli::register_serve_command(app, exit_code);
  kiln::cli::register_project_commands(app, exit_code);
  kiln::cli::register_build_commands(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with code 0; every real usage error
    // exits 2, the POSIX convention, leaving 1 for "the input is invalid".
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}
