// SPDX-License-Identifier: Apache-2.0
#include "client/client_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "support/test_support.h"

namespace kiln::client {
namespace {

// Every variable the resolver reads. The fixture clears them all, points
// HOME at a temp dir and puts the old values back afterwards.
constexpr const char* kVariables[] = {"HOME",
                                      "KILN_ENDPOINT",
                                      "KILN_CONFIG",
                                      "AWS_ACCESS_KEY_ID",
                                      "AWS_SECRET_ACCESS_KEY",
                                      "AWS_REGION",
                                      "AWS_DEFAULT_REGION",
                                      "AWS_PROFILE",
                                      "AWS_SHARED_CREDENTIALS_FILE"};

class ClientConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kVariables) {
      if (const char* value = std::getenv(name)) saved_[name] = value;
      ::unsetenv(name);
    }
    ::setenv("HOME", home_.path().c_str(), 1);
  }
  void TearDown() override {
    for (const char* name : kVariables) {
      auto found = saved_.find(name);
      if (found == saved_.end()) {
        ::unsetenv(name);
      } else {
        ::setenv(name, found->second.c_str(), 1);
      }
    }
  }
  static void set(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }
  std::string write_credentials(const std::string& relative, const std::string& profile,
                                const std::string& key_id, const std::string& secret) {
    return home_.write(relative, "[" + profile + "]\naws_access_key_id = " + key_id +
                                     "\naws_secret_access_key = " + secret + "\n");
  }

  kiln::testing::TempDir home_;
  std::map<std::string, std::string> saved_;
};

TEST_F(ClientConfigTest, FlagsBeatEnvironmentBeatConfigFile) {
  home_.write(".config/kiln/config", "endpoint = http://from-file:1\nregion = file-region\n");
  write_credentials(".aws/credentials", "default", "AKIDFILE", "file-secret");

  auto from_file = resolve_client_config({});
  ASSERT_TRUE(from_file.is_ok()) << from_file.status().to_string();
  EXPECT_EQ(from_file->endpoint, "http://from-file:1");
  EXPECT_EQ(from_file->region, "file-region");
  EXPECT_EQ(from_file->credentials.access_key_id, "AKIDFILE");
  EXPECT_EQ(from_file->credentials.secret_access_key, "file-secret");

  set("KILN_ENDPOINT", "http://from-env:2");
  set("AWS_DEFAULT_REGION", "env-default-region");
  set("AWS_ACCESS_KEY_ID", "AKIDENV");
  set("AWS_SECRET_ACCESS_KEY", "env-secret");
  auto from_env = resolve_client_config({});
  ASSERT_TRUE(from_env.is_ok()) << from_env.status().to_string();
  EXPECT_EQ(from_env->endpoint, "http://from-env:2");
  EXPECT_EQ(from_env->region, "env-default-region");
  EXPECT_EQ(from_env->credentials.access_key_id, "AKIDENV");

  set("AWS_REGION", "env-region");
  EXPECT_EQ(resolve_client_config({})->region, "env-region");

  ConfigFlags flags;
  flags.endpoint = "https://from-flag:3";
  flags.region = "flag-region";
  flags.access_key_id = "AKIDFLAG";
  flags.secret_access_key = "flag-secret";
  auto from_flags = resolve_client_config(flags);
  ASSERT_TRUE(from_flags.is_ok()) << from_flags.status().to_string();
  EXPECT_EQ(from_flags->endpoint, "https://from-flag:3");
  EXPECT_EQ(from_flags->region, "flag-region");
  EXPECT_EQ(from_flags->credentials.access_key_id, "AKIDFLAG");
  EXPECT_EQ(from_flags->credentials.secret_access_key, "flag-secret");
}

TEST_F(ClientConfigTest, RegionDefaultsToUsEast1) {
  set("KILN_ENDPOINT", "http://localhost:8080");
  set("AWS_ACCESS_KEY_ID", "AKID");
  set("AWS_SECRET_ACCESS_KEY", "secret");
  auto config = resolve_client_config({});
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->region, "us-east-1");
  EXPECT_EQ(config->timeout, std::chrono::seconds(60));
}

TEST_F(ClientConfigTest, ProfileSelectsSectionsOfBothFiles) {
  home_.write(".config/kiln/config",
              "endpoint = http://shared:1\nregion = shared-region\n"
              "[profile ci]\nregion = ci-region\n[default]\nendpoint = http://default:1\n");
  home_.write(
      ".aws/credentials",
      "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\n"
      "aws_secret_access_key = default-secret\n\n"
      "[ci]\n; another comment\naws_access_key_id=AKIDCI\naws_secret_access_key=ci#secret\n");
  auto by_default = resolve_client_config({});
  ASSERT_TRUE(by_default.is_ok()) << by_default.status().to_string();
  EXPECT_EQ(by_default->endpoint, "http://default:1");
  EXPECT_EQ(by_default->region, "shared-region");
  EXPECT_EQ(by_default->credentials.access_key_id, "AKIDDEFAULT");

  set("AWS_PROFILE", "ci");
  auto ci = resolve_client_config({});
  ASSERT_TRUE(ci.is_ok()) << ci.status().to_string();
  EXPECT_EQ(ci->endpoint, "http://shared:1");
  EXPECT_EQ(ci->region, "ci-region");
  EXPECT_EQ(ci->credentials.access_key_id, "AKIDCI");
  EXPECT_EQ(ci->credentials.secret_access_key, "ci#secret");
}

