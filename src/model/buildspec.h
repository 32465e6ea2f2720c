// SPDX-License-Identifier: Apache-2.0
// The typed model of a buildspec (codebuild-semantics.md §1.3): plain,
// copyable value types with every default already filled in. Produced only by
// buildspec::parse_buildspec, which never returns a partly filled model.
// Thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kiln::model {

// An ordered name → text list. Buildspec maps keep the order they were written
// in, so logs and JSON output read in the author's order.
using NamedValues = std::vector<std::pair<std::string, std::string>>;

enum class BuildSpecVersion { k0_1, k0_2 };

// "0.1" or "0.2".
const char* to_string(BuildSpecVersion version);

struct EnvSpec {
  // As written (`bash`, `/bin/sh`, ...); empty means the platform default (sh).
  std::string shell;
  // Literal values (no $VAR expansion). Version 0.1's
  // `environment_variables.plaintext` lands here too.
  NamedValues variables;
  NamedValues parameter_store;  // local name → parameter name
  NamedValues secrets_manager;  // local name → secret reference
  std::vector<std::string> exported_variables;
  bool git_credential_helper = false;
};

struct ProxySpec {
  bool upload_artifacts = false;
  bool logs = false;
};

enum class OnFailure {
  kDefault,   // no on-failure key: the transitions of §1.5
  kAbort,
  kContinue,
  kRetry,     // RETRY, RETRY-<count>, RETRY-<regex>, RETRY-<count>-<regex>
};

const char* to_string(OnFailure on_failure);

struct PhaseSpec {
  std::string run_as;  // empty: inherit the top-level run-as
  OnFailure on_failure = OnFailure::kDefault;
  int retry_count = 3;           // meaningful only for kRetry; 0–100
  std::string retry_regex = ".*";  // meaningful only for kRetry
  NamedValues runtime_versions;  // install only
  std::vector<std::string> commands;
  std::vector<std::string> finally;
};

// The four fixed phases; absent ones are std::nullopt.
struct PhasesSpec {
  std::optional<PhaseSpec> install;
  std::optional<PhaseSpec> pre_build;
  std::optional<PhaseSpec> build;
  std::optional<PhaseSpec> post_build;
};

struct ReportGroupSpec {
  std::string name;  // the key: a report-group ARN or a name
  std::vector<std::string> files;
  std::string file_format = "JUNITXML";  // upper-cased
  std::string base_directory;            // empty: the source directory
  bool discard_paths = false;
};

struct SecondaryArtifactsSpec;

struct ArtifactsSpec {
  std::vector<std::string> files;
  std::string name;  // shell-evaluated at build time; empty: project's name
  bool discard_paths = false;
  std::string base_directory;  // empty: the source directory; may be a glob
  std::vector<std::string> exclude_paths;
  bool enable_symlinks = false;
  std::string s3_prefix;
  // Only on the primary artifacts, in document order.
  std::vector<SecondaryArtifactsSpec> secondary_artifacts;
};

// One `secondary-artifacts.<identifier>` entry. A named struct rather than a
// std::pair because a pair of an incomplete type is not portable.
struct SecondaryArtifactsSpec {
  std::string identifier;
  ArtifactsSpec artifacts;
};

enum class CacheAction { kBoth, kRestore, kSave };

struct CacheSpec {
  std::vector<std::string> paths;
  std::string key;
  std::vector<std::string> fallback_keys;  // at most 5
  CacheAction action = CacheAction::kBoth;
};

// `env` of a batch task (build-list, build-graph, build-matrix static).
struct BatchEnvSpec {
  std::string compute_type;
  std::string image;
  std::optional<bool> privileged_mode;
  std::string type;
  NamedValues variables;
};

struct BatchTaskSpec {
  std::string identifier;  // required for list and graph tasks
  std::string buildspec;
  BatchEnvSpec env;
  std::vector<std::string> depend_on;  // build-graph only
  bool ignore_failure = false;
  bool debug_session = false;
};

// build-matrix: `static` settings shared by every task, `dynamic` lists whose
// cartesian product gives the tasks.
struct BatchMatrixSpec {
  BatchTaskSpec static_settings;  // identifier unused
  std::vector<std::string> buildspecs;
  std::vector<std::string> compute_types;
  std::vector<std::string> images;
  std::vector<std::pair<std::string, std::vector<std::string>>> variables;
};

enum class BatchKind { kBuildList, kBuildGraph, kBuildMatrix, kBuildFanout };

struct BatchSpec {
  bool fast_fail = false;
  BatchKind kind = BatchKind::kBuildList;
  std::vector<BatchTaskSpec> tasks;      // build-list, build-graph
  std::optional<BatchMatrixSpec> matrix;  // build-matrix
  int fanout_parallelism = 0;             // build-fanout
  bool fanout_ignore_failure = false;     // build-fanout
};

struct BuildSpec {
  BuildSpecVersion version = BuildSpecVersion::k0_2;
  std::string run_as;  // empty: root
  EnvSpec env;
  ProxySpec proxy;
  std::optional<BatchSpec> batch;
  PhasesSpec phases;
  std::vector<ReportGroupSpec> reports;
  std::optional<ArtifactsSpec> artifacts;
  std::optional<CacheSpec> cache;
};

}  // namespace kiln::model
