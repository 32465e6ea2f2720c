// SPDX-License-Identifier: Apache-2.0
// Reports how long parse_buildspec (parse + validate) takes, for a typical
// buildspec and for generated ones of 1,000 to 50,000 commands. A benchmark,
// not a test: it prints figures and never judges them (docs/benchmarks.md).
//
// Each figure is the median of several paired runs. The pair's other half is a
// bare libyaml event scan of the same text (yaml_parser_parse to the end, no
// tree), so the ratio says what our tree building and validation cost on top of
// YAML tokenizing, a figure that holds up better than absolute times on a
// shared, noisy machine.
//
//   kiln_buildspec_bench [--runs N]     (N >= 7, default 11)
#include <yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "buildspec/buildspec_parser.h"

namespace {

// A realistic buildspec of about 2 KiB, written for this benchmark in the
// shape of common Node/Docker projects: env, four phases with runtime
// versions, multi-line commands, reports, artifacts and cache. Embedded so the
// benchmark needs no file from outside the repository.
constexpr std::string_view kTypicalBuildspec = R"yaml(version: 0.2

# Runs unprivileged except where a phase says otherwise.
run-as: codebuild-user

env:
  shell: bash
  variables:
    NODE_OPTIONS: "--max-old-space-size=4096"
    DEBIAN_FRONTEND: noninteractive
    IMAGE_REPO_NAME: web-frontend
    TEST_REPORT_DIR: ".test-reports"
  parameter-store:
    NPM_TOKEN: /ci/npm/token
  exported-variables:
    - IMAGE_TAG

phases:
  install:
    run-as: root
    runtime-versions:
      nodejs: 18
      python: 3.11
    commands:
      - apt-get -qq update && apt-get -qq install -y jq zip
      - npm install -g npm@9
      - pip install --quiet awscli

  pre_build:
    on-failure: ABORT
    commands:
      - printf 'always-auth=true\n' > ~/.npmrc
      - npm ci --no-audit --prefer-offline
      - export IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)
      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS --password-stdin $AWS_ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com

  build:
    commands:
      - npm run lint
      - npm run test -- --ci --reporters=default --reporters=jest-junit
      - npm run build
      - |
        if [ "$CODEBUILD_WEBHOOK_TRIGGER" = "branch/main" ]; then
          docker build -t $IMAGE_REPO_NAME:$IMAGE_TAG .
          docker tag $IMAGE_REPO_NAME:$IMAGE_TAG $AWS_ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com/$IMAGE_REPO_NAME:$IMAGE_TAG
        fi
    finally:
      - rm -f ~/.npmrc

  post_build:
    commands:
      - '[ "$CODEBUILD_BUILD_SUCCEEDING" -eq 1 ] || exit 1'
      - docker push $AWS_ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com/$IMAGE_REPO_NAME:$IMAGE_TAG
      - printf '[{"name":"web","imageUri":"%s"}]' $IMAGE_REPO_NAME:$IMAGE_TAG > imagedefinitions.json

reports:
  jest-reports:
    files:
      - 'junit*.xml'
    base-directory: .test-reports
    file-format: JUNITXML
  coverage:
    files:
      - coverage/cobertura-coverage.xml
    file-format: COBERTURAXML

artifacts:
  files:
    - imagedefinitions.json
    - 'dist/**/*'
  name: web-frontend-$(date +%Y-%m-%d)
  discard-paths: no

cache:
  paths:
    - /root/.npm/**/*
    - node_modules/**/*
)yaml";

// `count` commands spread over three phases, cycling through the four scalar
// styles real buildspecs use (plain, single-quoted, double-quoted with escapes,
// literal block), so the figure is not that of one lucky code path.
std::string generate_buildspec(int count) {
  std::string text = "version: 0.2\nenv:\n  variables:\n    STAGE: bench\nphases:\n";
  const char* phases[] = {"pre_build", "build", "post_build"};
  for (int p = 0; p < 3; ++p) {
    text += "  ";
    text += phases[p];
    text += ":\n    commands:\n";
    const int begin = count * p / 3;
    const int end = count * (p + 1) / 3;
    for (int i = begin; i < end; ++i) {
      const std::string n = std::to_string(i);
      switch (i % 4) {
        case 0: text += "      - make -C module_" + n + " all V=1\n"; break;
        case 1: text += "      - 'echo \"step " + n + "\" >> build.log'\n"; break;
        case 2: text += "      - \"test -d out/" + n + " || mkdir -p out/" + n + "\\n\"\n"; break;
        default: text += "      - |\n        cd pkg_" + n + "\n        npm test\n"; break;
      }
    }
  }
  return text;
}

// Owns a libyaml parser for one scan.
class YamlEventScanner {
 public:
  explicit YamlEventScanner(std::string_view text) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~YamlEventScanner() { yaml_parser_delete(&parser_); }
  YamlEventScanner(const YamlEventScanner&) = delete;
  YamlEventScanner& operator=(const YamlEventScanner&) = delete;

