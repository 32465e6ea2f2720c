// SPDX-License-Identifier: Apache-2.0
#include "executor/docker_executor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "docker/docker_client.h"
#include "support/test_support.h"

namespace kiln::executor {
namespace {

using namespace std::chrono_literals;

constexpr char kBusybox[] = "kiln/busybox:1.0";
constexpr char kStandard[] = "kiln/standard:1.0";
constexpr char kSrcInContainer[] = "/codebuild/output/src123456/src";

// Records both streams, reconstructed per the OutputSink contract; calls
// `on_trigger` (once) when a piece contains `trigger`.
class RecordingSink : public OutputSink {
 public:
  void on_line(OutputStream stream, std::string_view text, LineEnd end) override {
    std::string& target = stream == OutputStream::kStdout ? out : err;
    target.append(text);
    if (end == LineEnd::kNewline) target += '\n';
    ++pieces;
    if (!trigger.empty() && text.find(trigger) != std::string_view::npos && on_trigger) {
      on_trigger();
      on_trigger = nullptr;
    }
  }
  std::string out;
  std::string err;
  std::size_t pieces = 0;
  std::string trigger;
  std::function<void()> on_trigger;
};

struct Ran {
  CommandOutcome outcome;
  std::string out;
  std::string err;
};

std::string value_of(const model::NamedValues& values, const std::string& name) {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  return "<missing>";
}

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

class DockerExecutorTest : public ::testing::Test {
 protected:
  DockerExecutorTest()
      : client_(docker::DockerClient::socket_path_from_docker_host(std::getenv("DOCKER_HOST"))
                    .value()) {}

  void SetUp() override {
    Status ping = client_.ping();
    ASSERT_TRUE(ping.is_ok()) << ping.message();
    src_ = temp_.path() + "/src";
    std::filesystem::create_directories(src_ + "/sub");
    temp_.write("src/hello.txt", "hello from the host\n");
  }

  DockerExecutorOptions options(const std::string& image) {
    DockerExecutorOptions options;
    options.image = image;
    options.build_id = "test:" + test_name() + "-" + std::to_string(::getpid());
    options.host_source_dir = src_;
    options.container_source_dir = kSrcInContainer;
    options.state_root = temp_.path();
    options.kill_grace = 500ms;
    options.labels["org.kiln.test"] = test_name();
    return options;
  }

  // Prepares executor_ or fails the test.
  void prepare(DockerExecutorOptions opts, const std::string& shell = "sh",
               model::BuildSpecVersion version = model::BuildSpecVersion::k0_2,
               model::NamedValues variables = {}) {
    executor_ = std::make_unique<DockerExecutor>(client_, std::move(opts));
    EnvironmentSpec env;
    env.shell = shell;
    env.version = version;
    env.variables = std::move(variables);
    Status status = executor_->prepare(env);
    ASSERT_TRUE(status.is_ok()) << status.to_string();
  }

  Ran run(const std::string& command, Deadline deadline = Clock::now() + 60s) {
    RecordingSink sink;
    Result<CommandOutcome> outcome = executor_->run_command(command, sink, deadline);
    EXPECT_TRUE(outcome.is_ok()) << outcome.status().to_string();
    return {outcome.is_ok() ? outcome.value() : CommandOutcome{}, sink.out, sink.err};
  }

  // Runs argv in the build's container through the client alone (not the
  // executor) and returns its stdout.
  std::string exec_in_container(const std::vector<std::string>& argv) {
    docker::ExecOptions exec;
    exec.cmd = argv;
    Result<std::string> id = client_.create_exec(executor_->container_id(), exec);
    EXPECT_TRUE(id.is_ok()) << id.status().to_string();
    if (!id.is_ok()) return "<exec failed>";
    std::string out;
    Status status = client_.start_exec(id.value(), [&out](docker::StreamKind kind,
                                                          std::string_view bytes) {
      if (kind == docker::StreamKind::kStdout) out.append(bytes);
    });
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    return out;
  }

  // Command lines of the container's processes, one per line, args joined by ' '.
  std::string process_list() {
    return exec_in_container(
        {"/bin/sh", "-c",
         "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\" 2>/dev/null; echo; done"});
  }

