// SPDX-License-Identifier: Apache-2.0
#include "docker/daemon_connection.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

namespace kiln::docker {

namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct FileDeleter {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;
using FileHandle = std::unique_ptr<std::FILE, FileDeleter>;

// curl_global_init is not guaranteed thread-safe on every libcurl build, so
// it runs exactly once, before the first handle is made.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  std::string* body;
  std::size_t limit;
  CURL* handle = nullptr;
  const HttpRequest* request = nullptr;
  bool overflowed = false;
  bool aborted = false;  // by request.on_body or request.cancelled
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t n = size * count;
  const HttpRequest& request = *sink->request;
  if (request.cancelled && request.cancelled()) {
    sink->aborted = true;
    return 0;
  }
  if (request.on_body) {
    // Error answers are kept whole (bounded below) so the caller gets the
    // daemon's message; successful ones stream.
    long status = 0;
    curl_easy_getinfo(sink->handle, CURLINFO_RESPONSE_CODE, &status);
    if (status > 0 && status < 400) {
      if (request.on_body(std::string_view(data, n))) return n;
      sink->aborted = true;
      return 0;
    }
  }
  if (sink->body->size() + n > sink->limit) {
    sink->overflowed = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

struct Source {
  std::FILE* file;
  bool failed = false;
};

size_t read_body(char* buffer, size_t size, size_t count, void* user) {
  auto* source = static_cast<Source*>(user);
  size_t n = std::fread(buffer, 1, size * count, source->file);
  if (n == 0 && std::ferror(source->file)) {
    source->failed = true;
    return CURL_READFUNC_ABORT;
  }
  return n;
}

// libcurl's progress callback, used only to notice request.cancelled while
// the daemon sends nothing (it runs at least once a second).
int check_cancelled(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* sink = static_cast<Sink*>(user);
  if (sink->request->cancelled && sink->request->cancelled()) {
    sink->aborted = true;
    return 1;
  }
  return 0;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

// Sets up the request body: streamed from request.body_file, or copied from
// request.body. `file` and `source` must outlive the transfer.
Status attach_body(CURL* h, const HttpRequest& request, FileHandle& file, Source& source) {
  if (!request.body_file.empty()) {
    file.reset(std::fopen(request.body_file.c_str(), "rb"));
    struct stat st {};
    if (!file || ::fstat(fileno(file.get()), &st) != 0) {
      return Status(ErrorCode::kIoError, request.body_file + ": " + std::strerror(errno));
    }
    source.file = file.get();
    // POST with a read callback streams the file in libcurl's buffer-sized
    // pieces; the whole body is never in memory.
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(h, CURLOPT_READDATA, &source);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(st.st_size));
  } else if (!request.body.empty() || request.method == "POST") {
    // An empty POST still gets "Content-Length: 0", which the daemon expects.
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  return Status::ok();
}

// Turns a failed transfer into a Status that says what to do about it.
Status transfer_failure(CURL* h, CURLcode rc, const std::string& socket_path,
                        const HttpRequest& request, const Sink& sink, const Source& source) {
  std::string what = request.method + " " + request.target;
  if (rc == CURLE_COULDNT_CONNECT) {
    long os_errno = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
    std::string reason = os_errno ? std::strerror(static_cast<int>(os_errno)) : "refused";
    return Status(ErrorCode::kUnavailable,
                  "cannot reach the Docker daemon at " + socket_path + " (connect: " + reason +
                      "); start it with 'dockerd' or 'systemctl start docker'");
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status(ErrorCode::kUnavailable, "the Docker daemon at " + socket_path +
                                               " did not answer " + what + " within " +
                                               seconds_text(request.timeout));
  }
  if (sink.aborted) {
    return Status(ErrorCode::kUnavailable, what + " to the Docker daemon was aborted by kiln");
  }
  if (rc == CURLE_WRITE_ERROR && sink.overflowed) {
    return Status(ErrorCode::kLimitExceeded,
                  "the Docker daemon's answer to " + what + " is larger than the limit of " +
                      std::to_string(request.max_response_bytes) + " bytes");
  }
  if (source.failed) {
    return Status(ErrorCode::kIoError, request.body_file + ": read failed while sending it");
  }
  return Status(ErrorCode::kUnavailable, "request " + what + " to the Docker daemon at " +
                                             socket_path + " failed: " + curl_easy_strerror(rc));
}

}  // namespace

DaemonConnection::DaemonConnection(std::string socket_path)
    : socket_path_(std::move(socket_path)) {}

Result<HttpResponse> DaemonConnection::send(const HttpRequest& request, bool* timed_out) const {
  if (timed_out) *timed_out = false;
  init_curl_once();
  CurlHandle curl(curl_easy_init());
  if (!curl) return Status(ErrorCode::kInternal, "curl_easy_init failed");
  CURL* h = curl.get();

  // The host part is ignored on a unix socket but must be a valid name;
  // "localhost" is what the docker CLI sends too.
  std::string url = "http://localhost" + request.target;
  curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  // No signals: libcurl's timeout must not use SIGALRM in a threaded program.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  // A zero timeout (a stream that lasts as long as a build command) means
  // none for the transfer; connecting is always bounded.
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  std::chrono::milliseconds::rep connect_ms = request.timeout.count();
  if (connect_ms <= 0 || connect_ms > 10'000) connect_ms = 10'000;
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_ms));

  HeaderList headers;
  auto add_header = [&headers](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown) {
      (void)headers.release();
      headers.reset(grown);
    }
  };
  // Without this libcurl waits up to a second for "100 Continue" before
  // sending a large body.
  add_header("Expect:");
  if (!request.content_type.empty()) add_header("Content-Type: " + request.content_type);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

  FileHandle body_file;
  Source source{nullptr};
  Status attached = attach_body(h, request, body_file, source);
  if (!attached.is_ok()) return attached;

  HttpResponse response;
  Sink sink{&response.body, request.max_response_bytes, h, &request};
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  if (request.cancelled) {
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_cancelled);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &sink);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }

  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    if (timed_out) *timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    return transfer_failure(h, rc, socket_path_, request, sink, source);
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace kiln::docker
