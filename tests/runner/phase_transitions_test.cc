// SPDX-License-Identifier: Apache-2.0
#include "runner/phase_transitions.h"

#include <gtest/gtest.h>

namespace kiln::runner {
namespace {

using model::OnFailure;
using model::PhaseType;
using model::Status;

TEST(PhaseTransitionsTest, SuccessWalksEveryPhaseInOrder) {
  std::vector<PhaseType> seen;
  PhaseType phase = PhaseType::kSubmitted;
  while (phase != PhaseType::kCompleted) {
    seen.push_back(phase);
    phase = next_phase(phase, Status::kSucceeded);
  }
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen[3], PhaseType::kDownloadSource);
  EXPECT_EQ(seen[8], PhaseType::kUploadArtifacts);
  EXPECT_EQ(seen[9], PhaseType::kFinalizing);
}

TEST(PhaseTransitionsTest, EarlyFailuresSkipToFinalizing) {
  for (PhaseType p : {PhaseType::kProvisioning, PhaseType::kDownloadSource, PhaseType::kInstall,
                      PhaseType::kPreBuild, PhaseType::kUploadArtifacts})
    EXPECT_EQ(next_phase(p, Status::kFailed), PhaseType::kFinalizing) << model::to_string(p);
}

TEST(PhaseTransitionsTest, FailedBuildStillRunsPostBuildAndUpload) {
  EXPECT_EQ(next_phase(PhaseType::kBuild, Status::kFailed), PhaseType::kPostBuild);
  EXPECT_EQ(next_phase(PhaseType::kPostBuild, Status::kFailed), PhaseType::kUploadArtifacts);
}

TEST(PhaseTransitionsTest, AbortEndsTheBuildAfterThePhase) {
  EXPECT_EQ(next_phase(PhaseType::kBuild, Status::kFailed, OnFailure::kAbort),
            PhaseType::kFinalizing);
  EXPECT_EQ(next_phase(PhaseType::kPostBuild, Status::kFailed, OnFailure::kAbort),
            PhaseType::kFinalizing);
}

TEST(PhaseTransitionsTest, ContinueGoesOnAsIfSucceeded) {
  EXPECT_EQ(next_phase(PhaseType::kInstall, Status::kFailed, OnFailure::kContinue),
            PhaseType::kPreBuild);
  EXPECT_EQ(next_phase(PhaseType::kPreBuild, Status::kFailed, OnFailure::kContinue),
            PhaseType::kBuild);
}

TEST(PhaseTransitionsTest, OnFailureDoesNotApplyOutsideBuildspecPhases) {
  EXPECT_EQ(next_phase(PhaseType::kDownloadSource, Status::kFailed, OnFailure::kContinue),
            PhaseType::kFinalizing);
}

TEST(PhaseTransitionsTest, TimeoutFinalizesAndStopCompletes) {
  EXPECT_EQ(next_phase(PhaseType::kBuild, Status::kTimedOut), PhaseType::kFinalizing);
  EXPECT_EQ(next_phase(PhaseType::kFinalizing, Status::kTimedOut), PhaseType::kCompleted);
  EXPECT_EQ(next_phase(PhaseType::kBuild, Status::kStopped), PhaseType::kCompleted);
}

model::BuildPhase phase(PhaseType type, std::optional<Status> status) {
  model::BuildPhase p;
  p.type = type;
  p.status = status;
  return p;
}

TEST(PhaseTransitionsTest, BuildStatusIsInProgressUntilCompleted) {
  EXPECT_EQ(build_status({phase(PhaseType::kSubmitted, Status::kSucceeded)}), Status::kInProgress);
  EXPECT_EQ(build_status({}), Status::kInProgress);
}

TEST(PhaseTransitionsTest, BuildStatusTakesTheWorstPhase) {
  EXPECT_EQ(build_status({phase(PhaseType::kBuild, Status::kSucceeded),
                          phase(PhaseType::kCompleted, std::nullopt)}),
            Status::kSucceeded);
  EXPECT_EQ(build_status({phase(PhaseType::kBuild, Status::kFailed),
                          phase(PhaseType::kPostBuild, Status::kSucceeded),
                          phase(PhaseType::kCompleted, std::nullopt)}),
            Status::kFailed);
  EXPECT_EQ(build_status({phase(PhaseType::kBuild, Status::kFailed),
                          phase(PhaseType::kFinalizing, Status::kTimedOut),
                          phase(PhaseType::kCompleted, std::nullopt)}),
            Status::kTimedOut);
}

TEST(PhaseTransitionsTest, DurationTruncatesToWholeSeconds) {
  model::BuildPhase p = phase(PhaseType::kBuild, Status::kSucceeded);
  p.start_time = 1000;
  EXPECT_FALSE(p.duration_seconds().has_value());
  p.end_time = 1000 + 72830;
  EXPECT_EQ(p.duration_seconds(), 72);
  EXPECT_EQ(model::parse_phase_type("UPLOAD_ARTIFACTS"), PhaseType::kUploadArtifacts);
  EXPECT_EQ(model::parse_status("TIMED_OUT"), Status::kTimedOut);
  EXPECT_FALSE(model::parse_status("timed_out").has_value());
}

}  // namespace
}  // namespace kiln::runner
