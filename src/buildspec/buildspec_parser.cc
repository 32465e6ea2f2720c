// SPDX-License-Identifier: Apache-2.0
// The buildspec schema (codebuild-semantics.md §1.3) over the YAML tree.
#include "buildspec/buildspec_parser.h"

#include <algorithm>
#include <cctype>

#include "buildspec/batch_reader.h"
#include "buildspec/node_reader.h"
#include "buildspec/yaml_document.h"
#include "common/file_util.h"

namespace kiln::buildspec {

std::string Diagnostic::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += is_error() ? ": error: " : ": warning: ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

std::vector<Diagnostic> ParseResult::errors() const {
  std::vector<Diagnostic> out;
  for (const auto& d : diagnostics)
    if (d.is_error()) out.push_back(d);
  return out;
}

std::vector<Diagnostic> ParseResult::warnings() const {
  std::vector<Diagnostic> out;
  for (const auto& d : diagnostics)
    if (!d.is_error()) out.push_back(d);
  return out;
}

namespace {

const std::initializer_list<std::string_view> kPhaseNames = {"install", "pre_build", "build",
                                                                  "post_build"};
const std::initializer_list<std::string_view> kShells = {
    "sh", "/bin/sh", "bash", "/bin/bash", "powershell.exe", "cmd.exe"};
const std::initializer_list<std::string_view> kReportFormats = {
    "JUNITXML",     "CUCUMBERJSON", "NUNITXML",     "NUNIT3XML", "TESTNGXML",
    "VISUALSTUDIOTRX", "CLOVERXML", "COBERTURAXML", "JACOCOXML", "SIMPLECOV"};
constexpr size_t kMaxReportGroups = 5;     // per project, §1.3
constexpr size_t kMaxFallbackKeys = 5;     // §7.2
constexpr size_t kMaxSecondaryArtifacts = 12;  // §8

bool contains(std::initializer_list<std::string_view> set, std::string_view value) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool is_env_name(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return is_identifier(s);
}

// What a command mapping looked like as text: `echo key: value` reads back
// as "echo key: value" so the message shows the user their own line.
std::string as_written(const YamlNode& map) {
  if (map.entries.empty()) return "";
  const auto& [k, v] = map.entries.front();
  std::string out = k->value + ":";
  if (v->kind == YamlNode::Kind::kScalar) out += " " + v->value;
  return out;
}

class SpecReader {
 public:
  explicit SpecReader(NodeReader& reader) : r_(reader) {}

  model::BuildSpec read(const YamlNode& root) {
    model::BuildSpec spec;
    if (root.kind == YamlNode::Kind::kNull) {
      r_.error(std::max(root.line, 1), std::max(root.column, 1), "",
               "the buildspec is empty; expected a mapping with at least `version: 0.2` and "
               "`phases`");
      return spec;
    }
    if (!r_.expect_mapping(root, "",
                           "a mapping of buildspec keys (version, env, phases, artifacts, ...)"))
      return spec;
    read_version(root, spec);
    r_.for_each_key(
        root, "",
        {"version", "run-as", "env", "environment_variables", "proxy", "batch", "phases",
         "reports", "artifacts", "cache"},
        [&](const std::string& key, const YamlNode& value, const std::string& path) {
          read_top_level(key, value, path, spec);
        },
        [](const std::string& key) -> std::string {
          if (!contains(kPhaseNames, key)) return "";
          return "\"" + key + "\" is a phase and belongs under `phases:` (check its indentation)";
        });
    if (!root.find("phases") && !root.find("batch"))
      r_.error(root, "phases",
               "missing; expected `phases:` with at least one of install, pre_build, build, "
               "post_build");
    return spec;
  }

 private:
  void read_version(const YamlNode& root, model::BuildSpec& spec) {
    const YamlNode* version = root.find("version");
    if (!version) {
      r_.error(root, "version",
               "missing; expected `version: 0.2` (or 0.1) at the top of the file");
      return;
    }
    auto text = r_.text(*version, "version");
    if (!text) return;
    if (*text == "0.2") {
      spec.version = model::BuildSpecVersion::k0_2;
    } else if (*text == "0.1") {
      spec.version = model::BuildSpecVersion::k0_1;
    } else {
      r_.error(*version, "version", "expected 0.1 or 0.2, found \"" + *text + "\"");
    }
  }

