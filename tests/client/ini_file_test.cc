// SPDX-License-Identifier: Apache-2.0
#include "client/ini_file.h"

#include <gtest/gtest.h>

namespace kiln::client {
namespace {

TEST(IniFileTest, ReadsSectionsKeysAndComments) {
  auto ini = IniFile::parse(
      "top = level\n# comment\n; comment\n\n[default]\r\n key =  spaced value  \n"
      "[profile ci]\nkey=a=b\nkey = later wins\n",
      "test.ini");
  ASSERT_TRUE(ini.is_ok()) << ini.status().to_string();
  EXPECT_EQ(ini->get("", "top"), "level");
  EXPECT_EQ(ini->get("default", "key"), "spaced value");
  EXPECT_EQ(ini->get("profile ci", "key"), "later wins");
  EXPECT_FALSE(ini->get("default", "top"));
  EXPECT_TRUE(ini->has_section("profile ci"));
  EXPECT_FALSE(ini->has_section("ci"));
}

TEST(IniFileTest, MalformedLinesNameFileAndLine) {
  auto no_equals = IniFile::parse("[a]\nkey\n", "x.ini");
  ASSERT_FALSE(no_equals.is_ok());
  EXPECT_EQ(no_equals.status().message(),
            "x.ini:2: expected 'key = value', a [section] or a comment");
  auto bad_section = IniFile::parse("[open\n", "x.ini");
  ASSERT_FALSE(bad_section.is_ok());
  EXPECT_EQ(bad_section.status().message(), "x.ini:1: expected a section header like [default]");
  EXPECT_FALSE(IniFile::parse("= value\n", "x.ini").is_ok());
}

TEST(IniFileTest, LoadReportsAMissingFileAsNotFound) {
  auto ini = IniFile::load("/nonexistent/kiln/config");
  ASSERT_FALSE(ini.is_ok());
  EXPECT_EQ(ini.status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace kiln::client
