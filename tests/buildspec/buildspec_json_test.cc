// SPDX-License-Identifier: Apache-2.0
// to_json and check_report_json: buildspec key names (kebab-case), every
// default written out, absent sections as null, author's order kept.
#include "buildspec/buildspec_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "buildspec/parse_test_util.h"

namespace kiln::buildspec {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using Json = nlohmann::ordered_json;  // keeps the order of the text
using Pairs = std::vector<std::pair<std::string, std::string>>;

// A name → text map as written: an object, or a list of [name, value] or
// {"name", "value"} entries (the contract fixes the order, not the shape).
Pairs named_values(const Json& j) {
  Pairs out;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) out.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
  } else if (j.is_array()) {
    for (const Json& e : j) {
      if (e.is_array() && e.size() == 2)
        out.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
      else if (e.is_object() && e.contains("name") && e.contains("value"))
        out.emplace_back(e["name"].get<std::string>(), e["value"].get<std::string>());
      else
        ADD_FAILURE() << "not a name/value entry: " << e.dump();
    }
  } else {
    ADD_FAILURE() << "not a map: " << j.dump();
  }
  return out;
}

// The entry called `name` in a keyed section (object keyed by name, or list
// of objects with "name"); null when missing.
Json entry_named(const Json& j, const std::string& name) {
  if (j.is_object() && j.contains(name)) return j[name];
  if (j.is_array())
    for (const Json& e : j)
      if (e.is_object() && e.value("name", "") == name) return e;
  return Json();
}

// A text field left at its "inherit / not set" default: the contract fixes
// that it is written, not whether as "" or null.
bool is_unset(const Json& j) { return j.is_null() || j == ""; }

bool is_empty_map(const Json& j) { return (j.is_object() || j.is_array()) && j.empty(); }

void collect_keys(const Json& j, std::set<std::string>& keys) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      keys.insert(k);
      collect_keys(v, keys);
    }
  } else if (j.is_array()) {
    for (const Json& e : j) collect_keys(e, keys);
  }
}

bool contains_value(const Json& j, const Json& wanted) {
  if (j == wanted) return true;
  if (j.is_structured())
    for (const Json& e : j) if (contains_value(e, wanted)) return true;
  return false;
}

class BuildspecJsonTest : public BuildspecParserTest {
 protected:
  // Parses `yaml` and renders it; succeeds when both work.
  ::testing::AssertionResult renders(std::string_view yaml) {
    ::testing::AssertionResult parsed = parses(yaml);
    if (!parsed) return parsed;
    text_ = to_json(spec());
    try {
      json_ = Json::parse(text_);
    } catch (const std::exception& e) {
      return ::testing::AssertionFailure() << "to_json gave invalid JSON (" << e.what() << "):\n"
                                           << text_;
    }
    if (!json_.is_object()) return ::testing::AssertionFailure() << "not an object: " << text_;
    return ::testing::AssertionSuccess();
  }

  std::string text_;
  Json json_;
};

TEST_F(BuildspecJsonTest, WritesEveryTopLevelKeyWithDefaults) {
  ASSERT_TRUE(renders(kMinimal));
  for (const char* key : {"version", "run-as", "env", "proxy", "batch", "phases", "reports",
                          "artifacts", "cache"})
    EXPECT_TRUE(json_.contains(key)) << key << " missing in\n" << text_;
  EXPECT_TRUE(json_["version"] == "0.2" || json_["version"] == 0.2) << json_["version"];
  EXPECT_TRUE(is_unset(json_["run-as"])) << json_["run-as"];
  EXPECT_TRUE(json_["batch"].is_null());
  EXPECT_TRUE(json_["artifacts"].is_null());
  EXPECT_TRUE(json_["cache"].is_null());
  EXPECT_TRUE(is_empty_map(json_["reports"])) << json_["reports"];
}

TEST_F(BuildspecJsonTest, WritesEnvDefaults) {
  ASSERT_TRUE(renders(kMinimal));
  const Json& env = json_["env"];
  ASSERT_TRUE(env.is_object()) << text_;
  EXPECT_TRUE(is_unset(env["shell"]) || env["shell"] == "sh") << env["shell"];
  EXPECT_TRUE(is_empty_map(env["variables"])) << env;
  EXPECT_TRUE(is_empty_map(env["parameter-store"])) << env;
  EXPECT_TRUE(is_empty_map(env["secrets-manager"])) << env;
  EXPECT_EQ(env["exported-variables"], Json::array());
  EXPECT_EQ(env["git-credential-helper"], false);
  EXPECT_EQ(json_["proxy"]["upload-artifacts"], false);
  EXPECT_EQ(json_["proxy"]["logs"], false);
}