  void read_top_level(const std::string& key, const YamlNode& value, const std::string& path,
                      model::BuildSpec& spec) {
    if (key == "version") return;  // read first, above
    if (key == "run-as") {
      if (auto v = r_.non_empty_text(value, path)) spec.run_as = *v;
    } else if (key == "env") {
      read_env(value, path, spec);
    } else if (key == "environment_variables") {
      read_v01_variables(value, path, spec);
    } else if (key == "proxy") {
      read_proxy(value, path, spec.proxy);
    } else if (key == "batch") {
      spec.batch = read_batch(r_, value, path);
    } else if (key == "phases") {
      read_phases(value, path, spec.phases);
    } else if (key == "reports") {
      read_reports(value, path, spec.reports);
    } else if (key == "artifacts") {
      if (value.kind == YamlNode::Kind::kNull) {
        r_.warning(value, path, "artifacts is empty; no artifacts will be uploaded");
        return;
      }
      spec.artifacts = read_artifacts(value, path, /*primary=*/true);
    } else if (key == "cache") {
      read_cache(value, path, spec);
    }
  }

  void read_env(const YamlNode& env, const std::string& path, model::BuildSpec& spec) {
    if (env.kind == YamlNode::Kind::kNull) return;
    if (!r_.expect_mapping(env, path, "a mapping (shell, variables, parameter-store, ...)")) return;
    r_.for_each_key(env, path,
                    {"shell", "variables", "parameter-store", "secrets-manager",
                     "exported-variables", "git-credential-helper"},
                    [&](const std::string& key, const YamlNode& value, const std::string& p) {
                      read_env_key(key, value, p, spec.env);
                    });
  }

  void read_env_key(const std::string& key, const YamlNode& value, const std::string& path,
                    model::EnvSpec& env) {
    if (key == "shell") {
      auto shell = r_.non_empty_text(value, path);
      if (shell && !contains(kShells, *shell))
        r_.error(value, path,
                 "unsupported shell \"" + *shell +
                     "\"; expected one of: sh, /bin/sh, bash, /bin/bash (Linux), "
                     "powershell.exe, cmd.exe (Windows)");
      else if (shell)
        env.shell = *shell;
    } else if (key == "variables") {
      read_variables(value, path, env.variables);
    } else if (key == "parameter-store") {
      read_references(value, path, env.parameter_store, "a parameter name");
    } else if (key == "secrets-manager") {
      // Entry i lines up with reference i only when every entry was read.
      if (read_references(value, path, env.secrets_manager, "a secret reference"))
        check_secret_references(value, path, env.secrets_manager);
    } else if (key == "exported-variables") {
      read_exported(value, path, env.exported_variables);
    } else if (key == "git-credential-helper") {
      if (auto v = r_.flag(value, path)) env.git_credential_helper = *v;
    }
  }

  // Values are literal text (no $VAR expansion, §1.3); names CodeBuild
  // reserves are dropped with a warning (§1.6).
  void read_variables(const YamlNode& value, const std::string& path, model::NamedValues& out) {
    auto vars = r_.text_map(value, path);
    if (!vars) return;
    // text_map keeps the entries' order, so entry i is variable i.
    for (size_t i = 0; i < vars->size(); ++i) {
      auto& [name, text] = (*vars)[i];
      const YamlNode* key = value.entries[i].first.get();
      std::string p = join_path(path, name);
      if (name.rfind("CODEBUILD_", 0) == 0) {
        r_.warning(*key, p, "names starting with CODEBUILD_ are reserved; this variable is ignored");
        continue;
      }
      if (!is_env_name(name))
        r_.warning(*key, p,
                   "\"" + name + "\" is not a valid shell variable name; commands cannot read it");
      out.emplace_back(std::move(name), std::move(text));
    }
  }

