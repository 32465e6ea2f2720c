// SPDX-License-Identifier: Apache-2.0
#include "executor/host_executor.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "common/file_util.h"
#include "support/test_support.h"

namespace kiln::executor {
namespace {

using namespace std::chrono_literals;

// Generous bound so a hang fails the test instead of blocking ctest; no test
// asserts tight timings (the machine is shared).
constexpr auto kHangGuard = 60s;

// Records both streams as bytes, reconstructed per the OutputSink contract.
class RecordingSink : public OutputSink {
 public:
  void on_line(OutputStream stream, std::string_view text, LineEnd end) override {
    std::string& target = stream == OutputStream::kStdout ? out : err;
    target.append(text);
    if (end == LineEnd::kNewline) target += '\n';
    if (text.find(trigger) != std::string_view::npos && !trigger.empty()) triggered = true;
  }
  std::string out;
  std::string err;
  std::string trigger;  // sets `triggered` when seen
  std::atomic<bool> triggered{false};
};

struct Ran {
  CommandOutcome outcome;
  std::string out;
  std::string err;
};

std::string read_file(const std::string& path) {
  Result<std::string> text = read_file_limited(path, 1 << 20);
  return text.is_ok() ? text.value() : "<unreadable>";
}

std::string value_of(const model::NamedValues& values, const std::string& name) {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  return "<missing>";
}

// Reads /proc/<pid>/stat: "pid (comm) state ppid pgrp ...". Independent of the
// executor's own check on purpose.
bool read_stat(pid_t pid, char& state, pid_t& pgrp) {
  Result<std::string> text = read_file_limited("/proc/" + std::to_string(pid) + "/stat", 4096);
  if (!text.is_ok()) return false;
  const std::string& stat = text.value();
  std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return false;
  int ppid = 0, group = 0;
  if (std::sscanf(stat.c_str() + paren + 1, " %c %d %d", &state, &ppid, &group) != 3) return false;
  pgrp = group;
  return true;
}

bool is_alive(pid_t pid) {
  char state = 0;
  pid_t pgrp = 0;
  return read_stat(pid, state, pgrp) && state != 'Z' && state != 'X';
}

// Live (non-zombie) processes whose process group is `pgid`.
int live_members(pid_t pgid) {
  int count = 0;
  DIR* proc = ::opendir("/proc");
  while (dirent* entry = ::readdir(proc)) {
    pid_t pid = std::atoi(entry->d_name);
    char state = 0;
    pid_t pgrp = 0;
    if (pid > 0 && read_stat(pid, state, pgrp) && pgrp == pgid && state != 'Z' && state != 'X') {
      ++count;
    }
  }
  ::closedir(proc);
  return count;
}

// "key=123" somewhere in `text` → 123.
pid_t number_after(const std::string& text, const std::string& key) {
  std::size_t at = text.find(key + "=");
  return at == std::string::npos ? -1 : std::atoi(text.c_str() + at + key.size() + 1);
}

class HostExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = temp_.path() + "/src";
    std::filesystem::create_directories(src_ + "/sub");
    options_.workspace_root = temp_.path();
    options_.kill_grace = 300ms;
  }

  void prepare(const std::string& shell = "sh",
               model::BuildSpecVersion version = model::BuildSpecVersion::k0_2,
               model::NamedValues variables = {}) {
    executor_ = std::make_unique<HostExecutor>(options_);
    EnvironmentSpec env;
    env.source_dir = src_;
    env.shell = shell;
    env.version = version;
    env.variables = std::move(variables);
    Status status = executor_->prepare(env);
    ASSERT_TRUE(status.is_ok()) << status.to_string();
  }

  Ran run(const std::string& command, Deadline deadline = Clock::now() + kHangGuard) {
    RecordingSink sink;
    Result<CommandOutcome> outcome = executor_->run_command(command, sink, deadline);
    EXPECT_TRUE(outcome.is_ok()) << outcome.status().to_string();
    Ran ran;
    if (outcome.is_ok()) ran.outcome = outcome.value();
    ran.out = sink.out;
    ran.err = sink.err;
    return ran;
  }

