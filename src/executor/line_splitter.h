// SPDX-License-Identifier: Apache-2.0
// LineSplitter: turns one output stream's bytes, arriving in arbitrary
// chunks, into the pieces an OutputSink receives. Holds at most kMaxLineBytes
// of a pending line, so memory is bounded whatever the output. Shared by every
// executor. Not thread-safe: one per stream, used by the reading thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "executor/executor.h"

namespace kiln::executor {

class LineSplitter {
 public:
  // `sink` must outlive the splitter.
  LineSplitter(OutputStream stream, OutputSink& sink, std::size_t max_line_bytes = kMaxLineBytes);

  // Delivers every complete line in `bytes`; keeps an unfinished tail, but
  // hands out the first max_line_bytes of a longer line as LineEnd::kSplit
  // (cut before a UTF-8 sequence that would be broken, when one is near).
  void feed(std::string_view bytes);

  // Delivers the pending tail, if any, as LineEnd::kUnterminated.
  void finish();

 private:
  void emit_split();

  OutputStream stream_;
  OutputSink* sink_;
  std::size_t max_line_bytes_;
  std::string pending_;  // never longer than max_line_bytes_
};

}  // namespace kiln::executor
