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

// `kiln run [SOURCE] ...` and `kiln logs BUILD_ID`
void register_run_command(CLI::App& app, int& exit_code);

// `kiln serve ...` and `kiln keys create|list|revoke`
void register_serve_command(CLI::App& app, int& exit_code);

}  // namespace kiln::cli