TEST_F(BuildspecJsonTest, WritesAbsentPhasesAsNullAndPresentOnesInFull) {
  ASSERT_TRUE(renders(kMinimal));
  const Json& phases = json_["phases"];
  ASSERT_TRUE(phases.is_object()) << text_;
  for (const char* name : {"install", "pre_build", "build", "post_build"})
    EXPECT_TRUE(phases.contains(name)) << name << " missing in\n" << text_;
  EXPECT_TRUE(phases["install"].is_null());
  EXPECT_TRUE(phases["pre_build"].is_null());
  EXPECT_TRUE(phases["post_build"].is_null());
  const Json& build = phases["build"];
  ASSERT_TRUE(build.is_object()) << text_;
  for (const char* key : {"run-as", "on-failure", "runtime-versions", "commands", "finally"})
    EXPECT_TRUE(build.contains(key)) << key << " missing in\n" << text_;
  EXPECT_TRUE(is_unset(build["run-as"])) << build;
  EXPECT_TRUE(is_unset(build["on-failure"])) << build;
  EXPECT_TRUE(is_empty_map(build["runtime-versions"])) << build;
  EXPECT_EQ(build["commands"], Json::array({"make"}));
  EXPECT_EQ(build["finally"], Json::array());
}

TEST_F(BuildspecJsonTest, WritesOnFailureWithRetrySettings) {
  ASSERT_TRUE(renders("version: 0.2\nphases:\n  build:\n    on-failure: RETRY-5-timed out\n"
                      "    commands: [make]\n"));
  const Json& build = json_["phases"]["build"];
  std::string on_failure = build["on-failure"].is_string() ? build["on-failure"].get<std::string>() : "";
  EXPECT_EQ(on_failure.rfind("RETRY", 0), 0u) << build;
  EXPECT_TRUE(contains_value(build, 5) || contains_value(build, "5") ||
              on_failure.find("5") != std::string::npos)
      << build;
  EXPECT_NE(build.dump().find("timed out"), std::string::npos) << build;
  ASSERT_TRUE(renders("version: 0.2\nphases:\n  build:\n    on-failure: ABORT\n    commands: [x]\n"));
  EXPECT_EQ(json_["phases"]["build"]["on-failure"], "ABORT");
}

TEST_F(BuildspecJsonTest, WritesReportDefaults) {
  ASSERT_TRUE(renders(minimal_with("reports:\n  unit:\n    files: ['**/*.xml']\n")));
  Json group = entry_named(json_["reports"], "unit");
  ASSERT_TRUE(group.is_object()) << text_;
  EXPECT_EQ(group["files"], Json::array({"**/*.xml"}));
  EXPECT_EQ(group["file-format"], "JUNITXML");
  EXPECT_TRUE(is_unset(group["base-directory"])) << group;
  EXPECT_EQ(group["discard-paths"], false);
}

TEST_F(BuildspecJsonTest, WritesNormalizedReportFileFormat) {
  ASSERT_TRUE(renders(minimal_with("reports:\n  cov:\n    files: [c.xml]\n    file-format: jacocoxml\n")));
  EXPECT_EQ(entry_named(json_["reports"], "cov")["file-format"], "JACOCOXML") << text_;
}

TEST_F(BuildspecJsonTest, WritesArtifactsDefaults) {
  ASSERT_TRUE(renders(minimal_with("artifacts:\n  files: '**/*'\n")));
  const Json& a = json_["artifacts"];
  ASSERT_TRUE(a.is_object()) << text_;
  EXPECT_EQ(a["files"], Json::array({"**/*"}));
  EXPECT_TRUE(is_unset(a["name"])) << a;
  EXPECT_EQ(a["discard-paths"], false);
  EXPECT_TRUE(is_unset(a["base-directory"])) << a;
  EXPECT_EQ(a["exclude-paths"], Json::array());
  EXPECT_EQ(a["enable-symlinks"], false);
  EXPECT_TRUE(is_unset(a["s3-prefix"])) << a;
  EXPECT_TRUE(a.contains("secondary-artifacts")) << a;
  EXPECT_TRUE(is_empty_map(a["secondary-artifacts"])) << a;
}

