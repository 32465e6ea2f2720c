// SPDX-License-Identifier: Apache-2.0
#include "logs/record_codec.h"

#include <zlib.h>

#include <algorithm>

#include <array>
#include <cstdint>

namespace kiln::logs {

namespace {


void put_u32(std::uint32_t value, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::uint32_t get_u32(const char* bytes) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

}  // namespace

std::uint32_t crc32(std::string_view data) {
  // zlib's CRC-32 (the same polynomial) runs several bytes per step; the
  // byte-table loop it replaces was a third of the cost of storing a log.
  uLong c = ::crc32(0L, Z_NULL, 0);
  while (!data.empty()) {
    uInt chunk = static_cast<uInt>(std::min<std::size_t>(data.size(), 1u << 30));
    c = ::crc32(c, reinterpret_cast<const Bytef*>(data.data()), chunk);
    data.remove_prefix(chunk);
  }
  return static_cast<std::uint32_t>(c);
}

void put_u64(std::uint64_t value, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::uint64_t get_u64(const char* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

void encode_record(const LogEvent& event, std::string* out) {
  std::size_t start = out->size();
  put_u32(static_cast<std::uint32_t>(event.message.size()), out);
  put_u64(static_cast<std::uint64_t>(event.timestamp_ms), out);
  put_u64(static_cast<std::uint64_t>(event.ingestion_ms), out);
  out->append(event.message);
  put_u32(crc32(std::string_view(*out).substr(start)), out);
}

std::size_t record_message_length(const char* header) {
  std::uint32_t length = get_u32(header);
  return length > kMaxMessageBytes ? SIZE_MAX : length;
}

bool decode_record(std::string_view record, LogEvent* event) {
  std::size_t body = record.size() - kRecordTrailerBytes;
  if (crc32(record.substr(0, body)) != get_u32(record.data() + body)) return false;
  event->timestamp_ms = static_cast<std::int64_t>(get_u64(record.data() + 4));
  event->ingestion_ms = static_cast<std::int64_t>(get_u64(record.data() + 12));
  event->message.assign(record.data() + kRecordHeaderBytes, body - kRecordHeaderBytes);
  return true;
}

}  // namespace kiln::logs