TEST_F(ClientConfigTest, ProfileFlagSkipsEnvironmentCredentialsButAwsProfileDoesNot) {
  set("KILN_ENDPOINT", "http://localhost:8080");
  set("AWS_ACCESS_KEY_ID", "AKIDENV");
  set("AWS_SECRET_ACCESS_KEY", "env-secret");
  write_credentials(".aws/credentials", "ci", "AKIDCI", "ci-secret");

  set("AWS_PROFILE", "ci");
  EXPECT_EQ(resolve_client_config({})->credentials.access_key_id, "AKIDENV");

  ConfigFlags flags;
  flags.profile = "ci";
  auto config = resolve_client_config(flags);
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->credentials.access_key_id, "AKIDCI");
}

TEST_F(ClientConfigTest, CredentialsFileComesFromEnvironmentThenConfigThenHome) {
  set("KILN_ENDPOINT", "http://localhost:8080");
  write_credentials(".aws/credentials", "default", "AKIDHOME", "s");
  std::string named = write_credentials("kiln-creds", "default", "AKIDCONFIG", "s");
  std::string shared = write_credentials("shared-creds", "default", "AKIDSHARED", "s");
  home_.write(".config/kiln/config", "credentials_file = ~/kiln-creds\n");

  EXPECT_EQ(resolve_client_config({})->credentials.access_key_id, "AKIDCONFIG");
  set("AWS_SHARED_CREDENTIALS_FILE", shared);
  EXPECT_EQ(resolve_client_config({})->credentials.access_key_id, "AKIDSHARED");
}

TEST_F(ClientConfigTest, KilnConfigVariableAndFlagNameTheConfigFile) {
  set("AWS_ACCESS_KEY_ID", "AKID");
  set("AWS_SECRET_ACCESS_KEY", "secret");
  std::string by_env = home_.write("by-env.ini", "endpoint = http://by-env:1\n");
  std::string by_flag = home_.write("by-flag.ini", "endpoint = http://by-flag:1\n");
  set("KILN_CONFIG", by_env);
  EXPECT_EQ(resolve_client_config({})->endpoint, "http://by-env:1");
  ConfigFlags flags;
  flags.config_file = by_flag;
  EXPECT_EQ(resolve_client_config(flags)->endpoint, "http://by-flag:1");
}

TEST_F(ClientConfigTest, MissingEndpointNamesEveryPlaceLookedIn) {
  set("AWS_ACCESS_KEY_ID", "AKID");
  set("AWS_SECRET_ACCESS_KEY", "secret");
  auto config = resolve_client_config({});
  ASSERT_FALSE(config.is_ok());
  EXPECT_EQ(config.status().code(), ErrorCode::kInvalidInput);
  const std::string& message = config.status().message();
  EXPECT_NE(message.find("--endpoint-url"), std::string::npos) << message;
  EXPECT_NE(message.find("KILN_ENDPOINT"), std::string::npos) << message;
  EXPECT_NE(message.find(home_.path() + "/.config/kiln/config (does not exist)"), std::string::npos)
      << message;
}

TEST_F(ClientConfigTest, MissingCredentialsNameEveryPlaceLookedIn) {
  set("KILN_ENDPOINT", "http://localhost:8080");
  home_.write(".aws/credentials", "[other]\naws_access_key_id = A\naws_secret_access_key = B\n");
  auto config = resolve_client_config({});
  ASSERT_FALSE(config.is_ok());
  EXPECT_EQ(config.status().code(), ErrorCode::kInvalidInput);
  const std::string& message = config.status().message();
  EXPECT_NE(message.find("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"), std::string::npos) << message;
  EXPECT_NE(message.find("profile [default] of " + home_.path() +
                         "/.aws/credentials (no [default] section)"),
            std::string::npos)
      << message;
}

TEST_F(ClientConfigTest, HalfAKeyPairIsAnError) {
  set("KILN_ENDPOINT", "http://localhost:8080");
  set("AWS_ACCESS_KEY_ID", "AKID");
  auto config = resolve_client_config({});
  ASSERT_FALSE(config.is_ok());
  EXPECT_EQ(config.status().message(), "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
}

TEST_F(ClientConfigTest, ExplicitlyNamedFilesMustExist) {
  set("KILN_ENDPOINT", "http://localhost:8080");
  set("KILN_CONFIG", home_.path() + "/nope.ini");
  auto config = resolve_client_config({});
  ASSERT_FALSE(config.is_ok());
  EXPECT_EQ(config.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(config.status().message().find("KILN_CONFIG names " + home_.path() + "/nope.ini"),
            std::string::npos)
      << config.status().message();

  ::unsetenv("KILN_CONFIG");
  set("AWS_SHARED_CREDENTIALS_FILE", home_.path() + "/missing-creds");
  auto credentials = resolve_client_config({});
  ASSERT_FALSE(credentials.is_ok());
  EXPECT_NE(credentials.status().message().find("AWS_SHARED_CREDENTIALS_FILE names"),
            std::string::npos)
      << credentials.status().message();
}

TEST_F(ClientConfigTest, MalformedFilesAndEndpointsAreRefusedWithWhere) {
  set("AWS_ACCESS_KEY_ID", "AKID");
  set("AWS_SECRET_ACCESS_KEY", "secret");
  std::string path = home_.write(".config/kiln/config", "endpoint = http://x:1\njust words\n");
  auto config = resolve_client_config({});
  ASSERT_FALSE(config.is_ok());
  EXPECT_EQ(config.status().message(),
            path + ":2: expected 'key = value', a [section] or a comment");

  home_.write(".config/kiln/config", "endpoint = localhost:8080\n");
  auto no_scheme = resolve_client_config({});
  ASSERT_FALSE(no_scheme.is_ok());
  EXPECT_EQ(no_scheme.status().message(),
            "kiln endpoint 'localhost:8080' must start with http:// or https://");
}

}  // namespace
}  // namespace kiln::client
