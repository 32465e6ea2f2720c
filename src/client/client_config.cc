// SPDX-License-Identifier: Apache-2.0
#include "client/client_config.h"

#include <cstdlib>
#include <utility>

#include "client/ini_file.h"

namespace kiln::client {

namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string expand_home(const std::string& path) {
  if (path.rfind("~/", 0) != 0) return path;
  auto home = env("HOME");
  return home ? *home + path.substr(1) : path;
}

// A file to read and who chose it: a file named by a flag or variable must
// exist; the default location may not.
struct FileChoice {
  std::string path;      // empty: no candidate at all (no $HOME)
  std::string named_by;  // "" for the default location
};

// What reading a FileChoice gave, with a word on its state for messages.
struct LoadedFile {
  std::optional<IniFile> ini;
  std::string state;  // "not found", "no $HOME", ""
};

Result<LoadedFile> load(const FileChoice& choice) {
  if (choice.path.empty()) return LoadedFile{std::nullopt, "no $HOME to find it in"};
  auto ini = IniFile::load(choice.path);
  if (ini.is_ok()) return LoadedFile{std::move(ini).value(), ""};
  if (ini.status().code() == ErrorCode::kNotFound && choice.named_by.empty())
    return LoadedFile{std::nullopt, "does not exist"};
  if (!choice.named_by.empty() && ini.status().code() != ErrorCode::kInvalidInput) {
    return Status(ini.status().code(),
                  choice.named_by + " names " + choice.path + ": " + ini.status().message());
  }
  return ini.status();
}

FileChoice default_location(const char* relative) {
  auto home = env("HOME");
  return FileChoice{home ? *home + relative : "", ""};
}

// A key of the kiln config for `profile`: its section ([name] or
// [profile name]) first, then the keys before any section.
std::optional<std::string> config_value(const LoadedFile& config, const std::string& profile,
                                        const std::string& key) {
  if (!config.ini) return std::nullopt;
  for (const std::string& section : {"profile " + profile, profile, std::string()}) {
    if (auto value = config.ini->get(section, key)) return value;
  }
  return std::nullopt;
}

std::string describe(const FileChoice& choice, const LoadedFile& loaded) {
  if (choice.path.empty()) return "the default file (" + loaded.state + ")";
  return choice.path + (loaded.state.empty() ? "" : " (" + loaded.state + ")");
}

Result<std::string> resolve_endpoint(const ConfigFlags& flags, const std::string& profile,
                                     const FileChoice& choice, const LoadedFile& config) {
  std::optional<std::string> endpoint = flags.endpoint;
  if (!endpoint) endpoint = env("KILN_ENDPOINT");
  if (!endpoint) endpoint = config_value(config, profile, "endpoint");
  if (!endpoint) {
    return Status(ErrorCode::kInvalidInput,
                  "no kiln endpoint: pass --endpoint-url, set KILN_ENDPOINT, or add "
                  "'endpoint = http://HOST:PORT' to " +
                      describe(choice, config));
  }
  if (endpoint->rfind("http://", 0) != 0 && endpoint->rfind("https://", 0) != 0) {
    return Status(ErrorCode::kInvalidInput,
                  "kiln endpoint '" + *endpoint + "' must start with http:// or https://");
  }
  return *endpoint;
}

// Both halves of a key pair or neither; the names say where each half is set.
Result<std::optional<sigv4::Credentials>> key_pair(const std::optional<std::string>& id,
                                                   const std::optional<std::string>& secret,
                                                   const std::string& id_name,
                                                   const std::string& secret_name) {
  if (id && secret) return std::optional<sigv4::Credentials>(sigv4::Credentials{*id, *secret});
  if (!id && !secret) return std::optional<sigv4::Credentials>();
  const std::string& set = id ? id_name : secret_name;
  const std::string& unset = id ? secret_name : id_name;
  return Status(ErrorCode::kInvalidInput, set + " is set but " + unset + " is not");
}

Result<sigv4::Credentials> resolve_credentials(const ConfigFlags& flags, const std::string& profile,
                                               const LoadedFile& config) {
  auto from_flags = key_pair(flags.access_key_id, flags.secret_access_key, "--access-key-id",
                             "--secret-access-key");
  if (!from_flags.is_ok()) return from_flags.status();
  if (from_flags.value()) return *from_flags.value();

  std::string env_state = "not set";
  if (flags.profile) {
    env_state = "skipped because --profile was given";
  } else {
    auto from_env = key_pair(env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"),
                             "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
    if (!from_env.is_ok()) return from_env.status();
    if (from_env.value()) return *from_env.value();
  }

  FileChoice choice = default_location("/.aws/credentials");
  if (auto shared = env("AWS_SHARED_CREDENTIALS_FILE")) {
    choice = FileChoice{expand_home(*shared), "AWS_SHARED_CREDENTIALS_FILE"};
  } else if (auto named = config_value(config, profile, "credentials_file")) {
    choice = FileChoice{expand_home(*named), "credentials_file in the kiln config"};
  }
  auto loaded = load(choice);
  if (!loaded.is_ok()) return loaded.status();
  if (loaded->ini && loaded->ini->has_section(profile)) {
    auto from_file =
        key_pair(loaded->ini->get(profile, "aws_access_key_id"),
                 loaded->ini->get(profile, "aws_secret_access_key"),
                 choice.path + " [" + profile + "] aws_access_key_id", "aws_secret_access_key");
    if (!from_file.is_ok()) return from_file.status();
    if (from_file.value()) return *from_file.value();
  } else if (loaded->ini) {
    loaded->state = "no [" + profile + "] section";
  }
  return Status(ErrorCode::kInvalidInput,
                "no credentials for kiln: looked for --access-key-id/--secret-access-key, then "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment (" +
                    env_state + "), then profile [" + profile + "] of " +
                    describe(choice, loaded.value()) +
                    "; set one of them (`aws configure` writes the last)");
}

}  // namespace

Result<ClientConfig> resolve_client_config(const ConfigFlags& flags) {
  std::string profile = flags.profile.value_or(env("AWS_PROFILE").value_or("default"));

  FileChoice config_choice = default_location("/.config/kiln/config");
  if (flags.config_file) {
    config_choice = FileChoice{expand_home(*flags.config_file), "--config"};
  } else if (auto path = env("KILN_CONFIG")) {
    config_choice = FileChoice{expand_home(*path), "KILN_CONFIG"};
  }
  auto config = load(config_choice);
  if (!config.is_ok()) return config.status();

  ClientConfig out;
  auto endpoint = resolve_endpoint(flags, profile, config_choice, config.value());
  if (!endpoint.is_ok()) return endpoint.status();
  out.endpoint = std::move(endpoint).value();

  std::optional<std::string> region = flags.region;
  if (!region) region = env("AWS_REGION");
  if (!region) region = env("AWS_DEFAULT_REGION");
  if (!region) region = config_value(config.value(), profile, "region");
  if (region) out.region = *region;

  auto credentials = resolve_credentials(flags, profile, config.value());
  if (!credentials.is_ok()) return credentials.status();
  out.credentials = std::move(credentials).value();
  return out;
}

}  // namespace kiln::client