TEST_F(BuildspecJsonTest, WritesSecondaryArtifacts) {
  ASSERT_TRUE(renders(minimal_with(
      "artifacts:\n  files: [a]\n  secondary-artifacts:\n    web:\n      files: [index.html]\n")));
  Json web = entry_named(json_["artifacts"]["secondary-artifacts"], "web");
  ASSERT_TRUE(web.is_object()) << text_;
  EXPECT_EQ(web["files"], Json::array({"index.html"}));
  EXPECT_EQ(web["discard-paths"], false);
}

TEST_F(BuildspecJsonTest, WritesCacheDefaults) {
  ASSERT_TRUE(renders(minimal_with("cache:\n  paths: ['/root/.m2/**/*']\n")));
  const Json& c = json_["cache"];
  ASSERT_TRUE(c.is_object()) << text_;
  EXPECT_EQ(c["paths"], Json::array({"/root/.m2/**/*"}));
  EXPECT_TRUE(is_unset(c["key"])) << c;
  EXPECT_EQ(c["fallback-keys"], Json::array());
  EXPECT_TRUE(c.contains("action")) << c;
}

TEST_F(BuildspecJsonTest, WritesCacheAction) {
  ASSERT_TRUE(renders(minimal_with("cache:\n  paths: [x]\n  action: restore\n")));
  EXPECT_EQ(json_["cache"]["action"], "restore");
}

TEST_F(BuildspecJsonTest, KeepsDocumentOrderOfNamedValues) {
  ASSERT_TRUE(renders(minimal_with(
      "env:\n  variables:\n    ZED: z\n    ALPHA: a\n    MID: m\n"
      "  parameter-store:\n    ZP: /z\n    AP: /a\n")));
  EXPECT_THAT(named_values(json_["env"]["variables"]),
              ElementsAre(Pair("ZED", "z"), Pair("ALPHA", "a"), Pair("MID", "m")));
  EXPECT_THAT(named_values(json_["env"]["parameter-store"]),
              ElementsAre(Pair("ZP", "/z"), Pair("AP", "/a")));
}

TEST_F(BuildspecJsonTest, WritesVariablesAsExactText) {
  ASSERT_TRUE(renders(minimal_with("env:\n  variables:\n    N: 1\n    F: 1.50\n    B: true\n")));
  EXPECT_THAT(named_values(json_["env"]["variables"]),
              ElementsAre(Pair("N", "1"), Pair("F", "1.50"), Pair("B", "true")));
}

TEST_F(BuildspecJsonTest, WritesBatch) {
  ASSERT_TRUE(renders(minimal_with(
      "batch:\n  fast-fail: true\n  build-graph:\n    - identifier: one\n"
      "    - identifier: two\n      depend-on: [one]\n")));
  const Json& batch = json_["batch"];
  ASSERT_TRUE(batch.is_object()) << text_;
  EXPECT_EQ(batch["fast-fail"], true);
  EXPECT_NE(text_.find("\"build-graph\""), std::string::npos) << text_;
  EXPECT_NE(text_.find("\"depend-on\""), std::string::npos) << text_;
  EXPECT_TRUE(contains_value(batch, "two")) << batch;
}

