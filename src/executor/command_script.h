// SPDX-License-Identifier: Apache-2.0
// The command wrapper: a fixed POSIX sh script that runs one buildspec command
// in a fresh shell while carrying exported variables and the working directory
// from one command to the next (codebuild-semantics.md §1.4, docs/executors.md).
// Shared by every executor: on the host the shell is spawned directly, in a
// container through `docker exec`; only the paths differ. Stateless and
// thread-safe.
//
// Protocol. A state directory STATE holds:
//   wrapper.sh    this script (no user input in it)
//   env           exported variables the next command starts with, in the
//                 format of `export -p` (sourced by the wrapper)
//   cmd-N.sh      the text of command N, sourced by the wrapper
//   env.next      written on the command's exit: `export -p`
//   cwd.next      written on the command's exit: `pwd`
//   status.next   written last on exit: the exit status; its presence means
//                 env.next and cwd.next are complete
// The shell runs `SHELL STATE/wrapper.sh STATE STATE/cmd-N.sh WORKDIR FALLBACK`
// with stdin from /dev/null and an empty environment. The wrapper sources
// STATE/env, enters WORKDIR (or, if that is gone, FALLBACK with a warning on
// stderr; if both are gone it exits 1 without running the command), installs
// an EXIT trap that writes the *.next files and keeps the exit status, clears
// the positional parameters and sources the command file. Adopting the *.next
// files as the next command's state is the executor's job (ShellState), so a
// killed command never leaves half-written state behind.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kiln::executor {

inline constexpr std::string_view kWrapperFile = "wrapper.sh";
inline constexpr std::string_view kEnvFile = "env";
inline constexpr std::string_view kEnvNextFile = "env.next";
inline constexpr std::string_view kCwdNextFile = "cwd.next";
inline constexpr std::string_view kStatusNextFile = "status.next";

// "cmd-<index>.sh".
std::string command_file_name(int index);

// The wrapper's text. Runs under dash, bash (both modes) and busybox ash.
const std::string& wrapper_script();

// What goes into a command file: the command as written plus a final newline
// (so a heredoc's terminator line is complete).
std::string command_file_text(std::string_view command);

// The argv that runs a command file through the wrapper. Every path is as the
// shell sees it (inside the container for Docker); none is interpreted by a
// shell, so any bytes are safe.
std::vector<std::string> wrapper_argv(const std::string& shell, const std::string& state_dir,
                                      const std::string& command_file, const std::string& workdir,
                                      const std::string& fallback_dir);

}  // namespace kiln::executor