  // Returns true when every entry was read.
  bool read_references(const YamlNode& value, const std::string& path, model::NamedValues& out,
                       const std::string& what) {
    auto refs = r_.text_map(value, path);
    if (!refs) return false;
    bool ok = true;
    for (size_t i = 0; i < refs->size(); ++i) {
      auto& [name, ref] = (*refs)[i];
      if (ref.empty()) {
        r_.error(*value.entries[i].second, join_path(path, name), "expected " + what);
        ok = false;
        continue;
      }
      out.emplace_back(name, ref);
    }
    return ok;
  }

  // secret-id[:json-key[:version-stage[:version-id]]]; the id may itself be an
  // ARN with six colons. Stage and id are alternatives (§1.3).
  void check_secret_references(const YamlNode& value, const std::string& path,
                               const model::NamedValues& refs) {
    for (size_t i = 0; i < refs.size(); ++i) {
      const auto& [name, ref] = refs[i];
      const YamlNode& at = *value.entries[i].second;
      std::vector<std::string> parts;
      size_t start = 0;
      for (size_t pos; (pos = ref.find(':', start)) != std::string::npos; start = pos + 1)
        parts.push_back(ref.substr(start, pos - start));
      parts.push_back(ref.substr(start));
      size_t id_parts = (ref.rfind("arn:", 0) == 0) ? 7 : 1;
      if (parts.size() > id_parts + 3) {
        r_.error(at, join_path(path, name),
                 "expected secret-id[:json-key[:version-stage[:version-id]]], found \"" + ref +
                     "\"");
      } else if (parts.size() == id_parts + 3 && !parts[id_parts + 1].empty() &&
                 !parts[id_parts + 2].empty()) {
        r_.error(at, join_path(path, name),
                 "give a version-stage or a version-id, not both");
      }
    }
  }

  void read_exported(const YamlNode& value, const std::string& path,
                     std::vector<std::string>& out) {
    auto names = r_.text_list(value, path);
    if (!names) return;
    for (size_t i = 0; i < names->size(); ++i) {
      const std::string& name = (*names)[i];
      const YamlNode& at = value.kind == YamlNode::Kind::kSequence ? *value.items[i] : value;
      if (name.rfind("AWS_", 0) == 0)
        r_.warning(at, index_path(path, i),
                   "variables starting with AWS_ cannot be exported; \"" + name +
                       "\" will be left out");
      else if (!is_env_name(name))
        r_.error(at, index_path(path, i), "\"" + name + "\" is not a valid variable name");
      else
        out.push_back(name);
    }
  }

  // Version 0.1's `environment_variables: {plaintext: {...}}`.
  void read_v01_variables(const YamlNode& value, const std::string& path,
                          model::BuildSpec& spec) {
    if (spec.version != model::BuildSpecVersion::k0_1) {
      r_.warning(value, path,
                 "environment_variables is a version 0.1 key and is ignored in 0.2; use "
                 "env.variables");
      return;
    }
    if (value.kind == YamlNode::Kind::kNull) return;
    if (!r_.expect_mapping(value, path, "a mapping with plaintext")) return;
    r_.for_each_key(value, path, {"plaintext"},
                    [&](const std::string&, const YamlNode& v, const std::string& p) {
                      read_variables(v, p, spec.env.variables);
                    });
  }

  void read_proxy(const YamlNode& value, const std::string& path, model::ProxySpec& proxy) {
    if (value.kind == YamlNode::Kind::kNull) return;
    if (!r_.expect_mapping(value, path, "a mapping (upload-artifacts, logs)")) return;
    r_.for_each_key(value, path, {"upload-artifacts", "logs"},
                    [&](const std::string& key, const YamlNode& v, const std::string& p) {
                      auto f = r_.flag(v, p);
                      if (!f) return;
                      (key == "logs" ? proxy.logs : proxy.upload_artifacts) = *f;
                    });
  }

