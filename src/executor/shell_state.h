// SPDX-License-Identifier: Apache-2.0
// ShellState: the host side of the wrapper protocol (command_script.h) for
// one build: writes the state directory's files, and after each command
// adopts (0.2) or discards (0.1) what the wrapper saved. Used by every
// executor; for Docker the directory is bind-mounted into the container.
// Not thread-safe: owned by one executor.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "model/buildspec.h"

namespace kiln::executor {

// Shown after a command whose state could not be saved (finish_command()
// returned false), by every executor alike.
inline constexpr char kUnsavedStateWarning[] =
    "kiln: the shell state after this command was not saved (it replaced the EXIT trap, exec'd "
    "or killed its shell); the next command starts from the state before it";

class ShellState {
 public:
  // Fills the existing, empty directory `dir` (a host path): wrapper.sh and
  // env from `variables`. The first command starts in `source_dir`. With
  // `carry_over` false (0.1) every command starts from this initial state.
  // Fails with kInvalidInput for a bad variable, kIoError if a write fails.
  static Result<ShellState> create(std::string dir, const model::NamedValues& variables,
                                   std::string source_dir, bool carry_over);

  // Writes the next command's file (mode 0600) and removes any *.next files a
  // previous command left. Returns the file's name, relative to dir().
  Result<std::string> write_command(const std::string& command);

  // After the shell of the command written last has exited: in 0.2 mode,
  // adopts env.next and cwd.next if the wrapper saved them completely and
  // returns true; returns false (state unchanged) if it did not, e.g. the
  // command replaced the EXIT trap, exec'd or was killed. In 0.1 mode discards
  // them and returns true. Also removes the command file.
  Result<bool> finish_command();

  // The exported variables the next command starts with.
  Result<model::NamedValues> exported_variables() const;

  // Adds or replaces exported variables in the state every later command
  // starts from. Requires: no command is running.
  Status set_variables(const model::NamedValues& variables);

  const std::string& dir() const { return dir_; }
  // Where the next command starts.
  const std::string& workdir() const { return workdir_; }
  const std::string& source_dir() const { return source_dir_; }

 private:
  ShellState(std::string dir, std::string source_dir, bool carry_over);
  std::string path(std::string_view name) const;
  void remove_next_files() const;

  std::string dir_;
  std::string source_dir_;
  bool carry_over_;
  std::string workdir_;
  int commands_ = 0;  // commands written so far
};

}  // namespace kiln::executor
