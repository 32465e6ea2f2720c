// SPDX-License-Identifier: Apache-2.0
#include "executor/line_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kiln::executor {
namespace {

struct Piece {
  std::string text;
  LineEnd end;
};

class CollectingSink : public OutputSink {
 public:
  void on_line(OutputStream, std::string_view text, LineEnd end) override {
    pieces.push_back({std::string(text), end});
  }
  // The stream's bytes as the OutputSink contract reconstructs them.
  std::string bytes() const {
    std::string out;
    for (const auto& piece : pieces)
      out += piece.text + (piece.end == LineEnd::kNewline ? "\n" : "");
    return out;
  }
  std::vector<Piece> pieces;
};

TEST(LineSplitterTest, JoinsLinesAcrossChunks) {
  CollectingSink sink;
  LineSplitter splitter(OutputStream::kStdout, sink, 64);
  splitter.feed("hel");
  splitter.feed("lo\nwor");
  splitter.feed("ld\n\nx");
  ASSERT_EQ(sink.pieces.size(), 3u);
  EXPECT_EQ(sink.pieces[0].text, "hello");
  EXPECT_EQ(sink.pieces[1].text, "world");
  EXPECT_EQ(sink.pieces[2].text, "");
  EXPECT_EQ(sink.pieces[2].end, LineEnd::kNewline);
}

TEST(LineSplitterTest, FinishDeliversTheUnterminatedTail) {
  CollectingSink sink;
  LineSplitter splitter(OutputStream::kStdout, sink, 64);
  splitter.feed("a\npartial");
  splitter.finish();
  splitter.finish();  // nothing pending: silent
  ASSERT_EQ(sink.pieces.size(), 2u);
  EXPECT_EQ(sink.pieces[1].text, "partial");
  EXPECT_EQ(sink.pieces[1].end, LineEnd::kUnterminated);
  EXPECT_EQ(sink.bytes(), "a\npartial");
}

TEST(LineSplitterTest, SplitsLongLinesAtTheLimit) {
  CollectingSink sink;
  LineSplitter splitter(OutputStream::kStderr, sink, 16);
  std::string line(40, 'x');
  splitter.feed(line + "\nshort\n");
  ASSERT_EQ(sink.pieces.size(), 4u);
  EXPECT_EQ(sink.pieces[0].end, LineEnd::kSplit);
  EXPECT_EQ(sink.pieces[0].text.size(), 16u);
  EXPECT_EQ(sink.pieces[1].end, LineEnd::kSplit);
  EXPECT_EQ(sink.pieces[2].text, std::string(8, 'x'));
  EXPECT_EQ(sink.pieces[2].end, LineEnd::kNewline);
  for (const auto& piece : sink.pieces) EXPECT_LE(piece.text.size(), 16u);
  EXPECT_EQ(sink.bytes(), line + "\nshort\n");
}

TEST(LineSplitterTest, DoesNotCutThroughAUtf8Character) {
  CollectingSink sink;
  LineSplitter splitter(OutputStream::kStdout, sink, 16);
  // 15 ASCII bytes, then "é" (2 bytes) would straddle the 16-byte limit.
  std::string text = std::string(15, 'a') + "\xC3\xA9" + "b\n";
  splitter.feed(text);
  ASSERT_GE(sink.pieces.size(), 2u);
  EXPECT_EQ(sink.pieces[0].text, std::string(15, 'a'));
  EXPECT_EQ(sink.pieces[1].text,
            "\xC3\xA9"
            "b");
  EXPECT_EQ(sink.bytes(), text);
}

TEST(LineSplitterTest, KeepsACompleteUtf8CharacterAtTheLimit) {
  CollectingSink sink;
  LineSplitter splitter(OutputStream::kStdout, sink, 16);
  std::string text = std::string(14, 'a') + "\xC3\xA9" + "tail";
  splitter.feed(text);
  ASSERT_EQ(sink.pieces.size(), 1u);
  EXPECT_EQ(sink.pieces[0].text, std::string(14, 'a') + "\xC3\xA9");
  splitter.finish();
  EXPECT_EQ(sink.bytes(), text);
}

}  // namespace
}  // namespace kiln::executor