  kiln::testing::TempDir temp_;
  std::string src_;
  HostExecutorOptions options_;
  std::unique_ptr<HostExecutor> executor_;
};

TEST_F(HostExecutorTest, FirstCommandStartsInTheSourceDirectory) {
  prepare();
  Ran ran = run("pwd; echo \"$CODEBUILD_SRC_DIR\"");
  EXPECT_TRUE(ran.outcome.succeeded());
  EXPECT_EQ(ran.out, src_ + "\n" + src_ + "\n");
}

TEST_F(HostExecutorTest, EnvironmentIsExactlyTheGivenVariables) {
  ::setenv("KILN_EXECUTOR_TEST_LEAK", "1", 1);
  prepare("sh", model::BuildSpecVersion::k0_2, {{"GIVEN", "a"}, {"GIVEN", "b"}});
  Ran ran = run("env");
  ::unsetenv("KILN_EXECUTOR_TEST_LEAK");
  EXPECT_EQ(ran.out.find("KILN_EXECUTOR_TEST_LEAK"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("GIVEN=b\n"), std::string::npos) << ran.out;
  EXPECT_EQ(ran.out.find("GIVEN=a"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find(std::string("PATH=") + kDefaultPath), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("CODEBUILD_SRC_DIR=" + src_), std::string::npos) << ran.out;
}

TEST_F(HostExecutorTest, CommandSeesNoPositionalParameters) {
  prepare();
  EXPECT_EQ(run("echo \"[$#][${1-}]\"").out, "[0][]\n");
}

TEST_F(HostExecutorTest, Version01DoesNotCarryOver) {
  prepare("sh", model::BuildSpecVersion::k0_1, {{"KEEP", "initial"}});
  EXPECT_TRUE(run("cd sub && export KEEP=changed NEW=1").outcome.succeeded());
  Ran ran = run("pwd; echo \"$KEEP ${NEW-unset}\"");
  EXPECT_EQ(ran.out, src_ + "\ninitial unset\n");
  Result<model::NamedValues> env = executor_->snapshot_env();
  ASSERT_TRUE(env.is_ok());
  EXPECT_EQ(value_of(env.value(), "KEEP"), "initial");
}

TEST_F(HostExecutorTest, SetVariablesReachLaterCommandsInBothModes) {
  for (auto version : {model::BuildSpecVersion::k0_1, model::BuildSpecVersion::k0_2}) {
    SCOPED_TRACE(model::to_string(version));
    prepare("sh", version, {{"A", "1"}, {"B", "keep"}});
    ASSERT_TRUE(executor_->set_variables({{"A", "2"}, {"C", "it's \"new\"\nline"}}).is_ok());
    Ran ran = run("printf '%s|%s|%s' \"$A\" \"$B\" \"$C\"");
    EXPECT_EQ(ran.out, "2|keep|it's \"new\"\nline");
    EXPECT_FALSE(executor_->set_variables({{"1bad", "x"}}).is_ok());
    ASSERT_TRUE(executor_->cleanup().is_ok());
  }
}

TEST_F(HostExecutorTest, OnlyTheWholeCommandStatusCounts) {
  prepare();
  EXPECT_TRUE(run("false; true").outcome.succeeded());
  Ran ran = run("false && echo never");
  EXPECT_EQ(ran.outcome.exit_code, 1);
  EXPECT_FALSE(ran.outcome.succeeded());
  EXPECT_EQ(ran.out, "");
}

TEST_F(HostExecutorTest, DoubleBracketIsNotFoundUnderSh) {
  prepare("sh");
  Ran ran = run("[[ 1 == 1 ]] && echo yes");
  EXPECT_NE(ran.outcome.exit_code, 0);
  EXPECT_NE(ran.err.find("not found"), std::string::npos) << ran.err;
  EXPECT_EQ(ran.out, "");
}

TEST_F(HostExecutorTest, DoubleBracketWorksUnderBash) {
  prepare("bash");
  Ran ran = run("[[ 1 == 1 ]] && echo yes");
  EXPECT_TRUE(ran.outcome.succeeded()) << ran.err;
  EXPECT_EQ(ran.out, "yes\n");
}

TEST_F(HostExecutorTest, CommandReadingStdinGetsEndOfFile) {
  prepare();
  Ran ran = run("cat; read line; echo \"read=$?\"");
  EXPECT_TRUE(ran.outcome.succeeded());
  EXPECT_EQ(ran.out, "read=1\n");
}

TEST_F(HostExecutorTest, UnterminatedLastLineIsDelivered) {
  prepare();
  Ran ran = run("printf 'a\\nno newline'; printf 'err' >&2");
  EXPECT_EQ(ran.out, "a\nno newline");
  EXPECT_EQ(ran.err, "err");
}

TEST_F(HostExecutorTest, TimeoutKillsTheCommandAndItsChildren) {
  prepare();
  auto start = Clock::now();
  Ran ran = run("echo pgid=$$; sh -c 'sleep 1000 & sleep 1000'", Clock::now() + 500ms);
  auto elapsed = Clock::now() - start;
  EXPECT_TRUE(ran.outcome.timed_out);
  EXPECT_FALSE(ran.outcome.stopped);
  EXPECT_FALSE(ran.outcome.succeeded());
  EXPECT_LT(elapsed, 20s);  // a hang guard, not a timing assertion
  pid_t pgid = number_after(ran.out, "pgid");
  ASSERT_GT(pgid, 0) << ran.out;
  EXPECT_EQ(live_members(pgid), 0);
}

TEST_F(HostExecutorTest, TimeoutEscalatesToSigkillWhenSigtermIsIgnored) {
  prepare();
  // Ignored dispositions survive exec, so sleep ignores SIGTERM too.
  Ran ran = run("trap '' TERM; echo pgid=$$; sleep 1000; echo survived", Clock::now() + 300ms);
  EXPECT_TRUE(ran.outcome.timed_out);
  EXPECT_EQ(ran.outcome.exit_code, 128 + SIGKILL);
  EXPECT_EQ(ran.out.find("survived"), std::string::npos);
  pid_t pgid = number_after(ran.out, "pgid");
  ASSERT_GT(pgid, 0) << ran.out;
  EXPECT_EQ(live_members(pgid), 0);
}

TEST_F(HostExecutorTest, DeadlineAlreadyPassedDoesNotRunTheCommand) {
  prepare();
  Ran ran = run("touch ran-anyway", Clock::now() - 1s);
  EXPECT_TRUE(ran.outcome.timed_out);
  EXPECT_EQ(ran.outcome.exit_code, -1);
  EXPECT_FALSE(std::filesystem::exists(src_ + "/ran-anyway"));
}

TEST_F(HostExecutorTest, StopFromAnotherThreadKillsTheCommand) {
  prepare();
  RecordingSink sink;
  sink.trigger = "pgid=";
  std::thread stopper([&] {
    auto limit = Clock::now() + kHangGuard;
    while (!sink.triggered && Clock::now() < limit) std::this_thread::sleep_for(10ms);
    executor_->stop();
  });
  Result<CommandOutcome> outcome = executor_->run_command(
      "echo pgid=$$; sh -c 'sleep 1000 & sleep 1000'", sink, Clock::now() + kHangGuard);
  stopper.join();
  ASSERT_TRUE(outcome.is_ok());
  EXPECT_TRUE(outcome->stopped);
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_LT(outcome->duration, 20s);
  pid_t pgid = number_after(sink.out, "pgid");
  ASSERT_GT(pgid, 0) << sink.out;
  EXPECT_EQ(live_members(pgid), 0);

  // stop() is sticky: later commands do not start.
  Ran later = run("touch after-stop");
  EXPECT_TRUE(later.outcome.stopped);
  EXPECT_EQ(later.outcome.exit_code, -1);
  EXPECT_FALSE(std::filesystem::exists(src_ + "/after-stop"));
}

TEST_F(HostExecutorTest, BackgroundProcessIsNotWaitedForAndIsKilledAtCleanup) {
  prepare();
  // The background job waits for a file the test never creates: if the
  // executor waited for it (or for its end of the pipe), this would hang.
  Ran ran =
      run("nohup sh -c 'while [ ! -f never ]; do sleep 1; done' >/dev/null 2>&1 & "
          "echo bg=$!");
  EXPECT_TRUE(ran.outcome.succeeded());
  EXPECT_LT(ran.outcome.duration, 20s);
  pid_t bg = number_after(ran.out, "bg");
  ASSERT_GT(bg, 0) << ran.out;
  EXPECT_TRUE(is_alive(bg));
  EXPECT_TRUE(run("true").outcome.succeeded());  // later commands are not blocked
  EXPECT_TRUE(is_alive(bg));
  EXPECT_TRUE(executor_->cleanup().is_ok());
  EXPECT_FALSE(is_alive(bg));
}

TEST_F(HostExecutorTest, BackgroundOutputReachesTheNextCommand) {
  prepare();
  Ran first = run("(while [ ! -f go ]; do sleep 0.05; done; echo late-output; touch done) &");
  EXPECT_TRUE(first.outcome.succeeded());
  EXPECT_EQ(first.out, "");
  Ran second = run("touch go; while [ ! -f done ]; do sleep 0.05; done");
  EXPECT_TRUE(second.outcome.succeeded());
  EXPECT_EQ(second.out, "late-output\n");
}

// Counts instead of storing, so the test itself stays small.
class CountingSink : public OutputSink {
 public:
  void on_line(OutputStream stream, std::string_view text, LineEnd end) override {
    if (stream != OutputStream::kStdout) return;
    bytes += text.size() + (end == LineEnd::kNewline ? 1 : 0);
    if (end == LineEnd::kNewline) ++lines;
    if (end == LineEnd::kSplit) ++splits;
    longest = std::max(longest, text.size());
  }
  std::size_t bytes = 0;
  std::size_t lines = 0;
  std::size_t splits = 0;
  std::size_t longest = 0;
};

long peak_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST_F(HostExecutorTest, LargeOutputStreamsThroughWithBoundedMemory) {
  prepare();
  long peak_before = peak_rss_kib();
  CountingSink sink;
  // 25 MB of short lines, then one 25 MB line without a newline.
  Result<CommandOutcome> outcome = executor_->run_command(
      "yes 0123456789 | head -c 25000000; head -c 25000000 /dev/zero | tr '\\0' x", sink,
      Clock::now() + kHangGuard);
  ASSERT_TRUE(outcome.is_ok());
  EXPECT_TRUE(outcome->succeeded());
  EXPECT_EQ(sink.bytes, 50000000u);
  EXPECT_EQ(sink.lines, 25000000u / 11);
  EXPECT_GE(sink.splits, 25000000u / kMaxLineBytes - 1);
  EXPECT_LE(sink.longest, kMaxLineBytes);
  // Holding the output would raise the peak by at least 25 MB.
  EXPECT_LT(peak_rss_kib() - peak_before, 16 * 1024);
}

TEST_F(HostExecutorTest, SnapshotEnvReturnsExportedVariables) {
  prepare("sh", model::BuildSpecVersion::k0_2, {{"INITIAL", "1"}});
  Result<model::NamedValues> before = executor_->snapshot_env();
  ASSERT_TRUE(before.is_ok()) << before.status().to_string();
  EXPECT_EQ(value_of(before.value(), "INITIAL"), "1");
  EXPECT_EQ(value_of(before.value(), "CODEBUILD_SRC_DIR"), src_);

  EXPECT_TRUE(
      run("export IMAGE_TAG=v1.2 INITIAL=2; LOCAL_ONLY=x; unset PATH_UNUSED").outcome.succeeded());
  Result<model::NamedValues> after = executor_->snapshot_env();
  ASSERT_TRUE(after.is_ok()) << after.status().to_string();
  EXPECT_EQ(value_of(after.value(), "IMAGE_TAG"), "v1.2");
  EXPECT_EQ(value_of(after.value(), "INITIAL"), "2");
  EXPECT_EQ(value_of(after.value(), "LOCAL_ONLY"), "<missing>");
}

TEST_F(HostExecutorTest, ReplacedExitTrapKeepsThePreviousStateWithAWarning) {
  prepare();
  EXPECT_TRUE(run("export A=1").outcome.succeeded());
  Ran replaced = run("trap 'echo mine' EXIT; export A=2; cd sub");
  EXPECT_TRUE(replaced.outcome.succeeded());
  EXPECT_EQ(replaced.out, "mine\n");
  EXPECT_NE(replaced.err.find("not saved"), std::string::npos) << replaced.err;
  Ran next = run("echo \"$A\"; pwd");
  EXPECT_EQ(next.out, "1\n" + src_ + "\n");
}

TEST_F(HostExecutorTest, PrepareRejectsBadInput) {
  HostExecutor executor(options_);
  EnvironmentSpec env;
  env.source_dir = "relative/dir";
  EXPECT_EQ(executor.prepare(env).code(), ErrorCode::kInvalidInput);

  HostExecutor bad_name(options_);
  env.source_dir = src_;
  env.variables = {{"NOT-A-NAME", "x"}};
  EXPECT_EQ(bad_name.prepare(env).code(), ErrorCode::kInvalidInput);

  HostExecutor bad_shell(options_);
  env.variables = {};
  env.shell = "no-such-shell-kiln";
  Status status = bad_shell.prepare(env);
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.message().find("no-such-shell-kiln"), std::string::npos);
}

TEST_F(HostExecutorTest, CleanupRemovesTheWorkspace) {
  std::string root = temp_.path() + "/ws";
  std::filesystem::create_directories(root);
  options_.workspace_root = root;
  prepare();
  EXPECT_TRUE(run("echo hi > \"$CODEBUILD_SRC_DIR/kept\"").outcome.succeeded());
  EXPECT_FALSE(std::filesystem::is_empty(root));
  EXPECT_TRUE(executor_->cleanup().is_ok());
  EXPECT_TRUE(executor_->cleanup().is_ok());  // idempotent
  EXPECT_TRUE(std::filesystem::is_empty(root));
  EXPECT_TRUE(std::filesystem::exists(src_ + "/kept"));  // the source dir is not ours
  RecordingSink sink;
  EXPECT_FALSE(executor_->run_command("true", sink, kNoDeadline).is_ok());
}

// The carry-over semantics (§1.4, 0.2) under each shell the wrapper supports:
// "sh" (dash on Debian), "bash", and busybox's ash (Alpine-style images).
class CarryOverTest : public HostExecutorTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void prepare_shell(model::NamedValues variables = {}) {
    std::string shell = GetParam();
    if (GetParam() == "busybox_ash") {
      // busybox picks the applet from argv[0]'s name.
      shell = temp_.path() + "/ash";
      ASSERT_EQ(::symlink("/bin/busybox", shell.c_str()), 0);
    }
    prepare(shell, model::BuildSpecVersion::k0_2, std::move(variables));
  }
  void SetUp() override {
    HostExecutorTest::SetUp();
    if (GetParam() == "busybox_ash" && ::access("/bin/busybox", X_OK) != 0) {
      GTEST_SKIP() << "busybox is not installed";
    }
  }
};

