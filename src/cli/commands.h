// SPDX-License-Identifier: Apache-2.0
// The `kiln` subcommands. Each register_* adds one subcommand (with its own
// --help) to the app and sets the exit code through `exit_code` when it runs.
// Only src/cli/ wires concrete implementations together.
#pragma once

namespace CLI {
class App;
}

namespace kiln::cli {

// `kiln buildspec check FILE... [--json]`
void register_buildspec_command(CLI::App& app, int& exit_code);

// `kiln image build NAME... [--force]`, `kiln image list`
void register_image_command(CLI::App& app, int& exit_code);

// `kiln run [SOURCE] ...`
void register_run_command(CLI::App& app, int& exit_code);

// `kiln logs BUILD_ID [--follow]`, from a server or a kiln run data dir
void register_logs_command(CLI::App& app, int& exit_code);

// `kiln projects create|update|get|list|delete`, a client of `kiln serve`
void register_project_commands(CLI::App& app, int& exit_code);

// `kiln builds start|get|list|stop|retry`, a client of `kiln serve`
void register_build_commands(CLI::App& app, int& exit_code);

// `kiln serve ...` and `kiln keys create|list|revoke`
void register_serve_command(CLI::App& app, int& exit_code);

}  // namespace kiln::cli
