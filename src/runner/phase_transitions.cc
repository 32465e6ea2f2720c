// SPDX-License-Identifier: Apache-2.0
#include "runner/phase_transitions.h"

namespace kiln::runner {

using model::OnFailure;
using model::PhaseType;
using model::Status;

namespace {

PhaseType following(PhaseType phase) {
  return phase == PhaseType::kCompleted ? PhaseType::kCompleted
                                        : static_cast<PhaseType>(static_cast<int>(phase) + 1);
}

}  // namespace

bool is_buildspec_phase(PhaseType phase) {
  return phase == PhaseType::kInstall || phase == PhaseType::kPreBuild ||
         phase == PhaseType::kBuild || phase == PhaseType::kPostBuild;
}

PhaseType next_phase(PhaseType finished, Status status, OnFailure on_failure) {
  switch (status) {
    case Status::kSucceeded:
    case Status::kInProgress:
      return following(finished);
    case Status::kStopped:
      return PhaseType::kCompleted;
    case Status::kTimedOut:
    case Status::kFault:
      return finished == PhaseType::kFinalizing ? PhaseType::kCompleted : PhaseType::kFinalizing;
    case Status::kFailed:
      break;
  }
  if (is_buildspec_phase(finished)) {
    if (on_failure == OnFailure::kContinue) return following(finished);
    if (on_failure == OnFailure::kAbort) return PhaseType::kFinalizing;
  }
  switch (finished) {
    // §1.5: an upload is still tried after a failed BUILD, and POST_BUILD
    // runs so it can report the failure (CODEBUILD_BUILD_SUCCEEDING=0).
    case PhaseType::kBuild: return PhaseType::kPostBuild;
    case PhaseType::kPostBuild: return PhaseType::kUploadArtifacts;
    case PhaseType::kFinalizing: return PhaseType::kCompleted;
    default: return PhaseType::kFinalizing;
  }
}

Status build_status(const std::vector<model::BuildPhase>& phases) {
  if (phases.empty() || phases.back().type != PhaseType::kCompleted) return Status::kInProgress;
  for (Status worst : {Status::kStopped, Status::kTimedOut, Status::kFault, Status::kFailed}) {
    for (const auto& phase : phases)
      if (phase.status == worst) return worst;
  }
  return Status::kSucceeded;
}

}  // namespace kiln::runner
