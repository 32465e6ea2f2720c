// SPDX-License-Identifier: Apache-2.0
#include "source/source_fetcher.h"

#include "source/git_checkout.h"
#include "source/local_copy.h"

namespace kiln::source {

Result<FetchedSource> fetch_source(const SourceRequest& request, const std::string& dest,
                                   const ProgressSink& progress) {
  switch (request.kind) {
    case SourceKind::kNone:
      return FetchedSource{};
    case SourceKind::kLocalDirectory: {
      if (request.location.empty()) {
        return Status(ErrorCode::kInvalidInput, "local source: location is empty");
      }
      if (progress) progress("Copying " + request.location);
      if (Status s = copy_tree(request.location, dest, progress); !s.is_ok()) return s;
      return FetchedSource{};
    }
    case SourceKind::kGit:
      return git_checkout(request, dest, progress);
    case SourceKind::kUnsupported:
      return Status(ErrorCode::kInvalidInput, request.location + " is not supported by kiln");
  }
  return Status(ErrorCode::kInvalidInput, "unknown source kind");
}

}  // namespace kiln::source
