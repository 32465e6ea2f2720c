// SPDX-License-Identifier: Apache-2.0
#include "api/access_keys.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>


namespace kiln::api {

namespace {

std::string random_text(std::size_t length, std::string_view alphabet) {
  std::vector<unsigned char> bytes(length);
  if (RAND_bytes(bytes.data(), static_cast<int>(length)) != 1)
    throw std::runtime_error("no randomness for a new access key");
  std::string out;
  for (unsigned char b : bytes) out += alphabet[b % alphabet.size()];
  return out;
}

}  // namespace

store::AccessKey generate_access_key(const std::string& name, std::int64_t now_ms) {
  store::AccessKey key;
  // 36 and 64 divide 256 unevenly; the tiny bias is irrelevant for ids, and
  // the secret's alphabet of 64 divides it exactly.
  key.access_key_id = "AKIA" + random_text(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
  key.secret_access_key =
      random_text(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
  key.name = name;
  key.created_ms = now_ms;
  return key;
}

Status write_credentials_profile(const std::string& path, const std::string& profile,
                                 const store::AccessKey& key) {
  // Keep every other profile: read the file, drop the old section of ours.
  std::string kept;
  {
    std::ifstream in(path);
    std::string line;
    bool in_ours = false;
    while (std::getline(in, line)) {
      if (!line.empty() && line.front() == '[') in_ours = line == "[" + profile + "]";
      if (!in_ours) kept += line + "\n";
    }
  }
  while (!kept.empty() && kept.back() == '\n') kept.pop_back();
  if (!kept.empty()) kept += "\n\n";
  std::ostringstream text;
  text << kept << "[" << profile << "]\n"
       << "aws_access_key_id = " << key.access_key_id << "\n"
       << "aws_secret_access_key = " << key.secret_access_key << "\n";
  const std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status(ErrorCode::kIoError, "cannot write " + temp + ": " + std::strerror(errno));
  const std::string data = text.str();
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ok = ::fchmod(fd, 0600) == 0 && ok;
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return Status(ErrorCode::kIoError, "cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::ok();
}

}  // namespace kiln::api