TEST_P(CarryOverTest, CdPersistsToTheNextCommand) {
  prepare_shell();
  EXPECT_TRUE(run("cd sub").outcome.succeeded());
  EXPECT_EQ(run("pwd").out, src_ + "/sub\n");
  EXPECT_EQ(run("pwd").out, src_ + "/sub\n");
}

TEST_P(CarryOverTest, ExportPersistsAcrossCommands) {
  prepare_shell();
  EXPECT_TRUE(run("export IMAGE_TAG=build-42").outcome.succeeded());
  EXPECT_TRUE(run("true").outcome.succeeded());
  EXPECT_EQ(run("echo \"$IMAGE_TAG\"; sh -c 'echo \"child:$IMAGE_TAG\"'").out,
            "build-42\nchild:build-42\n");
}

TEST_P(CarryOverTest, ExitFailsOnlyThatCommandAndStateCarriesOver) {
  prepare_shell();
  Ran failed = run("export STAGE=pre; cd sub; exit 3; echo unreachable");
  EXPECT_EQ(failed.outcome.exit_code, 3);
  EXPECT_FALSE(failed.outcome.succeeded());
  EXPECT_EQ(failed.out, "");
  Ran next = run("echo \"$STAGE\"; pwd");
  EXPECT_TRUE(next.outcome.succeeded());
  EXPECT_EQ(next.out, "pre\n" + src_ + "/sub\n");
}

