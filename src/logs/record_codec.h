// SPDX-License-Identifier: Apache-2.0
// The on-disk form of one log event (docs/logs.md): a 20-byte little-endian
// header (message length, timestamp, ingestion time), the message bytes and a
// CRC-32 of everything before it. Thread-safe (no state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "logs/log_store.h"

namespace kiln::logs {

constexpr std::size_t kRecordHeaderBytes = 20;
constexpr std::size_t kRecordTrailerBytes = 4;
// CloudWatch's limit: 256 KiB per event including 26 bytes of overhead.
constexpr std::size_t kMaxMessageBytes = 262144 - 26;

// Appends the record for `event` to `out`.
// Requires: event.message.size() <= kMaxMessageBytes.
void encode_record(const LogEvent& event, std::string* out);

// The message length announced by a header, or SIZE_MAX if it is larger than
// kMaxMessageBytes (a corrupt record). Requires: kRecordHeaderBytes bytes.
std::size_t record_message_length(const char* header);

// Decodes a whole record (header, message, trailer) into `event`; false if its
// checksum does not match (a torn or corrupt record).
bool decode_record(std::string_view record, LogEvent* event);

std::uint32_t crc32(std::string_view data);

void put_u64(std::uint64_t value, std::string* out);
std::uint64_t get_u64(const char* bytes);

}  // namespace kiln::logs
