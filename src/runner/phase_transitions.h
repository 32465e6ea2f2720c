// SPDX-License-Identifier: Apache-2.0
// Which phase runs after which: CodeBuild's transition table
// (codebuild-semantics.md §1.5, §2.3, §2.4) as pure functions, so the engine
// and its tests share one statement of the rules. Stateless; thread-safe.
#pragma once

#include <vector>

#include "model/build.h"
#include "model/buildspec.h"

namespace kiln::runner {

// The phase to run after `finished` ended with `status`.
// - Succeeded: the next phase in order (FINALIZING → COMPLETED).
// - Failed: PROVISIONING, DOWNLOAD_SOURCE, INSTALL, PRE_BUILD and
//   UPLOAD_ARTIFACTS go to FINALIZING; BUILD goes on to POST_BUILD and
//   POST_BUILD to UPLOAD_ARTIFACTS, which are always attempted after BUILD ran.
//   `on_failure` of a buildspec phase changes this: ABORT goes to FINALIZING,
//   CONTINUE to the next phase as if it had succeeded.
// - Timed out: FINALIZING (no upload). Stopped: COMPLETED directly, as AWS
//   records a stopped build. Fault: FINALIZING.
// Requires: `finished` is neither COMPLETED nor SUBMITTED/QUEUED with a
// status other than succeeded, timed out or stopped.
model::PhaseType next_phase(model::PhaseType finished, model::Status status,
                            model::OnFailure on_failure = model::OnFailure::kDefault);

// The build's status from its recorded phases: the first of STOPPED,
// TIMED_OUT, FAULT, FAILED found in any phase (in that priority), else
// SUCCEEDED; IN_PROGRESS while the last phase is not COMPLETED.
model::Status build_status(const std::vector<model::BuildPhase>& phases);

// True for INSTALL, PRE_BUILD, BUILD and POST_BUILD (the buildspec phases).
bool is_buildspec_phase(model::PhaseType phase);

}  // namespace kiln::runner
