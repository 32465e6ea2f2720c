// SPDX-License-Identifier: Apache-2.0
#include "model/buildspec.h"

namespace kiln::model {

const char* to_string(BuildSpecVersion version) {
  return version == BuildSpecVersion::k0_1 ? "0.1" : "0.2";
}

const char* to_string(OnFailure on_failure) {
  switch (on_failure) {
    case OnFailure::kDefault: return "";
    case OnFailure::kAbort: return "ABORT";
    case OnFailure::kContinue: return "CONTINUE";
    case OnFailure::kRetry: return "RETRY";
  }
  return "";
}

}  // namespace kiln::model