TEST_F(BuildspecJsonTest, UsesKebabCaseKeysThroughout) {
  ASSERT_TRUE(renders(R"(version: 0.2
run-as: root
env:
  shell: bash
  variables: {STAGE: prod}
  parameter-store: {TOKEN: /t}
  secrets-manager: {PASS: s:k}
  exported-variables: [STAGE]
  git-credential-helper: yes
proxy:
  upload-artifacts: yes
  logs: yes
batch:
  fast-fail: false
  build-list:
    - identifier: task
      buildspec: b.yml
      env:
        compute-type: BUILD_GENERAL1_SMALL
        image: img
        privileged-mode: yes
        type: LINUX_CONTAINER
        variables: {MODE: x}
      ignore-failure: yes
      debug-session: yes
phases:
  install:
    run-as: root
    on-failure: CONTINUE
    runtime-versions: {nodejs: 18}
    commands: [a]
    finally: [b]
  pre_build:
    commands: [c]
  build:
    commands: [d]
  post_build:
    commands: [e]
reports:
  unit:
    files: [r.xml]
    file-format: JUNITXML
    base-directory: out
    discard-paths: yes
artifacts:
  files: [x]
  name: n
  discard-paths: yes
  base-directory: dist
  exclude-paths: [y]
  enable-symlinks: yes
  s3-prefix: p
  secondary-artifacts:
    second:
      files: [z]
cache:
  paths: [c]
  key: k
  fallback-keys: [f]
  action: save
)"));
  std::set<std::string> keys;
  collect_keys(json_, keys);
  for (const char* key :
       {"run-as", "parameter-store", "secrets-manager", "exported-variables",
        "git-credential-helper", "upload-artifacts", "fast-fail", "build-list", "compute-type",
        "privileged-mode", "ignore-failure", "debug-session", "on-failure", "runtime-versions",
        "file-format", "base-directory", "discard-paths", "exclude-paths", "enable-symlinks",
        "s3-prefix", "secondary-artifacts", "fallback-keys"})
    EXPECT_TRUE(keys.count(key)) << key << " missing in\n" << text_;
  // Every key is kebab-case, a phase name, or user data (upper-case names here).
  std::regex kebab("[a-z0-9]+(-[a-z0-9]+)*|[A-Z0-9]+|pre_build|post_build");
  for (const std::string& key : keys) EXPECT_TRUE(std::regex_match(key, kebab)) << key;
}

TEST_F(BuildspecJsonTest, IsPrettyPrintedWithTwoSpaces) {
  ASSERT_TRUE(renders(kMinimal));
  ASSERT_GE(text_.size(), 5u);
  EXPECT_EQ(text_.substr(0, 5), "{\n  \"") << text_;
}

TEST_F(BuildspecJsonTest, EscapesSpecialCharacters) {
  ASSERT_TRUE(renders("version: 0.2\nphases:\n  build:\n    commands:\n"
                      "      - 'echo \"quoted\" \\back\\slash\ttab'\n"
                      "      - |-\n        line one\n        line two\n"
                      "      - echo h\xc3\xa9llo\n"));
  EXPECT_EQ(json_["phases"]["build"]["commands"],
            Json::array({"echo \"quoted\" \\back\\slash\ttab", "line one\nline two",
                         "echo h\xc3\xa9llo"}));
}

// ---------------------------------------------------------------- check report

Json report_of(const std::string& file, const ParseResult& result) {
  std::string text = check_report_json(file, result);
  try {
    return Json::parse(text);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "invalid JSON (" << e.what() << "):\n" << text;
    return Json();
  }
}

TEST_F(BuildspecJsonTest, CheckReportForValidFile) {
  ASSERT_TRUE(parses(minimal_with("artifact: x\n")));
  Json report = report_of("ci/buildspec.yml", result_);
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["file"], "ci/buildspec.yml");
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["buildspec"], Json::parse(to_json(spec())));
  EXPECT_EQ(report["errors"], Json::array());
  ASSERT_TRUE(report["warnings"].is_array());
  ASSERT_EQ(report["warnings"].size(), 1u) << report;
  const Json& w = report["warnings"][0];
  EXPECT_EQ(w["line"], 6);
  EXPECT_EQ(w["column"], 1);
  EXPECT_EQ(w["path"], "artifact");
  EXPECT_TRUE(w["message"].is_string());
}

TEST_F(BuildspecJsonTest, CheckReportForInvalidFile) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  build:\n    commands:\n      - echo a: b\n"));
  Json report = report_of("bad.yml", result_);
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["file"], "bad.yml");
  EXPECT_EQ(report["ok"], false);
  EXPECT_TRUE(report.contains("buildspec"));
  EXPECT_TRUE(report["buildspec"].is_null());
  ASSERT_TRUE(report["errors"].is_array());
  ASSERT_FALSE(report["errors"].empty());
  const Json& e = report["errors"][0];
  EXPECT_EQ(e["line"], 5);
  EXPECT_EQ(e["column"], 9);
  EXPECT_EQ(e["path"], "phases.build.commands[0]");
  EXPECT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty());
  EXPECT_EQ(report["warnings"], Json::array());
}

}  // namespace
}  // namespace kiln::buildspec