TEST_P(CarryOverTest, SetEEndsOnlyThatCommand) {
  prepare_shell();
  Ran failed = run("set -e; export SEEN=1; false; echo unreachable");
  EXPECT_EQ(failed.outcome.exit_code, 1);
  EXPECT_EQ(failed.out, "");
  // Neither `set -e` nor other options carry over; the export does.
  Ran next = run("false; echo \"reached $SEEN\"");
  EXPECT_TRUE(next.outcome.succeeded());
  EXPECT_EQ(next.out, "reached 1\n");
}

TEST_P(CarryOverTest, UnsetVariablesStayUnset) {
  prepare_shell({{"GONE", "1"}});
  EXPECT_TRUE(run("unset GONE").outcome.succeeded());
  EXPECT_EQ(run("echo \"${GONE-unset}\"").out, "unset\n");
}

TEST_P(CarryOverTest, ValuesWithNewlinesAndQuotesRoundTripExactly) {
  const std::string tricky =
      "two\nlines 'single' \"double\" back\\slash $dollar `tick`\ttab \xC3\xA9 \x01 end\n";
  prepare_shell({{"TRICKY", tricky}});
  EXPECT_TRUE(run("export DERIVED=\"$TRICKY|\"").outcome.succeeded());
  EXPECT_TRUE(run("true").outcome.succeeded());
  EXPECT_TRUE(run("printf '%s' \"$DERIVED\" > \"$CODEBUILD_SRC_DIR/out.bin\"").outcome.succeeded());
  EXPECT_EQ(read_file(src_ + "/out.bin"), tricky + "|");
  Result<model::NamedValues> env = executor_->snapshot_env();
  ASSERT_TRUE(env.is_ok()) << env.status().to_string();
  EXPECT_EQ(value_of(env.value(), "DERIVED"), tricky + "|");
  EXPECT_EQ(value_of(env.value(), "TRICKY"), tricky);
}

