// SPDX-License-Identifier: Apache-2.0
#include "logs/secret_masker.h"

#include <algorithm>

namespace kiln::logs {

namespace {

void add_secret(std::string secret, std::vector<std::string>* out) {
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.size() >= SecretMasker::kMinSecretLength) out->push_back(std::move(secret));
}

}  // namespace

SecretMasker::SecretMasker(const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    add_secret(secret, &secrets_);
    if (secret.find('\n') == std::string::npos) continue;
    for (std::size_t start = 0; start <= secret.size();) {
      std::size_t end = std::min(secret.find('\n', start), secret.size());
      add_secret(secret.substr(start, end - start), &secrets_);
      start = end + 1;
    }
  }
  std::sort(secrets_.begin(), secrets_.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());
  for (std::size_t i = 0; i < secrets_.size(); ++i) {
    by_first_byte_[static_cast<unsigned char>(secrets_[i][0])].push_back(i);
  }
}

std::size_t SecretMasker::longest_match(std::string_view line, std::size_t at) const {
  for (std::size_t i : by_first_byte_[static_cast<unsigned char>(line[at])]) {
    if (line.substr(at, secrets_[i].size()) == secrets_[i]) return secrets_[i].size();
  }
  return 0;
}

std::string SecretMasker::mask(std::string_view line) const {
  if (secrets_.empty()) return std::string(line);
  std::string out;
  std::size_t copied = 0;  // line[0, copied) is already in `out`
  std::size_t run_start = std::string_view::npos;
  std::size_t run_end = 0;  // end of the covered run, exclusive
  for (std::size_t at = 0; at <= line.size(); ++at) {
    if (run_start != std::string_view::npos && (at > run_end || at == line.size())) {
      out.append(line.substr(copied, run_start - copied));
      out += "***";
      copied = run_end;
      run_start = std::string_view::npos;
    }
    if (at == line.size()) break;
    std::size_t length = longest_match(line, at);
    if (length == 0) continue;
    if (run_start == std::string_view::npos) {
      run_start = at;
      run_end = at + length;
    } else {
      run_end = std::max(run_end, at + length);
    }
  }
  out.append(line.substr(copied));
  return out;
}

}  // namespace kiln::logs
