// SPDX-License-Identifier: Apache-2.0
#include "model/build.h"

#include <array>

namespace kiln::model {

namespace {

constexpr std::array<const char*, 11> kPhaseNames = {
    "SUBMITTED",   "QUEUED",     "PROVISIONING",     "DOWNLOAD_SOURCE", "INSTALL",  "PRE_BUILD",
    "BUILD",       "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING",      "COMPLETED"};
constexpr std::array<const char*, 6> kStatusNames = {"SUCCEEDED",   "FAILED",  "FAULT",
                                                     "TIMED_OUT",   "IN_PROGRESS", "STOPPED"};

}  // namespace

const char* to_string(PhaseType phase) { return kPhaseNames[static_cast<size_t>(phase)]; }
const char* to_string(Status status) { return kStatusNames[static_cast<size_t>(status)]; }

std::optional<PhaseType> parse_phase_type(std::string_view text) {
  for (size_t i = 0; i < kPhaseNames.size(); ++i)
    if (text == kPhaseNames[i]) return static_cast<PhaseType>(i);
  return std::nullopt;
}

std::optional<Status> parse_status(std::string_view text) {
  for (size_t i = 0; i < kStatusNames.size(); ++i)
    if (text == kStatusNames[i]) return static_cast<Status>(i);
  return std::nullopt;
}

std::optional<std::int64_t> BuildPhase::duration_seconds() const {
  if (!end_time) return std::nullopt;
  return (*end_time - start_time) / 1000;
}

}  // namespace kiln::model