TEST_P(CarryOverTest, QuotesHeredocsAndMultiLineCommands) {
  prepare_shell();
  Ran ran =
      run("cat <<'EOF'\nliteral $HOME \"q\" 'q'\nEOF\n"
          "if [ -d sub ]; then\n  echo \"it's here\"\nfi");
  EXPECT_TRUE(ran.outcome.succeeded()) << ran.err;
  EXPECT_EQ(ran.out, "literal $HOME \"q\" 'q'\nit's here\n");
}

TEST_P(CarryOverTest, DeletedWorkingDirectoryFallsBackToTheSourceDirectory) {
  prepare_shell();
  EXPECT_TRUE(run("mkdir gone && cd gone && rmdir ../gone").outcome.succeeded());
  Ran next = run("pwd");
  EXPECT_TRUE(next.outcome.succeeded());
  EXPECT_EQ(next.out, src_ + "\n");
  EXPECT_NE(next.err.find("no longer exists"), std::string::npos) << next.err;
}

TEST_P(CarryOverTest, ShellOptionsOfACommandDoNotBreakTheSave) {
  prepare_shell();
  // noclobber, nounset and xtrace in the command must not stop the wrapper
  // from saving, nor leak its own commands into the log.
  Ran ran = run("set -Cux; export OPT=1; cd sub");
  EXPECT_TRUE(ran.outcome.succeeded()) << ran.err;
  EXPECT_EQ(ran.err.find("__kiln"), std::string::npos) << ran.err;
  EXPECT_EQ(run("echo \"$OPT\"; pwd").out, "1\n" + src_ + "/sub\n");
}

INSTANTIATE_TEST_SUITE_P(Shells, CarryOverTest, ::testing::Values("sh", "bash", "busybox_ash"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace kiln::executor
