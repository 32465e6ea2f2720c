// SPDX-License-Identifier: Apache-2.0
#include "executor/line_splitter.h"

#include <algorithm>

namespace kiln::executor {

namespace {

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

LineSplitter::LineSplitter(OutputStream stream, OutputSink& sink, std::size_t max_line_bytes)
    : stream_(stream), sink_(&sink), max_line_bytes_(std::max<std::size_t>(max_line_bytes, 8)) {
  pending_.reserve(std::min<std::size_t>(max_line_bytes_, 4096));
}

void LineSplitter::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    std::size_t newline = bytes.find('\n');
    std::size_t room = max_line_bytes_ - pending_.size();
    if (newline != std::string_view::npos && newline <= room) {
      // Whole lines that need no buffering go straight to the sink.
      if (pending_.empty()) {
        sink_->on_line(stream_, bytes.substr(0, newline), LineEnd::kNewline);
      } else {
        pending_.append(bytes.substr(0, newline));
        sink_->on_line(stream_, pending_, LineEnd::kNewline);
        pending_.clear();
      }
      bytes.remove_prefix(newline + 1);
      continue;
    }
    std::size_t take = std::min(room, bytes.size());
    pending_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (pending_.size() == max_line_bytes_) emit_split();
  }
}

void LineSplitter::emit_split() {
  // Cut before a multi-byte UTF-8 character rather than through it, so each
  // piece stays valid text for log viewers; give up after 3 bytes (not UTF-8).
  std::size_t cut = pending_.size();
  for (std::size_t back = 1; back <= 3 && back < pending_.size(); ++back) {
    char c = pending_[pending_.size() - back];
    if (is_utf8_continuation(c)) continue;
    auto lead = static_cast<unsigned char>(c);
    std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (back < length) cut = pending_.size() - back;  // the sequence is incomplete
    break;
  }
  sink_->on_line(stream_, std::string_view(pending_).substr(0, cut), LineEnd::kSplit);
  pending_.erase(0, cut);
}

void LineSplitter::finish() {
  if (pending_.empty()) return;
  sink_->on_line(stream_, pending_, LineEnd::kUnterminated);
  pending_.clear();
}

}  // namespace kiln::executor