  void read_phases(const YamlNode& value, const std::string& path, model::PhasesSpec& phases) {
    if (value.kind != YamlNode::Kind::kMapping) {
      r_.error(value, path,
               std::string("expected a mapping of phases (install, pre_build, build, "
                           "post_build), found ") +
                   value.describe());
      return;
    }
    if (value.entries.empty())
      r_.error(value, path,
               "expected at least one phase (install, pre_build, build, post_build), found an "
               "empty mapping");
    for (const auto& [key, phase] : value.entries) {
      std::string p = join_path(path, key->value);
      // Phase names are fixed (§1.3): an unknown one would never run, so it is
      // an error rather than the usual unknown-key warning.
      if (!contains(kPhaseNames, key->value)) {
        r_.error(*key, p,
                 "unknown phase \"" + key->value +
                     "\"; expected one of: install, pre_build, build, post_build");
        continue;
      }
      if (phase->kind == YamlNode::Kind::kNull) {
        // install may be empty; the others need commands (§1.3).
        if (key->value == "install")
          r_.warning(*key, p, "the phase is empty and is skipped");
        else
          r_.error(*key, p,
                   "the phase is empty; expected `commands:` (a list of commands) under it");
        continue;
      }
      auto spec = read_phase(key->value, *phase, p);
      if (!spec) continue;
      if (key->value == "install") phases.install = std::move(spec);
      if (key->value == "pre_build") phases.pre_build = std::move(spec);
      if (key->value == "build") phases.build = std::move(spec);
      if (key->value == "post_build") phases.post_build = std::move(spec);
    }
  }

  std::optional<model::PhaseSpec> read_phase(const std::string& name, const YamlNode& value,
                                             const std::string& path) {
    if (value.kind == YamlNode::Kind::kSequence) {
      r_.error(value, path,
               "expected a mapping with `commands:`, found a list (put the list under "
               "`commands:`)");
      return std::nullopt;
    }
    if (!r_.expect_mapping(value, path, "a mapping (commands, finally, on-failure, run-as)"))
      return std::nullopt;
    model::PhaseSpec phase;
    r_.for_each_key(value, path,
                    {"run-as", "on-failure", "runtime-versions", "commands", "finally"},
                    [&](const std::string& key, const YamlNode& v, const std::string& p) {
                      read_phase_key(name, key, v, p, phase);
                    });
    if (name != "install" && phase.commands.empty() && phase.finally.empty() &&
        !value.find("commands") && !value.find("finally"))
      r_.error(value, path, "expected `commands:` (a list of commands) in the " + name + " phase");
    return phase;
  }

  void read_phase_key(const std::string& phase_name, const std::string& key, const YamlNode& v,
                      const std::string& path, model::PhaseSpec& phase) {
    if (key == "run-as") {
      if (auto s = r_.non_empty_text(v, path)) phase.run_as = *s;
    } else if (key == "on-failure") {
      read_on_failure(v, path, phase);
    } else if (key == "runtime-versions") {
      auto versions = r_.text_map(v, path);
      if (!versions) return;
      if (phase_name != "install") {
        r_.warning(v, path, "runtime-versions is read only in the install phase; ignored here");
        return;
      }
      phase.runtime_versions = std::move(*versions);
    } else if (key == "commands") {
      read_commands(v, path, phase.commands);
    } else if (key == "finally") {
      read_commands(v, path, phase.finally);
    }
  }

  // A list of commands; a single scalar (one multi-line string) is one command.
  void read_commands(const YamlNode& value, const std::string& path,
                     std::vector<std::string>& out) {
    if (value.kind == YamlNode::Kind::kNull) return;
    if (value.kind == YamlNode::Kind::kScalar) {
      out.push_back(value.value);
      return;
    }
    if (value.kind != YamlNode::Kind::kSequence) {
      r_.error(value, path, std::string("expected a list of commands, found ") + value.describe());
      return;
    }
    for (size_t i = 0; i < value.items.size(); ++i) {
      const YamlNode& item = *value.items[i];
      std::string p = index_path(path, i);
      if (item.kind == YamlNode::Kind::kScalar) {
        out.push_back(item.value);
      } else if (item.kind == YamlNode::Kind::kMapping) {
        // CodeBuild: "Expected Commands[N] to be of string type: found subkeys
        // instead" (§1.2). Show the line as YAML read it.
        r_.error(item, p,
                 "expected a command string, found subkeys instead: YAML reads `" +
                     as_written(item) +
                     "` as a key and a value because of the ': '; quote the whole command");
      } else {
        r_.error(item, p, std::string("expected a command string, found ") + item.describe());
      }
    }
  }

