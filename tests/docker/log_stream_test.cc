// SPDX-License-Identifier: Apache-2.0
#include "docker/log_stream.h"

#include <gtest/gtest.h>

#include <string>

namespace kiln::docker {
namespace {

// One frame as the daemon writes it: type, three zero bytes, big-endian length.
std::string frame(unsigned char type, const std::string& payload) {
  std::string header(8, '\0');
  header[0] = static_cast<char>(type);
  auto n = static_cast<std::uint32_t>(payload.size());
  header[4] = static_cast<char>((n >> 24) & 0xFF);
  header[5] = static_cast<char>((n >> 16) & 0xFF);
  header[6] = static_cast<char>((n >> 8) & 0xFF);
  header[7] = static_cast<char>(n & 0xFF);
  return header + payload;
}

TEST(LogStreamTest, SplitsInterleavedFramesKeepingOrder) {
  std::string stream =
      frame(1, "out 1\n") + frame(2, "err 1\n") + frame(1, "out 2\n") + frame(2, "err 2\n");
  Result<ContainerLogs> logs = demultiplex_log_stream(stream);
  ASSERT_TRUE(logs.is_ok()) << logs.status().to_string();
  EXPECT_EQ(logs->out, "out 1\nout 2\n");
  EXPECT_EQ(logs->err, "err 1\nerr 2\n");
}

TEST(LogStreamTest, EmptyStreamIsEmptyLogs) {
  Result<ContainerLogs> logs = demultiplex_log_stream("");
  ASSERT_TRUE(logs.is_ok());
  EXPECT_EQ(logs->out, "");
  EXPECT_EQ(logs->err, "");
}

TEST(LogStreamTest, ReadsAllFourLengthBytes) {
  // 70,000 bytes needs the third length byte; binary payloads pass unchanged.
  std::string big(70'000, 'x');
  big[12345] = '\0';
  Result<ContainerLogs> logs = demultiplex_log_stream(frame(2, big) + frame(1, ""));
  ASSERT_TRUE(logs.is_ok()) << logs.status().to_string();
  EXPECT_EQ(logs->err, big);
  EXPECT_EQ(logs->out, "");
}

TEST(LogStreamTest, StdinFramesCountAsStdout) {
  Result<ContainerLogs> logs = demultiplex_log_stream(frame(0, "in"));
  ASSERT_TRUE(logs.is_ok());
  EXPECT_EQ(logs->out, "in");
}

TEST(LogStreamTest, RejectsTruncatedHeader) {
  std::string stream = frame(1, "ok") + std::string("\x01\0\0", 3);
  Result<ContainerLogs> logs = demultiplex_log_stream(stream);
  ASSERT_FALSE(logs.is_ok());
  EXPECT_EQ(logs.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(logs.status().message().find("frame header at byte 10"), std::string::npos)
      << logs.status().message();
}

TEST(LogStreamTest, RejectsTruncatedPayload) {
  std::string stream = frame(1, "hello").substr(0, 10);
  Result<ContainerLogs> logs = demultiplex_log_stream(stream);
  ASSERT_FALSE(logs.is_ok());
  EXPECT_NE(logs.status().message().find("5 bytes announced, 2 present"), std::string::npos)
      << logs.status().message();
}

TEST(LogStreamTest, ReportsDaemonErrorFrame) {
  Result<ContainerLogs> logs = demultiplex_log_stream(frame(1, "a") + frame(3, "disk full"));
  ASSERT_FALSE(logs.is_ok());
  EXPECT_EQ(logs.status().code(), ErrorCode::kInternal);
  EXPECT_NE(logs.status().message().find("disk full"), std::string::npos);
}

TEST(LogStreamTest, RejectsUnknownStreamType) {
  Result<ContainerLogs> logs = demultiplex_log_stream(frame(7, "?"));
  ASSERT_FALSE(logs.is_ok());
  EXPECT_NE(logs.status().message().find("unknown stream type 7"), std::string::npos);
}

}  // namespace
}  // namespace kiln::docker