  static int count_lines(const std::string& text, const std::string& line) {
    int count = 0;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (text.compare(start, end - start, line) == 0) ++count;
      start = end + 1;
    }
    return count;
  }

  docker::DockerClient client_;
  testing::TempDir temp_;
  std::string src_;
  std::unique_ptr<DockerExecutor> executor_;
};

class DockerExecutorImageTest : public DockerExecutorTest,
                                public ::testing::WithParamInterface<const char*> {};

TEST_P(DockerExecutorImageTest, CarriesCdAndExportAcrossCommands) {
  prepare(options(GetParam()));
  Ran first = run("pwd; cat hello.txt; cd sub && export GREETING='a b' && X=unexported");
  EXPECT_TRUE(first.outcome.succeeded()) << first.err;
  EXPECT_EQ(first.out, std::string(kSrcInContainer) + "\nhello from the host\n");
  Ran second = run("pwd; echo \"$GREETING|${X-none}|$CODEBUILD_SRC_DIR|$(id -u)\"");
  EXPECT_TRUE(second.outcome.succeeded()) << second.err;
  EXPECT_EQ(second.out, std::string(kSrcInContainer) + "/sub\na b|none|" + kSrcInContainer + "|0\n");
  Result<model::NamedValues> env = executor_->snapshot_env();
  ASSERT_TRUE(env.is_ok());
  EXPECT_EQ(value_of(env.value(), "GREETING"), "a b");
  // Output written in the container lands in the host's source dir.
  EXPECT_TRUE(run("echo built > out.txt").outcome.succeeded());  // cwd is sub/
  EXPECT_TRUE(std::filesystem::exists(src_ + "/sub/out.txt"));
}

TEST_P(DockerExecutorImageTest, ExitOneFailsOnlyThatCommand) {
  prepare(options(GetParam()));
  Ran failed = run("export BEFORE=1; cd sub; exit 1; echo unreachable");
  EXPECT_EQ(failed.outcome.exit_code, 1);
  EXPECT_FALSE(failed.outcome.succeeded());
  EXPECT_EQ(failed.out, "");
  Ran next = run("echo \"$BEFORE $(pwd)\"; false; true");
  EXPECT_TRUE(next.outcome.succeeded());
  EXPECT_EQ(next.out, "1 " + std::string(kSrcInContainer) + "/sub\n");
  EXPECT_EQ(run("exit 7").outcome.exit_code, 7);
}

TEST_P(DockerExecutorImageTest, TimeoutKillsTheWholeCommandWithinSeconds) {
  prepare(options(GetParam()));
  Clock::time_point start = Clock::now();
  Ran ran = run("echo started; sleep 1000 & sleep 1000", Clock::now() + 1s);
  auto took = Clock::now() - start;
  EXPECT_TRUE(ran.outcome.timed_out);
  EXPECT_FALSE(ran.outcome.succeeded());
  EXPECT_EQ(ran.out, "started\n");
  EXPECT_LT(took, 5s) << "deadline 1 s, kill grace 0.5 s";
  EXPECT_GE(took, 1s);
  std::string processes = process_list();
  EXPECT_EQ(count_lines(processes, "sleep 1000 "), 0) << processes;
  // The keepalive is untouched and later commands still run.
  EXPECT_EQ(run("echo alive").out, "alive\n");
}

INSTANTIATE_TEST_SUITE_P(Images, DockerExecutorImageTest, ::testing::Values(kBusybox, kStandard),
                         [](const auto& param_info) {
                           return std::string(param_info.param) == kBusybox ? "busybox" : "standard";
                         });

TEST_F(DockerExecutorTest, TimeoutKillsProcessesIgnoringTerm) {
  prepare(options(kBusybox));
  Clock::time_point start = Clock::now();
  Ran ran = run("trap '' TERM; sleep 1000 >/dev/null 2>&1 & sleep 1000", Clock::now() + 500ms);
  EXPECT_TRUE(ran.outcome.timed_out);
  EXPECT_LT(Clock::now() - start, 6s);
  std::string processes = process_list();
  EXPECT_EQ(count_lines(processes, "sleep 1000 "), 0) << processes;
}

TEST_F(DockerExecutorTest, Version01StartsEveryCommandFresh) {
  prepare(options(kBusybox), "sh", model::BuildSpecVersion::k0_1, {{"KEEP", "initial"}});
  EXPECT_TRUE(run("cd sub; export KEEP=changed NEW=1").outcome.succeeded());
  Ran ran = run("echo \"$(pwd) $KEEP ${NEW-unset}\"");
  EXPECT_EQ(ran.out, std::string(kSrcInContainer) + " initial unset\n");
}

TEST_F(DockerExecutorTest, BashOnlyWhenAskedInStandardImage) {
  prepare(options(kStandard), "sh");
  Ran sh = run("[[ 1 == 1 ]] && echo yes");
  EXPECT_FALSE(sh.outcome.succeeded());
  EXPECT_NE(sh.err.find("not found"), std::string::npos) << sh.err;  // dash: "[[: not found"
  prepare(options(kStandard), "bash");
  Ran bash = run("[[ 1 == 1 ]] && echo \"yes $BASH_VERSION\"");
  EXPECT_TRUE(bash.outcome.succeeded()) << bash.err;
  EXPECT_EQ(bash.out.substr(0, 5), "yes 5");
}

TEST_F(DockerExecutorTest, MissingShellIsNotFound) {
  executor_ = std::make_unique<DockerExecutor>(client_, options(kBusybox));
  EnvironmentSpec env;
  env.shell = "bash";
  Status status = executor_->prepare(env);
  EXPECT_EQ(status.code(), ErrorCode::kNotFound) << status.to_string();
  EXPECT_EQ(status.message().rfind("shell 'bash' not found", 0), 0u) << status.message();
  EXPECT_TRUE(executor_->container_id().empty()) << "a failed prepare leaves no container";
}

TEST_F(DockerExecutorTest, StdinIsAtEndOfFile) {
  prepare(options(kBusybox));
  Ran ran = run("cat; read line; echo \"read=$?\"", Clock::now() + 20s);
  EXPECT_FALSE(ran.outcome.timed_out);
  EXPECT_EQ(ran.out, "read=1\n");
}

TEST_F(DockerExecutorTest, ImageEnvIsLowestAndUnsetStaysUnset) {
  // kiln/standard's ENV: PATH, LANG=C.UTF-8, DEBIAN_FRONTEND=noninteractive.
  prepare(options(kStandard), "sh", model::BuildSpecVersion::k0_2, {{"DEBIAN_FRONTEND", "dialog"}});
  Ran first = run("echo \"$LANG $DEBIAN_FRONTEND $HOME\"; unset LANG");
  EXPECT_EQ(first.out, "C.UTF-8 dialog /root\n");
  Ran second = run("echo \"${LANG-unset}\"; env | grep -c '^LANG=' || true");
  EXPECT_EQ(second.out, "unset\n0\n");
}

TEST_F(DockerExecutorTest, SetVariablesReachLaterCommandsIn01) {
  prepare(options(kBusybox), "sh", model::BuildSpecVersion::k0_1, {{"A", "1"}});
  ASSERT_TRUE(executor_->set_variables({{"A", "2"}, {"CODEBUILD_BUILD_SUCCEEDING", "0"}}).is_ok());
  EXPECT_EQ(run("echo \"$A $CODEBUILD_BUILD_SUCCEEDING\"; export A=3").out, "2 0\n");
  EXPECT_EQ(run("echo \"$A\"").out, "2\n");
  EXPECT_EQ(executor_->set_variables({{"bad name", "x"}}).code(), ErrorCode::kInvalidInput);
}

TEST_F(DockerExecutorTest, StopFromAnotherThreadEndsTheCommand) {
  prepare(options(kStandard));
  RecordingSink sink;
  std::thread stopper;
  sink.trigger = "started";
  sink.on_trigger = [&] {
    stopper = std::thread([this] {
      std::this_thread::sleep_for(200ms);
      executor_->stop();
    });
  };
  Clock::time_point start = Clock::now();
  Result<CommandOutcome> outcome =
      executor_->run_command("echo started; sleep 1000", sink, Clock::now() + 60s);
  if (stopper.joinable()) stopper.join();
  ASSERT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  EXPECT_TRUE(outcome->stopped);
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(count_lines(process_list(), "sleep 1000 "), 0);
  Ran later = run("echo must-not-run");
  EXPECT_TRUE(later.outcome.stopped);
  EXPECT_EQ(later.outcome.exit_code, -1);
  EXPECT_EQ(later.out, "");
}

TEST_F(DockerExecutorTest, MegabytesOfOutputStreamThrough) {
  prepare(options(kBusybox));
  RecordingSink sink;
  // 40000 lines of 100 bytes on stdout (4 MB), 1000 on stderr.
  Result<CommandOutcome> outcome = executor_->run_command(
      "i=0; line=$(printf '%099d' 0); yes \"$line\" | head -n 40000; "
      "yes \"$line\" | head -n 1000 >&2",
      sink, Clock::now() + 60s);
  ASSERT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  EXPECT_TRUE(outcome->succeeded());
  EXPECT_EQ(sink.out.size(), 40000u * 100);
  EXPECT_EQ(sink.err.size(), 1000u * 100);
  EXPECT_EQ(sink.out.substr(0, 100), std::string(99, '0') + "\n");
}

TEST_F(DockerExecutorTest, MissingImageGivesClearPullError) {
  DockerExecutorOptions opts = options("kiln/no-such-image:0.0.1");
  executor_ = std::make_unique<DockerExecutor>(client_, opts);
  Status status = executor_->prepare(EnvironmentSpec{});
  EXPECT_EQ(status.code(), ErrorCode::kNotFound) << status.to_string();
  EXPECT_EQ(status.message().rfind("unable to pull image kiln/no-such-image:0.0.1: ", 0), 0u)
      << status.message();
  Result<std::vector<docker::ContainerSummary>> left =
      client_.list_containers(std::string(kBuildLabel) + "=" + opts.build_id);
  ASSERT_TRUE(left.is_ok());
  EXPECT_TRUE(left->empty());
  for (const auto& entry : std::filesystem::directory_iterator(temp_.path())) {
    EXPECT_EQ(entry.path().filename().string().rfind("kiln-docker-", 0), std::string::npos)
        << "state dir left behind: " << entry.path();
  }
}

TEST_F(DockerExecutorTest, NotPrivilegedByDefault) {
  prepare(options(kBusybox));
  Ran ran = run("mount -t tmpfs none /mnt");
  EXPECT_NE(ran.outcome.exit_code, 0);
  Result<docker::ContainerInfo> info = client_.inspect_container(executor_->container_id());
  ASSERT_TRUE(info.is_ok());
  EXPECT_FALSE(info->privileged);
  Ran caps = run("grep CapEff /proc/self/status");
  EXPECT_EQ(caps.out.find("000001ffffffffff"), std::string::npos) << caps.out;
}

// Some daemons (rootless, or dockerd itself in a container without every
// capability, as on kiln's CI) cannot start privileged containers at all.
// There the test checks that prepare() asked for it: it fails the way a
// privileged container fails on that daemon, where a default one starts.
TEST_F(DockerExecutorTest, PrivilegedWhenAsked) {
  docker::ContainerOptions probe;
  probe.image = kBusybox;
  probe.cmd = {"true"};
  probe.privileged = true;
  probe.labels["org.kiln.test"] = test_name();
  Result<std::string> probe_id = client_.create_container(probe);
  ASSERT_TRUE(probe_id.is_ok()) << probe_id.status().to_string();
  Status probe_started = client_.start_container(probe_id.value());
  ASSERT_TRUE(client_.remove_container(probe_id.value(), true).is_ok());

  DockerExecutorOptions opts = options(kBusybox);
  opts.privileged = true;
  if (!probe_started.is_ok()) {
    executor_ = std::make_unique<DockerExecutor>(client_, opts);
    Status status = executor_->prepare(EnvironmentSpec{});
    EXPECT_FALSE(status.is_ok());
    EXPECT_EQ(status.code(), probe_started.code()) << status.to_string();
    EXPECT_NE(status.message().find("caps"), std::string::npos)
        << status.message() << "\nthis daemon cannot run privileged containers: "
        << probe_started.message();
    EXPECT_TRUE(executor_->container_id().empty());
    prepare(options(kBusybox));  // the same daemon runs a default one
    return;
  }
  prepare(opts);
  Ran ran = run("mount -t tmpfs none /mnt && echo mounted");
  EXPECT_TRUE(ran.outcome.succeeded()) << ran.err;
  EXPECT_EQ(ran.out, "mounted\n");
  Result<docker::ContainerInfo> info = client_.inspect_container(executor_->container_id());
  ASSERT_TRUE(info.is_ok());
  EXPECT_TRUE(info->privileged);
}

TEST_F(DockerExecutorTest, ComputeTypeSetsCpuAndMemoryLimits) {
  DockerExecutorOptions opts = options(kBusybox);
  opts.compute_type = "BUILD_GENERAL1_MEDIUM";
  prepare(opts);
  Result<docker::ContainerInfo> info = client_.inspect_container(executor_->container_id());
  ASSERT_TRUE(info.is_ok());
  std::int64_t cpus = std::min<std::int64_t>(4, std::thread::hardware_concurrency());
  EXPECT_EQ(info->nano_cpus, cpus * 1'000'000'000);
  EXPECT_EQ(info->memory_bytes, 8LL << 30);
  // And the kernel enforces it (cgroup v2, else v1).
  Ran mem = run("cat /sys/fs/cgroup/memory.max 2>/dev/null || "
                "cat /sys/fs/cgroup/memory/memory.limit_in_bytes");
  EXPECT_EQ(mem.out, std::to_string(8LL << 30) + "\n");
  EXPECT_EQ(info->labels[kBuildLabel], opts.build_id);
}

TEST_F(DockerExecutorTest, ComputeTypeTable) {
  Result<ResourceLimits> small = limits_for_compute_type("BUILD_GENERAL1_SMALL", 64);
  ASSERT_TRUE(small.is_ok());
  EXPECT_EQ(small->nano_cpus, 2'000'000'000);
  EXPECT_EQ(small->memory_bytes, 4LL << 30);
  Result<ResourceLimits> large = limits_for_compute_type("BUILD_GENERAL1_LARGE", 3);
  ASSERT_TRUE(large.is_ok());
  EXPECT_EQ(large->nano_cpus, 3'000'000'000);
  EXPECT_EQ(large->memory_bytes, 16LL << 30);
  EXPECT_EQ(limits_for_compute_type("BUILD_GENERAL9_HUGE", 8).status().code(),
            ErrorCode::kInvalidInput);
}

TEST_F(DockerExecutorTest, CleanupRemovesContainerAndStateDir) {
  prepare(options(kBusybox));
  EXPECT_TRUE(run("sleep 1000 &").outcome.succeeded());  // a background process
  std::string id = executor_->container_id();
  ASSERT_FALSE(id.empty());
  Status status = executor_->cleanup();
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  Result<bool> exists = client_.container_exists(id);
  ASSERT_TRUE(exists.is_ok());
  EXPECT_FALSE(exists.value());
  for (const auto& entry : std::filesystem::directory_iterator(temp_.path())) {
    EXPECT_EQ(entry.path().filename().string().rfind("kiln-docker-", 0), std::string::npos);
  }
  EXPECT_TRUE(executor_->cleanup().is_ok()) << "idempotent";
}

TEST_F(DockerExecutorTest, RemoveLeftoversRemovesLabelledContainers) {
  // A value unique to this test keeps it from removing other builds' containers.
  std::string value = "leftover-" + std::to_string(::getpid());
  docker::ContainerOptions leftover;
  leftover.image = kBusybox;
  leftover.cmd = {"sleep", "1000"};
  leftover.labels[kBuildLabel] = value;
  Result<std::string> id = client_.create_container(leftover);
  ASSERT_TRUE(id.is_ok()) << id.status().to_string();
  ASSERT_TRUE(client_.start_container(id.value()).is_ok());
  leftover.labels[kBuildLabel] = value + "-other";
  Result<std::string> other = client_.create_container(leftover);
  ASSERT_TRUE(other.is_ok());

  Result<int> removed =
      DockerExecutor::remove_leftovers(client_, std::string(kBuildLabel) + "=" + value);
  ASSERT_TRUE(removed.is_ok()) << removed.status().to_string();
  EXPECT_EQ(removed.value(), 1);
  EXPECT_FALSE(client_.container_exists(id.value()).value());
  EXPECT_TRUE(client_.container_exists(other.value()).value());
  EXPECT_TRUE(client_.remove_container(other.value(), true).is_ok());
}

}  // namespace
}  // namespace kiln::executor