  // ABORT | CONTINUE | RETRY | RETRY-<count> | RETRY-<regex> | RETRY-<count>-<regex>.
  void read_on_failure(const YamlNode& v, const std::string& path, model::PhaseSpec& phase) {
    auto text = r_.non_empty_text(v, path);
    if (!text) return;
    const std::string& s = *text;
    if (s == "ABORT") {
      phase.on_failure = model::OnFailure::kAbort;
      return;
    }
    if (s == "CONTINUE") {
      phase.on_failure = model::OnFailure::kContinue;
      return;
    }
    if (s == "RETRY" || s.rfind("RETRY-", 0) == 0) {
      phase.on_failure = model::OnFailure::kRetry;
      if (s.size() <= 6) return;  // plain RETRY: 3 times, any error
      std::string rest = s.substr(6);
      size_t digits = 0;
      while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits])))
        ++digits;
      bool count_then_regex = digits > 0 && (digits == rest.size() || rest[digits] == '-');
      if (count_then_regex) {
        if (digits > 3 || std::stoi(rest.substr(0, digits)) > 100) {
          r_.error(v, path, "the retry count must be from 0 to 100, found " + rest.substr(0, digits));
          return;
        }
        phase.retry_count = std::stoi(rest.substr(0, digits));
        if (digits < rest.size()) phase.retry_regex = rest.substr(digits + 1);
      } else {
        phase.retry_regex = rest;
      }
      if (phase.retry_regex.empty())
        r_.error(v, path, "expected a regular expression after \"RETRY-\"");
      return;
    }
    r_.error(v, path,
             "expected ABORT, CONTINUE, RETRY, RETRY-<count>, RETRY-<regex> or "
             "RETRY-<count>-<regex>, found \"" + s + "\"");
  }

  void read_reports(const YamlNode& value, const std::string& path,
                    std::vector<model::ReportGroupSpec>& out) {
    if (value.kind == YamlNode::Kind::kNull) return;
    if (!r_.expect_mapping(value, path, "a mapping of report group names to report settings"))
      return;
    if (value.entries.size() > kMaxReportGroups)
      r_.error(*value.entries[kMaxReportGroups].first, path,
               "at most " + std::to_string(kMaxReportGroups) + " report groups are allowed, found " +
                   std::to_string(value.entries.size()));
    for (const auto& [key, group] : value.entries) {
      std::string p = join_path(path, key->value);
      if (!r_.expect_mapping(*group, p, "a mapping with files (and file-format, base-directory)"))
        continue;
      model::ReportGroupSpec report;
      report.name = key->value;
      r_.for_each_key(*group, p, {"files", "file-format", "base-directory", "discard-paths"},
                      [&](const std::string& k, const YamlNode& v, const std::string& kp) {
                        read_report_key(k, v, kp, report);
                      });
      require_non_empty(*group, p, "files", report.files.empty());
      out.push_back(std::move(report));
    }
  }

  void read_report_key(const std::string& key, const YamlNode& v, const std::string& path,
                       model::ReportGroupSpec& report) {
    if (key == "files") {
      if (auto files = r_.text_list(v, path)) report.files = std::move(*files);
    } else if (key == "file-format") {
      auto format = r_.non_empty_text(v, path);
      if (!format) return;
      std::string normalized = upper(*format);
      if (!contains(kReportFormats, normalized))
        r_.error(v, path,
                 "unknown report format \"" + *format +
                     "\"; expected one of: JUNITXML, CUCUMBERJSON, NUNITXML, NUNIT3XML, "
                     "TESTNGXML, VISUALSTUDIOTRX, CLOVERXML, COBERTURAXML, JACOCOXML, SIMPLECOV");
      else
        report.file_format = normalized;
    } else if (key == "base-directory") {
      if (auto s = r_.text(v, path, true)) report.base_directory = *s;
    } else if (key == "discard-paths") {
      if (auto f = r_.flag(v, path)) report.discard_paths = *f;
    }
  }

  std::optional<model::ArtifactsSpec> read_artifacts(const YamlNode& value,
                                                     const std::string& path, bool primary) {
    if (!r_.expect_mapping(value, path, "a mapping with files (and name, base-directory, ...)"))
      return std::nullopt;
    model::ArtifactsSpec artifacts;
    std::initializer_list<std::string_view> primary_keys = {
        "files", "name", "discard-paths", "base-directory", "exclude-paths", "enable-symlinks",
        "s3-prefix", "secondary-artifacts"};
    std::initializer_list<std::string_view> secondary_keys = {
        "files", "name", "discard-paths", "base-directory", "exclude-paths", "enable-symlinks",
        "s3-prefix"};
    r_.for_each_key(value, path, primary ? primary_keys : secondary_keys,
                    [&](const std::string& k, const YamlNode& v, const std::string& p) {
                      read_artifacts_key(k, v, p, artifacts);
                    });
    // `files` is required even when only secondary artifacts are used (§1.3).
    require_non_empty(value, path, "files", artifacts.files.empty());
    return artifacts;
  }

  void read_artifacts_key(const std::string& key, const YamlNode& v, const std::string& path,
                          model::ArtifactsSpec& a) {
    if (key == "files") {
      if (auto files = r_.text_list(v, path)) a.files = std::move(*files);
    } else if (key == "name") {
      if (auto s = r_.text(v, path, true)) a.name = *s;
    } else if (key == "discard-paths") {
      if (auto f = r_.flag(v, path)) a.discard_paths = *f;
    } else if (key == "base-directory") {
      if (auto s = r_.text(v, path, true)) a.base_directory = *s;
    } else if (key == "exclude-paths") {
      if (auto list = r_.text_list(v, path)) a.exclude_paths = std::move(*list);
    } else if (key == "enable-symlinks") {
      if (auto f = r_.flag(v, path)) a.enable_symlinks = *f;
    } else if (key == "s3-prefix") {
      if (auto s = r_.text(v, path, true)) a.s3_prefix = *s;
    } else if (key == "secondary-artifacts") {
      read_secondary_artifacts(v, path, a.secondary_artifacts);
    }
  }

  void read_secondary_artifacts(const YamlNode& value, const std::string& path,
                                std::vector<model::SecondaryArtifactsSpec>& out) {
    if (value.kind == YamlNode::Kind::kNull) return;
    if (!r_.expect_mapping(value, path, "a mapping of artifact identifiers to artifacts")) return;
    if (value.entries.size() > kMaxSecondaryArtifacts)
      r_.error(value, path,
               "at most " + std::to_string(kMaxSecondaryArtifacts) +
                   " secondary artifacts are allowed, found " +
                   std::to_string(value.entries.size()));
    for (const auto& [key, v] : value.entries) {
      std::string p = join_path(path, key->value);
      if (!is_identifier(key->value))
        r_.error(*key, p,
                 "artifact identifier \"" + key->value +
                     "\" may hold only letters, digits and underscores");
      if (auto a = read_artifacts(*v, p, /*primary=*/false))
        out.push_back(model::SecondaryArtifactsSpec{key->value, std::move(*a)});
    }
  }

  void read_cache(const YamlNode& value, const std::string& path, model::BuildSpec& spec) {
    if (value.kind == YamlNode::Kind::kNull) {
      r_.warning(value, path, "cache is empty; nothing will be cached");
      return;
    }
    if (!r_.expect_mapping(value, path, "a mapping with paths (and key, fallback-keys, action)"))
      return;
    model::CacheSpec cache;
    r_.for_each_key(value, path, {"paths", "key", "fallback-keys", "action"},
                    [&](const std::string& k, const YamlNode& v, const std::string& p) {
                      read_cache_key(k, v, p, cache);
                    });
    require_non_empty(value, path, "paths", cache.paths.empty());
    const YamlNode* fallback = value.find("fallback-keys");
    if (fallback && cache.key.empty())
      r_.warning(*fallback, join_path(path, "fallback-keys"),
                 "fallback-keys are used only together with key; ignored");
    spec.cache = std::move(cache);
  }

  void read_cache_key(const std::string& key, const YamlNode& v, const std::string& path,
                      model::CacheSpec& cache) {
    if (key == "paths") {
      if (auto list = r_.text_list(v, path)) cache.paths = std::move(*list);
    } else if (key == "key") {
      if (auto s = r_.text(v, path, true)) cache.key = *s;
    } else if (key == "fallback-keys") {
      auto list = r_.text_list(v, path);
      if (!list) return;
      if (list->size() > kMaxFallbackKeys)
        r_.error(v, path,
                 "at most " + std::to_string(kMaxFallbackKeys) + " fallback keys are allowed, found " +
                     std::to_string(list->size()));
      cache.fallback_keys = std::move(*list);
    } else if (key == "action") {
      auto s = r_.non_empty_text(v, path);
      if (!s) return;
      if (*s == "restore") {
        cache.action = model::CacheAction::kRestore;
      } else if (*s == "save") {
        cache.action = model::CacheAction::kSave;
      } else {
        r_.error(v, path, "expected restore or save, found \"" + *s + "\"");
      }
    }
  }

  // A required list: missing, or present but empty, is an error (a wrongly
  // typed value was reported already).
  void require_non_empty(const YamlNode& map, const std::string& path, const char* key,
                         bool empty) {
    const YamlNode* value = map.find(key);
    std::string p = join_path(path, key);
    if (!value) {
      r_.error(map, p, std::string(key) + " is required");
    } else if (empty && (value->kind == YamlNode::Kind::kNull ||
                         value->kind == YamlNode::Kind::kSequence)) {
      r_.error(*value, p, "expected at least one path pattern, found an empty list");
    }
  }

  NodeReader& r_;
};

}  // namespace

