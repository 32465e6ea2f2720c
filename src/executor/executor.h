// SPDX-License-Identifier: Apache-2.0
// Executor: the role that runs one build's buildspec commands somewhere (the
// host's shell, a Docker container) with CodeBuild's command semantics
// (codebuild-semantics.md §1.4), plus the value types it speaks in.
//
// One Executor object serves one build: prepare() once, then run_command() for
// each command in phase order, snapshot_env() whenever the engine needs the
// exported variables, cleanup() at the end (the destructor cleans up too).
// Thread-safety: every member except stop() must be called from one thread at a
// time (the engine's). stop() may be called from any thread at any time.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model/buildspec.h"

namespace kiln::executor {

// What a build's shell session starts from.
struct EnvironmentSpec {
  // Absolute path of the primary source directory: the first command runs
  // there and CODEBUILD_SRC_DIR names it (the executor sets that variable).
  std::string source_dir;
  // The initial exported variables, in order; a later duplicate name wins.
  // Names must be shell identifiers ([A-Za-z_][A-Za-z0-9_]*) and values must
  // not contain NUL. This is the whole environment: nothing of kiln's own
  // environment leaks into a build.
  model::NamedValues variables;
  // buildspec env.shell: a program name looked up on the build's PATH
  // ("sh", "bash") or an absolute path ("/bin/sh"). Empty means "sh".
  std::string shell;
  // 0.1: every command starts from `variables` in `source_dir`.
  // 0.2: exported variables and the working directory carry over.
  model::BuildSpecVersion version = model::BuildSpecVersion::k0_2;
};

// How one command ended. A command that ran and failed is an outcome, not an
// error: run_command's Status is reserved for the executor itself failing.
struct CommandOutcome {
  // The shell's exit status (0–255; 128+N when killed by signal N), or -1
  // when the command never started (stopped or past its deadline already).
  int exit_code = -1;
  bool timed_out = false;  // the deadline passed; the command was killed
  bool stopped = false;    // stop() was called; the command was killed
  std::chrono::milliseconds duration{0};

  // True iff the command ran to completion with status 0 (§1.4).
  bool succeeded() const { return exit_code == 0 && !timed_out && !stopped; }
};

enum class OutputStream { kStdout, kStderr };

// How a piece of output handed to OutputSink ended.
enum class LineEnd {
  kNewline,       // a whole line; its '\n' is not included
  kSplit,         // the first kMaxLineBytes of a longer line; more follows
  kUnterminated,  // the command ended while this line lacked its '\n'
};

// Pieces longer than this are split (kSplit), so memory stays bounded however
// long a line a build prints.
inline constexpr std::size_t kMaxLineBytes = 256 * 1024;

// Receives a command's output as it arrives, line by line. Each stream's bytes
// are exactly the concatenation of its pieces, each followed by '\n' when it
// ended with LineEnd::kNewline. Relative order is kept within a stream, not
// between stdout and stderr (they are separate pipes).
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // Called on the thread running run_command(); `text` is valid only during
  // the call. Must not throw and should return quickly: the command's output
  // pipe is not read while it runs.
  virtual void on_line(OutputStream stream, std::string_view text, LineEnd end) = 0;
};

using Clock = std::chrono::steady_clock;
// A point on the steady clock after which a command is killed.
using Deadline = Clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

class Executor {
 public:
  virtual ~Executor() = default;

  // Creates the build's session (workspace, state files) for `env`.
  // Fails with kInvalidInput for a bad name, value or source dir, kNotFound
  // when the shell does not exist, kIoError when the workspace cannot be made.
  // Requires: called once, before any other member except stop().
  virtual Status prepare(const EnvironmentSpec& env) = 0;

  // Runs one buildspec command to completion (its background processes are
  // not waited for), streaming its output to `sink`. Past `deadline`, or
  // after stop(), the command's processes are terminated (SIGTERM, then
  // SIGKILL after a grace period) and the outcome says timed_out/stopped.
  // Once stop() has been called every later call returns stopped at once.
  // In 0.2 mode the command's exported variables and working directory carry
  // over to the next command whatever its exit status.
  // `sink` is borrowed for the duration of the call only.
  // Requires: prepare() succeeded and cleanup() has not been called.
  virtual Result<CommandOutcome> run_command(const std::string& command, OutputSink& sink,
                                             Deadline deadline) = 0;

  // Adds `variables` to the environment of every later command, replacing
  // same-named ones, in 0.1 and 0.2 mode alike (the engine sets buildspec
  // variables after PROVISIONING and flips CODEBUILD_BUILD_SUCCEEDING between
  // phases). Fails with kInvalidInput for a bad name or a value with NUL.
  // Requires: prepare() succeeded and cleanup() has not been called.
  virtual Status set_variables(const model::NamedValues& variables) = 0;

  // The exported variables the next command would start with, in the order
  // the shell lists them (names sorted). Variables that are exported but have
  // no value are left out: they are not in a child's environment.
  virtual Result<model::NamedValues> snapshot_env() = 0;

  // Asks the running command, and every later one, to stop. Returns at once;
  // run_command() does the killing and returns stopped. Thread-safe; may be
  // called any number of times, before prepare() and after cleanup().
  virtual void stop() = 0;

  // Kills whatever the build left running (background processes), waits for
  // it, and removes the session's workspace. Idempotent.
  virtual Status cleanup() = 0;
};

}  // namespace kiln::executor
