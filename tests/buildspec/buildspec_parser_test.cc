// SPDX-License-Identifier: Apache-2.0
// parse_buildspec: every key, every default and every validation error of
// codebuild-semantics.md §1.3. Malformed input (not YAML, limits, encodings)
// is in buildspec_bad_input_test.cc.
#include "buildspec/buildspec_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "buildspec/parse_test_util.h"

namespace kiln::buildspec {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using model::NamedValues;
using Severity = Diagnostic::Severity;

// ---------------------------------------------------------------- version

TEST_F(BuildspecParserTest, AcceptsVersion02AsNumber) {
  ASSERT_TRUE(parses(kMinimal));
  EXPECT_EQ(spec().version, model::BuildSpecVersion::k0_2);
}

TEST_F(BuildspecParserTest, AcceptsVersion02AsQuotedString) {
  ASSERT_TRUE(parses("version: \"0.2\"\nphases:\n  build:\n    commands: [make]\n"));
  EXPECT_EQ(spec().version, model::BuildSpecVersion::k0_2);
  ASSERT_TRUE(parses("version: '0.2'\nphases:\n  build:\n    commands: [make]\n"));
  EXPECT_EQ(spec().version, model::BuildSpecVersion::k0_2);
}

TEST_F(BuildspecParserTest, AcceptsVersion01AsNumberOrString) {
  ASSERT_TRUE(parses("version: 0.1\nphases:\n  build:\n    commands: [make]\n"));
  EXPECT_EQ(spec().version, model::BuildSpecVersion::k0_1);
  ASSERT_TRUE(parses("version: \"0.1\"\nphases:\n  build:\n    commands: [make]\n"));
  EXPECT_EQ(spec().version, model::BuildSpecVersion::k0_1);
}

TEST_F(BuildspecParserTest, RejectsUnsupportedVersion) {
  for (const char* version : {"0.3", "1.0", "2", "latest", "\"0.2 \"", "0.02"}) {
    SCOPED_TRACE(version);
    ASSERT_TRUE(rejects(std::string("phases:\n  build:\n    commands: [make]\nversion: ") +
                        version + "\n"));
    EXPECT_TRUE(has_error("version", 4));
  }
}

TEST_F(BuildspecParserTest, RejectsVersionThatIsNotAScalar) {
  ASSERT_TRUE(rejects("version: [0.2]\nphases:\n  build:\n    commands: [make]\n"));
  EXPECT_TRUE(has_error("version", 1, 10));
}

TEST_F(BuildspecParserTest, RejectsMissingVersion) {
  ASSERT_TRUE(rejects("phases:\n  build:\n    commands: [make]\n"));
  bool names_version = false;
  for (const Diagnostic& d : result_.errors())
    names_version |= d.path == "version" || d.message.find("version") != std::string::npos;
  EXPECT_TRUE(names_version) << describe(result_);
}

TEST_F(BuildspecParserTest, Version01AcceptsEnvironmentVariablesPlaintext) {
  ASSERT_TRUE(parses(R"(version: 0.1
environment_variables:
  plaintext:
    JAVA_HOME: /usr/lib/jvm/java-8
    STAGE: prod
phases:
  build:
    commands:
      - echo $STAGE
)"));
  EXPECT_EQ(spec().version, model::BuildSpecVersion::k0_1);
  EXPECT_THAT(spec().env.variables,
              ElementsAre(Pair("JAVA_HOME", "/usr/lib/jvm/java-8"), Pair("STAGE", "prod")));
}

TEST_F(BuildspecParserTest, Version01AcceptsVersion02Keys) {
  ASSERT_TRUE(parses(R"(version: 0.1
env:
  shell: bash
  variables:
    STAGE: prod
phases:
  install:
    runtime-versions:
      nodejs: 18
  build:
    commands:
      - npm test
)"));
  EXPECT_EQ(spec().version, model::BuildSpecVersion::k0_1);
  EXPECT_EQ(spec().env.shell, "bash");
  EXPECT_THAT(spec().env.variables, ElementsAre(Pair("STAGE", "prod")));
  ASSERT_TRUE(spec().phases.install);
  EXPECT_THAT(spec().phases.install->runtime_versions, ElementsAre(Pair("nodejs", "18")));
}

// ---------------------------------------------------------------- defaults

TEST_F(BuildspecParserTest, MinimalSpecHasEveryDefault) {
  ASSERT_TRUE(parses(kMinimal));
  const model::BuildSpec& s = spec();
  EXPECT_EQ(s.run_as, "");
  EXPECT_EQ(s.env.shell, "");
  EXPECT_TRUE(s.env.variables.empty());
  EXPECT_TRUE(s.env.parameter_store.empty());
  EXPECT_TRUE(s.env.secrets_manager.empty());
  EXPECT_TRUE(s.env.exported_variables.empty());
  EXPECT_FALSE(s.env.git_credential_helper);
  EXPECT_FALSE(s.proxy.upload_artifacts);
  EXPECT_FALSE(s.proxy.logs);
  EXPECT_FALSE(s.batch.has_value());
  EXPECT_FALSE(s.phases.install.has_value());
  EXPECT_FALSE(s.phases.pre_build.has_value());
  EXPECT_FALSE(s.phases.post_build.has_value());
  EXPECT_TRUE(s.reports.empty());
  EXPECT_FALSE(s.artifacts.has_value());
  EXPECT_FALSE(s.cache.has_value());
  EXPECT_TRUE(result_.diagnostics.empty()) << describe(result_);
}

TEST_F(BuildspecParserTest, PhaseHasEveryDefault) {
  ASSERT_TRUE(parses(kMinimal));
  ASSERT_TRUE(spec().phases.build.has_value());
  const model::PhaseSpec& build = *spec().phases.build;
  EXPECT_EQ(build.run_as, "");
  EXPECT_EQ(build.on_failure, model::OnFailure::kDefault);
  EXPECT_EQ(build.retry_count, 3);
  EXPECT_EQ(build.retry_regex, ".*");
  EXPECT_TRUE(build.runtime_versions.empty());
  EXPECT_THAT(build.commands, ElementsAre("make"));
  EXPECT_TRUE(build.finally.empty());
}

// ---------------------------------------------------------------- run-as, env

TEST_F(BuildspecParserTest, ReadsTopLevelRunAs) {
  ASSERT_TRUE(parses(minimal_with("run-as: builder\n")));
  EXPECT_EQ(spec().run_as, "builder");
}

TEST_F(BuildspecParserTest, AcceptsEachDocumentedShell) {
  for (const char* shell : {"sh", "/bin/sh", "bash", "/bin/bash", "powershell.exe", "cmd.exe"}) {
    SCOPED_TRACE(shell);
    ASSERT_TRUE(parses(minimal_with(std::string("env:\n  shell: ") + shell + "\n")));
    EXPECT_EQ(spec().env.shell, shell);
  }
}

TEST_F(BuildspecParserTest, RejectsUnknownShell) {
  for (const char* shell : {"zsh", "/bin/zsh", "Bash", "fish"}) {
    SCOPED_TRACE(shell);
    ASSERT_TRUE(rejects(minimal_with(std::string("env:\n  shell: ") + shell + "\n")));
    EXPECT_TRUE(has_error("env.shell", 7, 10));
  }
}

TEST_F(BuildspecParserTest, RejectsShellOutsideTheDocumentedList) {
  // Only sh, /bin/sh, bash, /bin/bash, powershell.exe and cmd.exe are accepted.
  ASSERT_TRUE(rejects(minimal_with("env:\n  shell: pwsh.exe\n")));
  EXPECT_TRUE(has_error("env.shell", 7, 10));
}

TEST_F(BuildspecParserTest, EnvVariablesKeepDocumentOrder) {
  ASSERT_TRUE(parses(minimal_with("env:\n  variables:\n    ZED: z\n    ALPHA: a\n    MID: m\n")));
  EXPECT_THAT(spec().env.variables,
              ElementsAre(Pair("ZED", "z"), Pair("ALPHA", "a"), Pair("MID", "m")));
}

TEST_F(BuildspecParserTest, EnvVariableNumbersAndBooleansKeepTheirExactText) {
  ASSERT_TRUE(parses(minimal_with(R"(env:
  variables:
    N: 1
    F: 1.50
    B: true
    Y: yes
    O: 010
    H: 0x1F
    E: 1e3
    V: 3.10
)")));
  EXPECT_THAT(spec().env.variables,
              ElementsAre(Pair("N", "1"), Pair("F", "1.50"), Pair("B", "true"), Pair("Y", "yes"),
                          Pair("O", "010"), Pair("H", "0x1F"), Pair("E", "1e3"),
                          Pair("V", "3.10")));
}

TEST_F(BuildspecParserTest, EnvVariableNullIsEmpty) {
  ASSERT_TRUE(parses(minimal_with("env:\n  variables:\n    EMPTY:\n    TILDE: ~\n    Q: \"~\"\n")));
  EXPECT_THAT(spec().env.variables,
              ElementsAre(Pair("EMPTY", ""), Pair("TILDE", ""), Pair("Q", "~")));
}

TEST_F(BuildspecParserTest, EnvVariableValueIsLiteral) {
  ASSERT_TRUE(parses(minimal_with(
      "env:\n  variables:\n    PATH: \"$PATH:/opt/bin\"\n    MSG: 'a \"quoted\" # not a comment'\n")));
  EXPECT_THAT(spec().env.variables, ElementsAre(Pair("PATH", "$PATH:/opt/bin"),
                                                Pair("MSG", "a \"quoted\" # not a comment")));
}

TEST_F(BuildspecParserTest, RejectsEnvVariableThatIsAList) {
  ASSERT_TRUE(rejects(minimal_with("env:\n  variables:\n    L: [a, b]\n")));
  EXPECT_TRUE(has_error("env.variables.L", 8, 8));
}

TEST_F(BuildspecParserTest, RejectsEnvVariablesThatAreAList) {
  ASSERT_TRUE(rejects(minimal_with("env:\n  variables:\n    - A=1\n")));
  EXPECT_TRUE(has_error("env.variables", 8, 5));
}

TEST_F(BuildspecParserTest, DropsCodebuildPrefixedVariableWithWarning) {
  ASSERT_TRUE(parses(minimal_with("env:\n  variables:\n    CODEBUILD_FOO: x\n    OK: y\n")));
  EXPECT_TRUE(has_warning("env.variables.CODEBUILD_FOO", 8, 5));
  EXPECT_THAT(spec().env.variables, ElementsAre(Pair("OK", "y")));
}

TEST_F(BuildspecParserTest, ReadsParameterStoreInOrder) {
  ASSERT_TRUE(parses(minimal_with(
      "env:\n  parameter-store:\n    TOKEN: /ci/token\n    DB_PASS: /prod/db/password\n")));
  EXPECT_THAT(spec().env.parameter_store,
              ElementsAre(Pair("TOKEN", "/ci/token"), Pair("DB_PASS", "/prod/db/password")));
}

TEST_F(BuildspecParserTest, ReadsSecretsManagerReferences) {
  ASSERT_TRUE(parses(minimal_with(R"(env:
  secrets-manager:
    WHOLE: prod/app
    KEY: prod/app:password
    STAGE: prod/app:password:AWSPREVIOUS
    ID: prod/app:password::a1b2c3d4-5678-90ab-cdef-EXAMPLE11111
)")));
  EXPECT_THAT(spec().env.secrets_manager,
              ElementsAre(Pair("WHOLE", "prod/app"), Pair("KEY", "prod/app:password"),
                          Pair("STAGE", "prod/app:password:AWSPREVIOUS"),
                          Pair("ID", "prod/app:password::a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")));
}

TEST_F(BuildspecParserTest, RejectsSecretWithBothVersionStageAndVersionId) {
  ASSERT_TRUE(rejects(minimal_with(
      "env:\n  secrets-manager:\n    S: prod/app:password:AWSPREVIOUS:a1b2c3d4-5678\n")));
  EXPECT_TRUE(has_error("env.secrets-manager.S", 8));
}

TEST_F(BuildspecParserTest, ReadsSecretsManagerArnReferences) {
  const std::string arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app-AbCdEf";
  ASSERT_TRUE(parses(minimal_with("env:\n  secrets-manager:\n    A: " + arn + "\n    B: " + arn +
                                  ":password:AWSPREVIOUS\n    C: " + arn + ":password::v-1\n")));
  EXPECT_THAT(spec().env.secrets_manager,
              ElementsAre(Pair("A", arn), Pair("B", arn + ":password:AWSPREVIOUS"),
                          Pair("C", arn + ":password::v-1")));
  ASSERT_TRUE(rejects(minimal_with("env:\n  secrets-manager:\n    D: " + arn +
                                   ":password:AWSPREVIOUS:v-1\n")));
  EXPECT_TRUE(has_error("env.secrets-manager.D", 8));
}

TEST_F(BuildspecParserTest, ReadsExportedVariablesInOrder) {
  ASSERT_TRUE(parses(minimal_with("env:\n  exported-variables:\n    - IMAGE_TAG\n    - COMMIT\n")));
  EXPECT_THAT(spec().env.exported_variables, ElementsAre("IMAGE_TAG", "COMMIT"));
}

TEST_F(BuildspecParserTest, WarnsOnExportedVariableWithAwsPrefix) {
  ASSERT_TRUE(parses(minimal_with("env:\n  exported-variables:\n    - IMAGE_TAG\n    - AWS_REGION\n")));
  EXPECT_TRUE(has_warning_under("env.exported-variables", 9));
}

TEST_F(BuildspecParserTest, ReadsGitCredentialHelper) {
  ASSERT_TRUE(parses(minimal_with("env:\n  git-credential-helper: yes\n")));
  EXPECT_TRUE(spec().env.git_credential_helper);
}

TEST_F(BuildspecParserTest, ReadsProxyFlags) {
  ASSERT_TRUE(parses(minimal_with("proxy:\n  upload-artifacts: yes\n  logs: true\n")));
  EXPECT_TRUE(spec().proxy.upload_artifacts);
  EXPECT_TRUE(spec().proxy.logs);
  ASSERT_TRUE(parses(minimal_with("proxy:\n  upload-artifacts: no\n  logs: yes\n")));
  EXPECT_FALSE(spec().proxy.upload_artifacts);
  EXPECT_TRUE(spec().proxy.logs);
}

// ---------------------------------------------------------------- flags

struct FlagCase {
  const char* text;
  bool value;
};

class BuildspecFlagTest : public BuildspecParserTest,
                          public ::testing::WithParamInterface<FlagCase> {};

TEST_P(BuildspecFlagTest, AcceptsYesNoTrueFalseOnOff) {
  ASSERT_TRUE(parses(minimal_with(std::string("artifacts:\n  files: ['**/*']\n  discard-paths: ") +
                                  GetParam().text + "\n")));
  ASSERT_TRUE(spec().artifacts);
  EXPECT_EQ(spec().artifacts->discard_paths, GetParam().value);
}

INSTANTIATE_TEST_SUITE_P(
    Spellings, BuildspecFlagTest,
    ::testing::Values(FlagCase{"yes", true}, FlagCase{"Yes", true}, FlagCase{"YES", true},
                      FlagCase{"no", false}, FlagCase{"No", false}, FlagCase{"NO", false},
                      FlagCase{"true", true}, FlagCase{"True", true}, FlagCase{"TRUE", true},
                      FlagCase{"false", false}, FlagCase{"False", false},
                      FlagCase{"FALSE", false}, FlagCase{"on", true}, FlagCase{"On", true},
                      FlagCase{"ON", true}, FlagCase{"off", false}, FlagCase{"Off", false},
                      FlagCase{"OFF", false}, FlagCase{"y", true}, FlagCase{"Y", true},
                      FlagCase{"n", false}, FlagCase{"N", false}),
    [](const ::testing::TestParamInfo<FlagCase>& param_info) {
      return std::string(param_info.param.text) + "_" + std::to_string(param_info.index);
    });

TEST_F(BuildspecParserTest, RejectsFlagThatIsNotABoolean) {
  for (const char* text : {"maybe", "1", "enabled", "[yes]"}) {
    SCOPED_TRACE(text);
    ASSERT_TRUE(rejects(minimal_with(std::string("proxy:\n  logs: ") + text + "\n")));
    EXPECT_TRUE(has_error("proxy.logs", 7, 9));
  }
}

// ---------------------------------------------------------------- phases

TEST_F(BuildspecParserTest, ReadsAllFourPhasesInOrder) {
  ASSERT_TRUE(parses(R"(version: 0.2
phases:
  install:
    commands:
      - apt-get update
  pre_build:
    commands:
      - ./configure
  build:
    commands:
      - make
      - make check
  post_build:
    commands:
      - make install
)"));
  const model::PhasesSpec& p = spec().phases;
  ASSERT_TRUE(p.install && p.pre_build && p.build && p.post_build);
  EXPECT_THAT(p.install->commands, ElementsAre("apt-get update"));
  EXPECT_THAT(p.pre_build->commands, ElementsAre("./configure"));
  EXPECT_THAT(p.build->commands, ElementsAre("make", "make check"));
  EXPECT_THAT(p.post_build->commands, ElementsAre("make install"));
}

TEST_F(BuildspecParserTest, ReadsPhaseRunAs) {
  ASSERT_TRUE(parses("version: 0.2\nrun-as: root\nphases:\n  build:\n    run-as: builder\n"
                     "    commands: [make]\n"));
  EXPECT_EQ(spec().run_as, "root");
  EXPECT_EQ(spec().phases.build->run_as, "builder");
}

TEST_F(BuildspecParserTest, ReadsFinally) {
  ASSERT_TRUE(parses(R"(version: 0.2
phases:
  build:
    commands:
      - make
    finally:
      - rm -rf tmp
      - echo done
)"));
  EXPECT_THAT(spec().phases.build->finally, ElementsAre("rm -rf tmp", "echo done"));
}

TEST_F(BuildspecParserTest, AcceptsPhaseWithOnlyFinally) {
  ASSERT_TRUE(parses(minimal_with("  post_build:\n    finally:\n      - echo cleanup\n")));
  ASSERT_TRUE(spec().phases.post_build);
  EXPECT_TRUE(spec().phases.post_build->commands.empty());
  EXPECT_THAT(spec().phases.post_build->finally, ElementsAre("echo cleanup"));
}

TEST_F(BuildspecParserTest, ReadsRuntimeVersionsInOrderWithExactText) {
  ASSERT_TRUE(parses(R"(version: 0.2
phases:
  install:
    runtime-versions:
      python: 3.10
      nodejs: 18
      java: corretto17
      golang: latest
      ruby: $RUBY_VERSION
  build:
    commands: [make]
)"));
  ASSERT_TRUE(spec().phases.install);
  EXPECT_THAT(spec().phases.install->runtime_versions,
              ElementsAre(Pair("python", "3.10"), Pair("nodejs", "18"), Pair("java", "corretto17"),
                          Pair("golang", "latest"), Pair("ruby", "$RUBY_VERSION")));
}

TEST_F(BuildspecParserTest, AcceptsInstallWithOnlyRuntimeVersions) {
  ASSERT_TRUE(parses(
      "version: 0.2\nphases:\n  install:\n    runtime-versions:\n      nodejs: 18\n"
      "  build:\n    commands: [npm test]\n"));
  ASSERT_TRUE(spec().phases.install);
  EXPECT_TRUE(spec().phases.install->commands.empty());
}

TEST_F(BuildspecParserTest, WarnsOnRuntimeVersionsOutsideInstall) {
  ASSERT_TRUE(parses(R"(version: 0.2
phases:
  build:
    runtime-versions:
      nodejs: 18
    commands:
      - npm test
)"));
  // A misplaced key: at the key, or at its value.
  EXPECT_TRUE(has_warning("phases.build.runtime-versions", 4, 5) ||
              has_warning("phases.build.runtime-versions", 5, 7))
      << describe(result_);
}

TEST_F(BuildspecParserTest, LiteralBlockScalarIsOneCommand) {
  ASSERT_TRUE(parses(R"(version: 0.2
phases:
  build:
    commands:
      - |
        if [ -f Makefile ]; then
          make
        fi
      - echo next
)"));
  const auto& commands = spec().phases.build->commands;
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_THAT(commands[0], HasSubstr("if [ -f Makefile ]; then\n  make\nfi"));
  EXPECT_EQ(commands[1], "echo next");
}

TEST_F(BuildspecParserTest, FoldedBlockScalarIsOneCommand) {
  ASSERT_TRUE(parses(R"(version: 0.2
phases:
  build:
    commands:
      - >
        docker build
        --tag app
        .
)"));
  const auto& commands = spec().phases.build->commands;
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_THAT(commands[0], HasSubstr("docker build --tag app ."));
}

TEST_F(BuildspecParserTest, PlainMultiLineCommandsValueIsOneCommand) {
  ASSERT_TRUE(parses(R"(version: 0.2
phases:
  build:
    commands:
      cp ./settings.xml
      /root/.m2/settings.xml
      # - a commented-out item
)"));
  EXPECT_THAT(spec().phases.build->commands, ElementsAre("cp ./settings.xml /root/.m2/settings.xml"));
}

TEST_F(BuildspecParserTest, BlockScalarCommandsValueIsOneCommand) {
  ASSERT_TRUE(parses(R"(version: 0.2
phases:
  build:
    commands: |
      make
      make check
)"));
  const auto& commands = spec().phases.build->commands;
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_THAT(commands[0], HasSubstr("make\nmake check"));
}

TEST_F(BuildspecParserTest, RejectsCommandReadAsMapping) {
  ASSERT_TRUE(rejects(R"(version: 0.2
phases:
  build:
    commands:
      - echo hello
      - echo key: value
)"));
  EXPECT_TRUE(has_error("phases.build.commands[1]", 6, 9));
  std::string message = first_error().message;
  EXPECT_THAT(message, HasSubstr("string"));
  EXPECT_TRUE(message.find("mapping") != std::string::npos ||
              message.find("subkeys") != std::string::npos)
      << message;
}

TEST_F(BuildspecParserTest, RejectsCommandsThatAreAMapping) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  build:\n    commands:\n      make: all\n"));
  EXPECT_TRUE(has_error("phases.build.commands", 5, 7));
}

TEST_F(BuildspecParserTest, RejectsFinallyItemThatIsAList) {
  ASSERT_TRUE(rejects(
      "version: 0.2\nphases:\n  build:\n    commands: [make]\n    finally:\n      - [a, b]\n"));
  EXPECT_TRUE(has_error("phases.build.finally[0]", 6, 9));
}

TEST_F(BuildspecParserTest, RejectsPhaseWithNeitherCommandsNorFinally) {
  for (const char* phase : {"pre_build", "build", "post_build"}) {
    SCOPED_TRACE(phase);
    ASSERT_TRUE(rejects(std::string("version: 0.2\nphases:\n  ") + phase +
                        ":\n    run-as: builder\n"));
    EXPECT_TRUE(has_error_under(std::string("phases.") + phase));
  }
}

TEST_F(BuildspecParserTest, RejectsNullPhase) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  build:\n"));
  EXPECT_TRUE(has_error_under("phases.build", 3));
}

TEST_F(BuildspecParserTest, RejectsPhaseWrittenAsList) {
  ASSERT_TRUE(rejects(R"(version: 0.2
phases:
  pre_build:
    - echo logging in
  build:
    commands:
      - make
)"));
  EXPECT_TRUE(has_error("phases.pre_build", 4, 5));
}

TEST_F(BuildspecParserTest, RejectsUnknownPhaseName) {
  ASSERT_TRUE(rejects(R"(version: 0.2
phases:
  env:
    shell: powershell.exe
  build:
    commands:
      - make
)"));
  EXPECT_TRUE(has_error("phases.env", 3, 3));
}

TEST_F(BuildspecParserTest, RejectsEmptyPhases) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n"));
  EXPECT_TRUE(has_error("phases", 2));
  ASSERT_TRUE(rejects("version: 0.2\nphases: {}\n"));
  EXPECT_TRUE(has_error("phases", 2));
}

TEST_F(BuildspecParserTest, RejectsPhasesThatAreAList) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  - build\n"));
  EXPECT_TRUE(has_error("phases", 3, 3));
}

TEST_F(BuildspecParserTest, RejectsMissingPhasesWithoutBatch) {
  ASSERT_TRUE(rejects("version: 0.2\nenv:\n  shell: bash\n"));
  bool names_phases = false;
  for (const Diagnostic& d : result_.errors())
    names_phases |= d.path == "phases" || d.message.find("phases") != std::string::npos;
  EXPECT_TRUE(names_phases) << describe(result_);
}

// ---------------------------------------------------------------- on-failure

struct OnFailureCase {
  const char* text;
  model::OnFailure kind;
  int count;
  const char* regex;
};

class BuildspecOnFailureTest : public BuildspecParserTest,
                               public ::testing::WithParamInterface<OnFailureCase> {};

TEST_P(BuildspecOnFailureTest, ReadsOnFailure) {
  const OnFailureCase& c = GetParam();
  ASSERT_TRUE(parses(std::string("version: 0.2\nphases:\n  build:\n    on-failure: ") + c.text +
                     "\n    commands: [make]\n"));
  const model::PhaseSpec& build = *spec().phases.build;
  EXPECT_EQ(build.on_failure, c.kind);
  EXPECT_EQ(build.retry_count, c.count);
  EXPECT_EQ(build.retry_regex, c.regex);
}

INSTANTIATE_TEST_SUITE_P(
    Values, BuildspecOnFailureTest,
    ::testing::Values(OnFailureCase{"ABORT", model::OnFailure::kAbort, 3, ".*"},
                      OnFailureCase{"CONTINUE", model::OnFailure::kContinue, 3, ".*"},
                      OnFailureCase{"RETRY", model::OnFailure::kRetry, 3, ".*"},
                      OnFailureCase{"RETRY-5", model::OnFailure::kRetry, 5, ".*"},
                      OnFailureCase{"RETRY-0", model::OnFailure::kRetry, 0, ".*"},
                      OnFailureCase{"RETRY-100", model::OnFailure::kRetry, 100, ".*"},
                      OnFailureCase{"RETRY-timeout", model::OnFailure::kRetry, 3, "timeout"},
                      OnFailureCase{"RETRY-[a-z]+ error", model::OnFailure::kRetry, 3,
                                    "[a-z]+ error"},
                      OnFailureCase{"RETRY-7-.*throttl.*", model::OnFailure::kRetry, 7,
                                    ".*throttl.*"}),
    [](const ::testing::TestParamInfo<OnFailureCase>& param_info) {
      std::string name;
      for (char ch : std::string(param_info.param.text))
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name + "_" + std::to_string(param_info.index);
    });

TEST_F(BuildspecParserTest, RejectsUnknownOnFailure) {
  for (const char* text : {"IGNORE", "STOP", "FAIL"}) {
    SCOPED_TRACE(text);
    ASSERT_TRUE(rejects(std::string("version: 0.2\nphases:\n  build:\n    on-failure: ") + text +
                        "\n    commands: [make]\n"));
    EXPECT_TRUE(has_error("phases.build.on-failure", 4, 17));
  }
}

TEST_F(BuildspecParserTest, RejectsRetryCountOver100) {
  for (const char* text : {"RETRY-101", "RETRY-1000", "RETRY-101-timeout"}) {
    SCOPED_TRACE(text);
    ASSERT_TRUE(rejects(std::string("version: 0.2\nphases:\n  build:\n    on-failure: ") + text +
                        "\n    commands: [make]\n"));
    EXPECT_TRUE(has_error("phases.build.on-failure", 4, 17));
  }
}

// ---------------------------------------------------------------- reports

TEST_F(BuildspecParserTest, ReadsReportGroup) {
  ASSERT_TRUE(parses(minimal_with(R"(reports:
  unit-tests:
    files:
      - 'build/test-results/**/*.xml'
      - extra.xml
    file-format: cucumberjson
    base-directory: out
    discard-paths: yes
)")));
  ASSERT_EQ(spec().reports.size(), 1u);
  const model::ReportGroupSpec& g = spec().reports[0];
  EXPECT_EQ(g.name, "unit-tests");
  EXPECT_THAT(g.files, ElementsAre("build/test-results/**/*.xml", "extra.xml"));
  EXPECT_EQ(g.file_format, "CUCUMBERJSON");
  EXPECT_EQ(g.base_directory, "out");
  EXPECT_TRUE(g.discard_paths);
}

TEST_F(BuildspecParserTest, ReportGroupHasDefaults) {
  ASSERT_TRUE(parses(minimal_with("reports:\n  unit:\n    files: ['**/*.xml']\n")));
  ASSERT_EQ(spec().reports.size(), 1u);
  EXPECT_EQ(spec().reports[0].file_format, "JUNITXML");
  EXPECT_EQ(spec().reports[0].base_directory, "");
  EXPECT_FALSE(spec().reports[0].discard_paths);
}

TEST_F(BuildspecParserTest, ReportGroupNameMayBeAnArn) {
  ASSERT_TRUE(parses(minimal_with(
      "reports:\n  arn:aws:codebuild:us-east-1:123456789012:report-group/unit:\n"
      "    files: ['**/*.xml']\n")));
  ASSERT_EQ(spec().reports.size(), 1u);
  EXPECT_EQ(spec().reports[0].name, "arn:aws:codebuild:us-east-1:123456789012:report-group/unit");
}

TEST_F(BuildspecParserTest, AcceptsEveryReportFileFormatCaseInsensitively) {
  for (const char* format : {"junitxml", "CucumberJson", "NUNITXML", "nunit3xml", "TestNGXml",
                             "visualstudiotrx", "CLOVERXML", "coberturaxml", "JacocoXml",
                             "simplecov"}) {
    SCOPED_TRACE(format);
    ASSERT_TRUE(parses(minimal_with(std::string("reports:\n  r:\n    files: [a.xml]\n"
                                                "    file-format: ") +
                                    format + "\n")));
    std::string upper = format;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_EQ(spec().reports[0].file_format, upper);
  }
}

TEST_F(BuildspecParserTest, RejectsUnknownReportFileFormat) {
  ASSERT_TRUE(rejects(minimal_with("reports:\n  unit:\n    files: [a.xml]\n    file-format: XUNIT\n")));
  EXPECT_TRUE(has_error("reports.unit.file-format", 9, 18));
}

TEST_F(BuildspecParserTest, RejectsReportGroupWithoutFiles) {
  ASSERT_TRUE(rejects(minimal_with("reports:\n  unit:\n    file-format: JUNITXML\n")));
  EXPECT_TRUE(has_error_under("reports.unit"));
}

TEST_F(BuildspecParserTest, KeepsReportGroupsInDocumentOrder) {
  ASSERT_TRUE(parses(minimal_with(
      "reports:\n  zeta:\n    files: [z.xml]\n  alpha:\n    files: [a.xml]\n")));
  ASSERT_EQ(spec().reports.size(), 2u);
  EXPECT_EQ(spec().reports[0].name, "zeta");
  EXPECT_EQ(spec().reports[1].name, "alpha");
}

std::string report_groups(int count) {
  std::string text = "reports:\n";
  for (int i = 1; i <= count; ++i)
    text += "  group" + std::to_string(i) + ":\n    files: [r" + std::to_string(i) + ".xml]\n";
  return text;
}

TEST_F(BuildspecParserTest, AcceptsFiveReportGroups) {
  ASSERT_TRUE(parses(minimal_with(report_groups(5))));
  EXPECT_EQ(spec().reports.size(), 5u);
}

TEST_F(BuildspecParserTest, RejectsSixReportGroups) {
  ASSERT_TRUE(rejects(minimal_with(report_groups(6))));
  EXPECT_TRUE(has_error_under("reports"));
}

// ---------------------------------------------------------------- artifacts

TEST_F(BuildspecParserTest, ReadsArtifacts) {
  ASSERT_TRUE(parses(minimal_with(R"(artifacts:
  files:
    - 'target/*.jar'
    - appspec.yml
  name: app-$(date +%Y-%m-%d)
  discard-paths: yes
  base-directory: dist
  exclude-paths:
    - '**/*.map'
    - tmp/*
  enable-symlinks: yes
  s3-prefix: releases
)")));
  ASSERT_TRUE(spec().artifacts);
  const model::ArtifactsSpec& a = *spec().artifacts;
  EXPECT_THAT(a.files, ElementsAre("target/*.jar", "appspec.yml"));
  EXPECT_EQ(a.name, "app-$(date +%Y-%m-%d)");
  EXPECT_TRUE(a.discard_paths);
  EXPECT_EQ(a.base_directory, "dist");
  EXPECT_THAT(a.exclude_paths, ElementsAre("**/*.map", "tmp/*"));
  EXPECT_TRUE(a.enable_symlinks);
  EXPECT_EQ(a.s3_prefix, "releases");
  EXPECT_TRUE(a.secondary_artifacts.empty());
}

TEST_F(BuildspecParserTest, ArtifactsHaveDefaults) {
  ASSERT_TRUE(parses(minimal_with("artifacts:\n  files:\n    - '**/*'\n")));
  const model::ArtifactsSpec& a = *spec().artifacts;
  EXPECT_EQ(a.name, "");
  EXPECT_FALSE(a.discard_paths);
  EXPECT_EQ(a.base_directory, "");
  EXPECT_TRUE(a.exclude_paths.empty());
  EXPECT_FALSE(a.enable_symlinks);
  EXPECT_EQ(a.s3_prefix, "");
}

TEST_F(BuildspecParserTest, ArtifactsFilesScalarIsOneElementList) {
  ASSERT_TRUE(parses(minimal_with("artifacts:\n  files: '**/*'\n")));
  EXPECT_THAT(spec().artifacts->files, ElementsAre("**/*"));
}

TEST_F(BuildspecParserTest, ArtifactsExcludePathsScalarIsOneElementList) {
  ASSERT_TRUE(parses(minimal_with("artifacts:\n  files: ['**/*']\n  exclude-paths: '**/*.tmp'\n")));
  EXPECT_THAT(spec().artifacts->exclude_paths, ElementsAre("**/*.tmp"));
}

TEST_F(BuildspecParserTest, RejectsArtifactsWithoutFiles) {
  ASSERT_TRUE(rejects(minimal_with("artifacts:\n  name: app\n")));
  EXPECT_TRUE(has_error_under("artifacts"));
}

TEST_F(BuildspecParserTest, RejectsArtifactsWithOnlySecondaryArtifacts) {
  ASSERT_TRUE(rejects(minimal_with(
      "artifacts:\n  secondary-artifacts:\n    out1:\n      files: [a.txt]\n")));
  EXPECT_TRUE(has_error_under("artifacts"));
}

TEST_F(BuildspecParserTest, ReadsSecondaryArtifactsInOrder) {
  ASSERT_TRUE(parses(minimal_with(R"(artifacts:
  files: ['**/*']
  secondary-artifacts:
    web:
      files:
        - index.html
      base-directory: site
      name: web-bundle
      discard-paths: yes
    api:
      files: api.zip
      exclude-paths: '*.log'
      enable-symlinks: yes
      s3-prefix: api
)")));
  const auto& secondary = spec().artifacts->secondary_artifacts;
  ASSERT_EQ(secondary.size(), 2u);
  EXPECT_EQ(secondary[0].identifier, "web");
  EXPECT_THAT(secondary[0].artifacts.files, ElementsAre("index.html"));
  EXPECT_EQ(secondary[0].artifacts.base_directory, "site");
  EXPECT_EQ(secondary[0].artifacts.name, "web-bundle");
  EXPECT_TRUE(secondary[0].artifacts.discard_paths);
  EXPECT_EQ(secondary[1].identifier, "api");
  EXPECT_THAT(secondary[1].artifacts.files, ElementsAre("api.zip"));
  EXPECT_THAT(secondary[1].artifacts.exclude_paths, ElementsAre("*.log"));
  EXPECT_TRUE(secondary[1].artifacts.enable_symlinks);
  EXPECT_EQ(secondary[1].artifacts.s3_prefix, "api");
}

TEST_F(BuildspecParserTest, RejectsSecondaryArtifactWithoutFiles) {
  ASSERT_TRUE(rejects(minimal_with(
      "artifacts:\n  files: ['**/*']\n  secondary-artifacts:\n    out2:\n      name: x\n")));
  EXPECT_TRUE(has_error_under("artifacts.secondary-artifacts.out2"));
}

TEST_F(BuildspecParserTest, RejectsArtifactsFilesThatAreAMapping) {
  ASSERT_TRUE(rejects(minimal_with("artifacts:\n  files:\n    a: b\n")));
  EXPECT_TRUE(has_error("artifacts.files", 8, 5));
}

TEST_F(BuildspecParserTest, RejectsRequiredListsThatAreNull) {
  // `files:` / `paths:` with nothing after them give no files: as if missing.
  for (const char* extra : {"artifacts:\n  files:\n",
                            "artifacts:\n  files: [a]\n  secondary-artifacts:\n    s:\n      files:\n",
                            "reports:\n  unit:\n    files:\n", "cache:\n  paths:\n"}) {
    SCOPED_TRACE(extra);
    EXPECT_TRUE(rejects(minimal_with(extra)));
  }
}

// ---------------------------------------------------------------- cache

TEST_F(BuildspecParserTest, ReadsCache) {
  ASSERT_TRUE(parses(minimal_with(R"(cache:
  key: npm-$(codebuild-hash-files package-lock.json)
  fallback-keys:
    - npm-
    - base
  action: restore
  paths:
    - /root/.npm/**/*
    - node_modules/**/*
)")));
  ASSERT_TRUE(spec().cache);
  const model::CacheSpec& c = *spec().cache;
  EXPECT_THAT(c.paths, ElementsAre("/root/.npm/**/*", "node_modules/**/*"));
  EXPECT_EQ(c.key, "npm-$(codebuild-hash-files package-lock.json)");
  EXPECT_THAT(c.fallback_keys, ElementsAre("npm-", "base"));
  EXPECT_EQ(c.action, model::CacheAction::kRestore);
}

TEST_F(BuildspecParserTest, ReadsCacheActionSave) {
  ASSERT_TRUE(parses(minimal_with("cache:\n  paths: [a/**/*]\n  action: save\n")));
  EXPECT_EQ(spec().cache->action, model::CacheAction::kSave);
}

TEST_F(BuildspecParserTest, CacheHasDefaults) {
  ASSERT_TRUE(parses(minimal_with("cache:\n  paths:\n    - '/root/.m2/**/*'\n")));
  EXPECT_EQ(spec().cache->key, "");
  EXPECT_TRUE(spec().cache->fallback_keys.empty());
  EXPECT_EQ(spec().cache->action, model::CacheAction::kBoth);
}

TEST_F(BuildspecParserTest, RejectsCacheWithoutPaths) {
  ASSERT_TRUE(rejects(minimal_with("cache:\n  key: abc\n")));
  EXPECT_TRUE(has_error_under("cache"));
}

TEST_F(BuildspecParserTest, RejectsMoreThanFiveFallbackKeys) {
  ASSERT_TRUE(parses(minimal_with("cache:\n  paths: [x]\n  key: k\n  fallback-keys: [a, b, c, d, e]\n")));
  ASSERT_TRUE(rejects(minimal_with("cache:\n  paths: [x]\n  key: k\n  fallback-keys: [a, b, c, d, e, f]\n")));
  EXPECT_TRUE(has_error_under("cache.fallback-keys"));
}

TEST_F(BuildspecParserTest, RejectsUnknownCacheAction) {
  ASSERT_TRUE(rejects(minimal_with("cache:\n  paths: [x]\n  action: sync\n")));
  EXPECT_TRUE(has_error("cache.action", 8, 11));
}

// ---------------------------------------------------------------- batch

TEST_F(BuildspecParserTest, ReadsBatchBuildList) {
  ASSERT_TRUE(parses(minimal_with(R"(batch:
  fast-fail: true
  build-list:
    - identifier: linux_small
      buildspec: ci/linux.yml
      env:
        compute-type: BUILD_GENERAL1_SMALL
        image: aws/codebuild/standard:7.0
        privileged-mode: yes
        type: LINUX_CONTAINER
        variables:
          B: 2
          A: one
      ignore-failure: yes
      debug-session: true
    - identifier: Windows2
)")));
  ASSERT_TRUE(spec().batch);
  const model::BatchSpec& b = *spec().batch;
  EXPECT_TRUE(b.fast_fail);
  EXPECT_EQ(b.kind, model::BatchKind::kBuildList);
  ASSERT_EQ(b.tasks.size(), 2u);
  const model::BatchTaskSpec& t = b.tasks[0];
  EXPECT_EQ(t.identifier, "linux_small");
  EXPECT_EQ(t.buildspec, "ci/linux.yml");
  EXPECT_EQ(t.env.compute_type, "BUILD_GENERAL1_SMALL");
  EXPECT_EQ(t.env.image, "aws/codebuild/standard:7.0");
  EXPECT_EQ(t.env.privileged_mode, std::optional<bool>(true));
  EXPECT_EQ(t.env.type, "LINUX_CONTAINER");
  EXPECT_THAT(t.env.variables, ElementsAre(Pair("B", "2"), Pair("A", "one")));
  EXPECT_TRUE(t.ignore_failure);
  EXPECT_TRUE(t.debug_session);
  EXPECT_EQ(b.tasks[1].identifier, "Windows2");
}

TEST_F(BuildspecParserTest, BatchTaskHasDefaults) {
  ASSERT_TRUE(parses(minimal_with("batch:\n  build-list:\n    - identifier: only\n")));
  const model::BatchSpec& b = *spec().batch;
  EXPECT_FALSE(b.fast_fail);
  ASSERT_EQ(b.tasks.size(), 1u);
  const model::BatchTaskSpec& t = b.tasks[0];
  EXPECT_EQ(t.buildspec, "");
  EXPECT_EQ(t.env.compute_type, "");
  EXPECT_EQ(t.env.image, "");
  EXPECT_FALSE(t.env.privileged_mode.has_value());
  EXPECT_EQ(t.env.type, "");
  EXPECT_TRUE(t.env.variables.empty());
  EXPECT_TRUE(t.depend_on.empty());
  EXPECT_FALSE(t.ignore_failure);
  EXPECT_FALSE(t.debug_session);
}

TEST_F(BuildspecParserTest, AcceptsBatchWithoutPhases) {
  ASSERT_TRUE(parses(R"(version: 0.2
batch:
  fast-fail: false
  build-list:
    - identifier: first
      buildspec: first.yml
)"));
  ASSERT_TRUE(spec().batch);
  EXPECT_FALSE(spec().phases.build.has_value());
}

TEST_F(BuildspecParserTest, ReadsBatchBuildGraph) {
  ASSERT_TRUE(parses(minimal_with(R"(batch:
  build-graph:
    - identifier: build1
    - identifier: build2
      depend-on:
        - build1
    - identifier: build3
      depend-on:
        - build1
        - build2
)")));
  const model::BatchSpec& b = *spec().batch;
  EXPECT_EQ(b.kind, model::BatchKind::kBuildGraph);
  ASSERT_EQ(b.tasks.size(), 3u);
  EXPECT_TRUE(b.tasks[0].depend_on.empty());
  EXPECT_THAT(b.tasks[1].depend_on, ElementsAre("build1"));
  EXPECT_THAT(b.tasks[2].depend_on, ElementsAre("build1", "build2"));
}

TEST_F(BuildspecParserTest, ReadsBatchBuildMatrix) {
  ASSERT_TRUE(parses(minimal_with(R"(batch:
  build-matrix:
    static:
      ignore-failure: yes
      env:
        type: LINUX_CONTAINER
        privileged-mode: true
        compute-type: BUILD_GENERAL1_MEDIUM
    dynamic:
      buildspec:
        - matrix1.yml
        - matrix2.yml
      env:
        compute-type:
          - BUILD_GENERAL1_SMALL
          - BUILD_GENERAL1_LARGE
        image:
          - aws/codebuild/standard:6.0
        variables:
          WORKERS:
            - 1
            - 2
          GROUP:
            - ui
)")));
  const model::BatchSpec& b = *spec().batch;
  EXPECT_EQ(b.kind, model::BatchKind::kBuildMatrix);
  ASSERT_TRUE(b.matrix);
  const model::BatchMatrixSpec& m = *b.matrix;
  EXPECT_TRUE(m.static_settings.ignore_failure);
  EXPECT_EQ(m.static_settings.env.type, "LINUX_CONTAINER");
  EXPECT_EQ(m.static_settings.env.privileged_mode, std::optional<bool>(true));
  EXPECT_EQ(m.static_settings.env.compute_type, "BUILD_GENERAL1_MEDIUM");
  EXPECT_THAT(m.buildspecs, ElementsAre("matrix1.yml", "matrix2.yml"));
  EXPECT_THAT(m.compute_types, ElementsAre("BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_LARGE"));
  EXPECT_THAT(m.images, ElementsAre("aws/codebuild/standard:6.0"));
  ASSERT_EQ(m.variables.size(), 2u);
  EXPECT_EQ(m.variables[0].first, "WORKERS");
  EXPECT_THAT(m.variables[0].second, ElementsAre("1", "2"));
  EXPECT_EQ(m.variables[1].first, "GROUP");
  EXPECT_THAT(m.variables[1].second, ElementsAre("ui"));
}

TEST_F(BuildspecParserTest, ReadsBatchBuildFanout) {
  ASSERT_TRUE(parses(minimal_with(
      "batch:\n  fast-fail: false\n  build-fanout:\n    parallelism: 5\n    ignore-failure: yes\n")));
  const model::BatchSpec& b = *spec().batch;
  EXPECT_EQ(b.kind, model::BatchKind::kBuildFanout);
  EXPECT_EQ(b.fanout_parallelism, 5);
  EXPECT_TRUE(b.fanout_ignore_failure);
}

TEST_F(BuildspecParserTest, RejectsBatchWithTwoKinds) {
  ASSERT_TRUE(rejects(minimal_with(
      "batch:\n  build-list:\n    - identifier: a\n  build-graph:\n    - identifier: b\n")));
  EXPECT_TRUE(has_error_under("batch"));
}

TEST_F(BuildspecParserTest, RejectsBatchWithNoKind) {
  ASSERT_TRUE(rejects(minimal_with("batch:\n  fast-fail: true\n")));
  EXPECT_TRUE(has_error_under("batch"));
}

TEST_F(BuildspecParserTest, RejectsBatchTaskWithoutIdentifier) {
  ASSERT_TRUE(rejects(minimal_with("batch:\n  build-list:\n    - buildspec: a.yml\n")));
  EXPECT_TRUE(has_error_under("batch.build-list", 8));
}

TEST_F(BuildspecParserTest, RejectsDuplicateBatchIdentifier) {
  ASSERT_TRUE(rejects(minimal_with(
      "batch:\n  build-list:\n    - identifier: same\n    - identifier: same\n")));
  EXPECT_TRUE(has_error_under("batch.build-list", 9));
}

TEST_F(BuildspecParserTest, RejectsBatchIdentifierWithInvalidCharacters) {
  for (const char* id : {"my-task", "has space", "dot.ted", "\"\""}) {
    SCOPED_TRACE(id);
    ASSERT_TRUE(rejects(minimal_with(std::string("batch:\n  build-list:\n    - identifier: ") + id +
                                     "\n")));
    EXPECT_TRUE(has_error_under("batch.build-list", 8));
  }
}

TEST_F(BuildspecParserTest, RejectsDependOnUnknownIdentifier) {
  ASSERT_TRUE(rejects(minimal_with(
      "batch:\n  build-graph:\n    - identifier: a\n    - identifier: b\n      depend-on:\n"
      "        - nosuch\n")));
  EXPECT_TRUE(has_error_under("batch.build-graph", 11));
}

TEST_F(BuildspecParserTest, RejectsDependOnCycle) {
  ASSERT_TRUE(rejects(minimal_with(R"(batch:
  build-graph:
    - identifier: a
      depend-on: [c]
    - identifier: b
      depend-on: [a]
    - identifier: c
      depend-on: [b]
)")));
  EXPECT_TRUE(has_error_under("batch.build-graph"));
}

TEST_F(BuildspecParserTest, RejectsTaskThatDependsOnItself) {
  ASSERT_TRUE(rejects(minimal_with(
      "batch:\n  build-graph:\n    - identifier: a\n      depend-on: [a]\n")));
  EXPECT_TRUE(has_error_under("batch.build-graph"));
}

// ---------------------------------------------------------------- unknown keys

TEST_F(BuildspecParserTest, WarnsOnUnknownTopLevelKey) {
  ASSERT_TRUE(parses(minimal_with("artifact:\n  files: ['**/*']\n")));
  EXPECT_TRUE(has_warning("artifact", 6, 1));
  EXPECT_FALSE(spec().artifacts.has_value());
}

TEST_F(BuildspecParserTest, WarnsOnUnknownKeyInsidePhase) {
  ASSERT_TRUE(parses("version: 0.2\nphases:\n  build:\n    timeout: 5\n    commands: [make]\n"));
  EXPECT_TRUE(has_warning("phases.build.timeout", 4, 5));
}

TEST_F(BuildspecParserTest, WarnsOnUnknownKeyInsideArtifacts) {
  ASSERT_TRUE(parses(minimal_with("artifacts:\n  files: ['**/*']\n  packaging: zip\n")));
  EXPECT_TRUE(has_warning("artifacts.packaging", 8, 3));
}

TEST_F(BuildspecParserTest, WarnsOnUnknownKeysElsewhere) {
  ASSERT_TRUE(parses(minimal_with(R"(env:
  shel: bash
proxy:
  log: yes
cache:
  paths: [x]
  ttl: 5
reports:
  unit:
    files: [a.xml]
    format: JUNITXML
)")));
  EXPECT_TRUE(has_warning("env.shel", 7, 3));
  EXPECT_TRUE(has_warning("proxy.log", 9, 3));
  EXPECT_TRUE(has_warning("cache.ttl", 12, 3));
  EXPECT_TRUE(has_warning("reports.unit.format", 16, 5));
  EXPECT_EQ(spec().env.shell, "");
}

TEST_F(BuildspecParserTest, WarningMessageNamesTheKey) {
  ASSERT_TRUE(parses(minimal_with("artifcats:\n  files: x\n")));
  ASSERT_EQ(result_.warnings().size(), 1u) << describe(result_);
  Diagnostic w = result_.warnings()[0];
  EXPECT_TRUE(w.path.find("artifcats") != std::string::npos ||
              w.message.find("artifcats") != std::string::npos)
      << w.to_string();
}

// ---------------------------------------------------------------- duplicates

// True when `message` contains `number` as a whole number.
bool mentions_number(const std::string& message, int number) {
  return std::regex_search(message, std::regex("(^|[^0-9])" + std::to_string(number) + "([^0-9]|$)"));
}

TEST_F(BuildspecParserTest, RejectsDuplicateTopLevelKey) {
  ASSERT_TRUE(rejects(R"(version: 0.2
env:
  shell: bash
proxy:
  logs: yes
phases:
  install:
    runtime-versions:
phases:
  build:
    commands: [make]
)"));
  bool found = false;
  for (const Diagnostic& d : result_.errors())
    found |= d.line == 9 && d.column == 1 && d.message.find("phases") != std::string::npos &&
             mentions_number(d.message, 6);
  EXPECT_TRUE(found) << "want an error at 9:1 naming 'phases' and line 6:\n" << describe(result_);
}

TEST_F(BuildspecParserTest, RejectsDuplicateEnvVariable) {
  ASSERT_TRUE(rejects(minimal_with(R"(env:
  variables:
    AWS_DEFAULT_REGION: us-east-1
    OTHER: x
    AWS_DEFAULT_REGION: eu-west-1
)")));
  bool found = false;
  for (const Diagnostic& d : result_.errors())
    found |= d.line == 10 && d.column == 5 &&
             d.message.find("AWS_DEFAULT_REGION") != std::string::npos &&
             mentions_number(d.message, 8);
  EXPECT_TRUE(found) << "want an error at 10:5 naming the key and line 8:\n" << describe(result_);
}

TEST_F(BuildspecParserTest, RejectsDuplicateKeyInsidePhase) {
  ASSERT_TRUE(rejects(R"(version: 0.2
phases:
  build:
    commands:
      - make
    finally: [a]
    commands:
      - make check
)"));
  bool found = false;
  for (const Diagnostic& d : result_.errors())
    found |= d.line == 7 && d.column == 5 && d.message.find("commands") != std::string::npos &&
             mentions_number(d.message, 4);
  EXPECT_TRUE(found) << "want an error at 7:5 naming 'commands' and line 4:\n" << describe(result_);
}

TEST_F(BuildspecParserTest, RejectsDuplicateKeyInUnknownSection) {
  // Duplicate keys are a YAML error even where the keys themselves are ignored.
  ASSERT_TRUE(rejects(minimal_with("x-extra:\n  a: 1\n  a: 2\n")));
  EXPECT_EQ(first_error().line, 8) << describe(result_);
}

// ---------------------------------------------------------------- wrong types

TEST_F(BuildspecParserTest, RejectsWrongTypesAtTheValue) {
  struct Case {
    std::string extra;
    const char* path;
    int line;
    int column;
  };
  for (const Case& c : std::vector<Case>{
           {"env: bash\n", "env", 6, 6},
           {"env:\n  shell: [bash]\n", "env.shell", 7, 10},
           {"env:\n  exported-variables:\n    A: b\n", "env.exported-variables", 8, 5},
           {"run-as: {user: x}\n", "run-as", 6, 9},
           {"artifacts: '**/*'\n", "artifacts", 6, 12},
           {"reports:\n  - files: [a]\n", "reports", 7, 3},
           {"cache:\n  paths: {a: b}\n", "cache.paths", 7, 10},
           {"batch:\n  build-fanout:\n    parallelism: many\n", "batch.build-fanout.parallelism",
            8, 18},
       }) {
    SCOPED_TRACE(c.extra);
    ASSERT_TRUE(rejects(minimal_with(c.extra)));
    EXPECT_TRUE(has_error(c.path, c.line, c.column));
  }
}

// ---------------------------------------------------------------- diagnostics

TEST_F(BuildspecParserTest, DiagnosticToStringHasEveryPart) {
  Diagnostic d;
  d.severity = Severity::kError;
  d.file = "ci/buildspec.yml";
  d.line = 14;
  d.column = 7;
  d.path = "phases.build.commands[2]";
  d.message = "expected a string";
  EXPECT_EQ(d.to_string(), "ci/buildspec.yml:14:7: error: phases.build.commands[2]: expected a string");
  d.severity = Severity::kWarning;
  EXPECT_EQ(d.to_string(), "ci/buildspec.yml:14:7: warning: phases.build.commands[2]: expected a string");
}

TEST_F(BuildspecParserTest, DiagnosticToStringLeavesOutMissingParts) {
  Diagnostic d;
  d.file = "big.yml";
  d.message = "file is too large";
  std::string text = d.to_string();
  EXPECT_EQ(text.rfind("big.yml", 0), 0u) << text;
  EXPECT_THAT(text, HasSubstr("error: file is too large"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr(":0")));
}

TEST_F(BuildspecParserTest, ParseErrorPrintsAsFileLineColumnPath) {
  ASSERT_TRUE(rejects("version: 0.2\nphases:\n  build:\n    commands:\n      - echo a: b\n"));
  EXPECT_EQ(first_error().to_string().rfind("buildspec.yml:5:9: error: phases.build.commands[0]: ", 0),
            0u)
      << first_error().to_string();
}

TEST_F(BuildspecParserTest, DiagnosticsNameTheGivenFile) {
  ParseResult r = parse_buildspec("version: 9\n", "<buildspecOverride>");
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(r.diagnostics.empty());
  for (const Diagnostic& d : r.diagnostics) EXPECT_EQ(d.file, "<buildspecOverride>");
}

TEST_F(BuildspecParserTest, DiagnosticsAreInDocumentOrder) {
  ASSERT_TRUE(parses(R"(version: 0.2
zz-first: 1
phases:
  build:
    aa-second: 2
    commands: [make]
mm-third: 3
)"));
  std::vector<int> lines;
  for (const Diagnostic& d : result_.diagnostics) lines.push_back(d.line);
  EXPECT_THAT(lines, ElementsAre(2, 5, 7));
}

TEST_F(BuildspecParserTest, SplitsErrorsFromWarnings) {
  ASSERT_TRUE(rejects(minimal_with("unknown: 1\nenv:\n  shell: zsh\n")));
  ASSERT_EQ(result_.errors().size(), 1u) << describe(result_);
  ASSERT_EQ(result_.warnings().size(), 1u) << describe(result_);
  EXPECT_TRUE(result_.errors()[0].is_error());
  EXPECT_FALSE(result_.warnings()[0].is_error());
  EXPECT_EQ(result_.errors()[0].path, "env.shell");
  EXPECT_EQ(result_.warnings()[0].path, "unknown");
}

TEST_F(BuildspecParserTest, ReportsEveryErrorNotJustTheFirst) {
  ASSERT_TRUE(rejects(minimal_with("env:\n  shell: zsh\nproxy:\n  logs: perhaps\n")));
  EXPECT_TRUE(has_error("env.shell", 7));
  EXPECT_TRUE(has_error("proxy.logs", 9));
}

}  // namespace
}  // namespace kiln::buildspec