ParseResult parse_buildspec(std::string_view text, std::string_view file) {
  ParseResult result;
  std::string file_name(file);
  if (text.size() > kMaxBuildspecBytes) {
    result.diagnostics.push_back(
        Diagnostic{Diagnostic::Severity::kError, file_name, 0, 0, "",
                   "the buildspec is " + std::to_string(text.size()) + " bytes; the limit is " +
                       std::to_string(kMaxBuildspecBytes) + " bytes"});
    return result;
  }
  YamlLimits limits;
  limits.max_depth = kMaxNestingDepth;
  limits.max_expanded_bytes = 4 * kMaxBuildspecBytes;
  YamlParseResult yaml = parse_yaml(text, limits);
  if (!yaml.root) {
    for (const YamlError& e : yaml.errors)
      result.diagnostics.push_back(Diagnostic{Diagnostic::Severity::kError, file_name, e.line,
                                              e.column, e.path, e.message});
    return result;
  }
  NodeReader reader(file_name);
  model::BuildSpec spec = SpecReader(reader).read(*yaml.root);
  bool failed = reader.has_errors();
  result.diagnostics = reader.take_diagnostics();
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
  if (!failed) result.spec = std::move(spec);
  return result;
}

ParseResult load_buildspec_file(const std::string& path) {
  Result<std::string> text = read_file_limited(path, kMaxBuildspecBytes);
  if (!text.is_ok()) {
    // The status message starts with the path, which the diagnostic shows anyway.
    std::string message = text.status().message();
    if (message.rfind(path + ": ", 0) == 0) message.erase(0, path.size() + 2);
    ParseResult result;
    result.diagnostics.push_back(
        Diagnostic{Diagnostic::Severity::kError, path, 0, 0, "", std::move(message)});
    return result;
  }
  return parse_buildspec(text.value(), path);
}

}  // namespace kiln::buildspec