  // Returns the number of events, or -1 on a YAML error.
  long scan_to_end() {
    long events = 0;
    for (;;) {
      yaml_event_t event;
      if (!yaml_parser_parse(&parser_, &event)) return -1;
      const bool done = event.type == YAML_STREAM_END_EVENT;
      yaml_event_delete(&event);
      ++events;
      if (done) return events;
    }
  }

 private:
  yaml_parser_t parser_;
};

// Results feed this so no call can be optimised away.
volatile long g_sink = 0;

void reference_scan(std::string_view text) {
  YamlEventScanner scanner(text);
  g_sink = g_sink + scanner.scan_to_end();
}

void kiln_parse(std::string_view text) {
  const auto result = kiln::buildspec::parse_buildspec(text, "bench.yml");
  g_sink = g_sink + static_cast<long>(result.diagnostics.size()) + (result.ok() ? 1 : 0);
}

using Clock = std::chrono::steady_clock;

// Seconds per call of `fn(text)`, averaged over `iterations` calls.
template <typename Fn>
double seconds_per_call(Fn fn, std::string_view text, int iterations) {
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) fn(text);
  return std::chrono::duration<double>(Clock::now() - start).count() / iterations;
}

// Enough calls per sample that one sample lasts about 50 ms, so the clock's
// resolution and one-off scheduling hiccups do not dominate small inputs.
int calibrate(std::string_view text) {
  const double one = seconds_per_call(kiln_parse, text, 1);
  return std::clamp(static_cast<int>(0.05 / std::max(one, 1e-9)), 1, 100000);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

struct Figures {
  double kiln_seconds;     // median seconds per parse_buildspec call
  double libyaml_seconds;  // median seconds per bare event scan
  double ratio;            // median of the pairwise kiln / libyaml ratios
};

// Runs the pair `runs` times, alternating which half goes first so neither
// always gets the warm cache.
Figures measure(std::string_view text, int runs) {
  const int iterations = calibrate(text);
  std::vector<double> kiln, libyaml, ratios;
  for (int run = 0; run < runs; ++run) {
    double k = 0, y = 0;
    if (run % 2 == 0) {
      y = seconds_per_call(reference_scan, text, iterations);
      k = seconds_per_call(kiln_parse, text, iterations);
    } else {
      k = seconds_per_call(kiln_parse, text, iterations);
      y = seconds_per_call(reference_scan, text, iterations);
    }
    kiln.push_back(k);
    libyaml.push_back(y);
    ratios.push_back(k / y);
  }
  return {median(kiln), median(libyaml), median(ratios)};
}

struct Case {
  std::string name;
  std::string text;
  int commands;
};

// A benchmark of a parse that fails measures the error path instead: refuse.
bool parses_cleanly(const Case& c) {
  const auto result = kiln::buildspec::parse_buildspec(c.text, c.name);
  if (result.ok()) return true;
  std::fprintf(stderr, "kiln_buildspec_bench: %s does not parse:\n", c.name.c_str());
  for (const auto& d : result.diagnostics) std::fprintf(stderr, "  %s\n", d.to_string().c_str());
  return false;
}

int parse_runs(int argc, char** argv) {
  int runs = 11;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: kiln_buildspec_bench [--runs N]   (N >= 7, default 11)\n");
      std::exit(2);
    }
  }
  return std::max(runs, 7);
}

int count_commands(std::string_view text) {
  const auto result = kiln::buildspec::parse_buildspec(text, "count.yml");
  int n = 0;
  for (const auto* phase : {&result.spec->phases.install, &result.spec->phases.pre_build,
                            &result.spec->phases.build, &result.spec->phases.post_build}) {
    if (*phase) n += static_cast<int>((*phase)->commands.size() + (*phase)->finally.size());
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = parse_runs(argc, argv);
  std::vector<Case> cases;
  cases.push_back({"typical", std::string(kTypicalBuildspec), 0});
  for (int n : {1000, 10000, 50000}) {
    cases.push_back({"generated-" + std::to_string(n), generate_buildspec(n), n});
  }
  for (Case& c : cases) {
    if (!parses_cleanly(c)) return 1;
    c.commands = count_commands(c.text);
  }

  std::printf("parse_buildspec vs bare libyaml event scan; median of %d paired runs\n\n", runs);
  std::printf("%-17s %9s %8s %12s %12s %7s %12s %12s\n", "case", "bytes", "commands",
              "kiln", "libyaml", "ratio", "kiln/cmd", "libyaml/cmd");
  for (const Case& c : cases) {
    const Figures f = measure(c.text, runs);
    std::printf("%-17s %9zu %8d %9.1f us %9.1f us %6.2fx %9.3f us %9.3f us\n", c.name.c_str(),
                c.text.size(), c.commands, f.kiln_seconds * 1e6, f.libyaml_seconds * 1e6, f.ratio,
                f.kiln_seconds * 1e6 / c.commands, f.libyaml_seconds * 1e6 / c.commands);
    std::fflush(stdout);
  }
  return 0;
}
