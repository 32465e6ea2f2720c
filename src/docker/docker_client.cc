// SPDX-License-Identifier: Apache-2.0
#include "docker/docker_client.h"

#include <nlohmann/json.hpp>

#include <string_view>

namespace kiln::docker {

namespace {

using nlohmann::json;

// Percent-encodes `text` for a URL; characters in `keep` pass unchanged
// besides the unreserved ones (RFC 3986).
std::string url_encode(std::string_view text, std::string_view keep = "") {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || keep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

// Image references keep their '/', ':' and '@' in the path: the daemon's
// router matches /images/{name:.*}/json on the decoded path anyway.
std::string ref_in_path(std::string_view ref) { return url_encode(ref, "/:@"); }

ErrorCode code_for_http_status(long status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidInput;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kAlreadyExists;
    default:
      return ErrorCode::kUnavailable;
  }
}

// The daemon's {"message": "..."} or, failing that, the raw body.
std::string daemon_message(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
    return parsed["message"].get<std::string>();
  }
  std::string trimmed = body.substr(0, 500);
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.pop_back();
  return trimmed.empty() ? "(no message)" : trimmed;
}

Result<json> parse_json(const HttpResponse& response, std::string_view what) {
  json parsed = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Status(ErrorCode::kInternal,
                  "the Docker daemon answered " + std::string(what) +
                      " with malformed JSON: " + response.body.substr(0, 200));
  }
  return parsed;
}

std::string short_id(const std::string& id) { return id.substr(0, 12); }

// The string members of a JSON object (labels); others are skipped.
std::map<std::string, std::string> string_map(const json& object) {
  std::map<std::string, std::string> out;
  if (!object.is_object()) return out;
  for (const auto& [key, value] : object.items()) {
    if (value.is_string()) out[key] = value.get<std::string>();
  }
  return out;
}

std::int64_t int_at(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return 0;
  const json& value = object[key];
  return value.is_number_integer() ? value.get<std::int64_t>() : 0;
}

// "repo:tag" → {repo, tag}; a ':' before the last '/' belongs to a registry
// host ("localhost:5000/x"). A digest reference keeps its "@sha256:..." in
// the repo part, which the daemon accepts as fromImage. No tag: "latest".
std::pair<std::string, std::string> split_reference(const std::string& ref) {
  if (ref.find('@') != std::string::npos) return {ref, ""};
  std::size_t colon = ref.rfind(':');
  std::size_t slash = ref.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return {ref, "latest"};
  }
  return {ref.substr(0, colon), ref.substr(colon + 1)};
}

}  // namespace

DockerClient::DockerClient(std::string socket_path, std::chrono::milliseconds timeout)
    : connection_(std::move(socket_path)), timeout_(timeout) {}

Result<std::string> DockerClient::socket_path_from_docker_host(const char* docker_host) {
  if (docker_host == nullptr || *docker_host == '\0') return std::string(kDefaultSocketPath);
  std::string_view value(docker_host);
  constexpr std::string_view kUnix = "unix://";
  if (value.substr(0, kUnix.size()) == kUnix && value.size() > kUnix.size()) {
    return std::string(value.substr(kUnix.size()));
  }
  return Status(ErrorCode::kInvalidInput,
                "DOCKER_HOST=" + std::string(value) +
                    ": kiln only talks to a local daemon; use unix:///path/to/docker.sock");
}

Result<HttpResponse> DockerClient::call(HttpRequest request, bool* timed_out) const {
  // Errors name the endpoint without its query, which can be long (changes).
  std::string shown = request.method + " " + std::string(kApiVersionPrefix) +
                      request.target.substr(0, request.target.find('?'));
  request.target = kApiVersionPrefix + request.target;
  Result<HttpResponse> response = connection_.send(request, timed_out);
  if (!response.is_ok()) return response;
  if (response->status >= 400) {
    return Status(code_for_http_status(response->status),
                  "Docker API " + shown + ": HTTP " + std::to_string(response->status) + ": " +
                      daemon_message(response->body));
  }
  return response;
}

Status DockerClient::ping() const {
  HttpRequest request;
  request.target = "/_ping";
  request.timeout = std::min(timeout_, std::chrono::milliseconds(10'000));
  Result<HttpResponse> response = call(request);
  return response.is_ok() ? Status::ok() : response.status();
}

Result<std::optional<ImageInfo>> DockerClient::inspect_image(const std::string& ref) const {
  HttpRequest request;
  request.target = "/images/" + ref_in_path(ref) + "/json";
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  if (!response.is_ok()) {
    if (response.status().code() == ErrorCode::kNotFound) return std::optional<ImageInfo>();
    return response.status();
  }
  Result<json> parsed = parse_json(response.value(), "an image inspection");
  if (!parsed.is_ok()) return parsed.status();
  const json& body = parsed.value();
  ImageInfo info;
  info.id = body.value("Id", "");
  info.size_bytes = body.value("Size", std::int64_t{0});
  info.created = body.value("Created", "");
  const json* labels = body.contains("Config") && body["Config"].is_object() &&
                               body["Config"].contains("Labels") &&
                               body["Config"]["Labels"].is_object()
                           ? &body["Config"]["Labels"]
                           : nullptr;
  if (labels) info.labels = string_map(*labels);
  if (body.contains("Config") && body["Config"].is_object()) {
    const json& env = body["Config"].value("Env", json::array());
    for (const json& entry : env) {
      if (entry.is_string()) info.env.push_back(entry.get<std::string>());
    }
  }
  return std::optional<ImageInfo>(std::move(info));
}

Result<bool> DockerClient::image_exists(const std::string& ref) const {
  Result<std::optional<ImageInfo>> info = inspect_image(ref);
  if (!info.is_ok()) return info.status();
  return info->has_value();
}

Result<std::string> DockerClient::import_image(const std::string& tar_path, const std::string& repo,
                                               const std::string& tag,
                                               const std::vector<std::string>& changes,
                                               std::chrono::milliseconds timeout) const {
  HttpRequest request;
  request.method = "POST";
  request.target = "/images/create?fromSrc=-&repo=" + url_encode(repo) + "&tag=" + url_encode(tag);
  for (const std::string& change : changes) request.target += "&changes=" + url_encode(change);
  request.content_type = "application/x-tar";
  request.body_file = tar_path;
  request.timeout = timeout;
  Result<HttpResponse> response = call(request);
  if (!response.is_ok()) return response.status();

  // The daemon answers 200 with a stream of JSON progress objects; a failure
  // after the headers were sent arrives as an object with "error" in it.
  std::string image_id;
  std::string_view rest = response->body;
  while (!rest.empty()) {
    std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    json message = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!message.is_object()) continue;
    if (message.contains("error")) {
      const json& error = message["error"];
      return Status(ErrorCode::kInvalidInput,
                    "Docker API POST /v1.41/images/create (import of " + tar_path + " as " + repo +
                        ":" + tag +
                        "): " + (error.is_string() ? error.get<std::string>() : error.dump()));
    }
    std::string status = message.value("status", "");
    if (status.rfind("sha256:", 0) == 0) image_id = status;
  }
  if (image_id.empty()) {
    return Status(ErrorCode::kInternal,
                  "the Docker daemon imported " + repo + ":" + tag +
                      " without reporting an image id: " + response->body.substr(0, 200));
  }
  return image_id;
}

Status DockerClient::remove_image(const std::string& ref, bool force) const {
  HttpRequest request;
  request.method = "DELETE";
  request.target = "/images/" + ref_in_path(ref) + (force ? "?force=true" : "");
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  return response.is_ok() ? Status::ok() : response.status();
}

Result<std::string> DockerClient::create_container(const ContainerOptions& options) const {
  if (options.image.empty()) {
    return Status(ErrorCode::kInvalidInput, "a container needs an image");
  }
  json body = {{"Image", options.image}, {"Tty", false},          {"OpenStdin", false},
               {"AttachStdin", false},   {"AttachStdout", false}, {"AttachStderr", false}};
  if (!options.cmd.empty()) body["Cmd"] = options.cmd;
  json env = json::array();
  for (const auto& [name, value] : options.env) {
    if (name.empty() || name.find('=') != std::string::npos) {
      return Status(ErrorCode::kInvalidInput,
                    "environment variable name '" + name + "' must be non-empty without '='");
    }
    env.push_back(name + "=" + value);
  }
  if (!env.empty()) body["Env"] = env;
  if (!options.labels.empty()) body["Labels"] = options.labels;
  if (!options.working_dir.empty()) body["WorkingDir"] = options.working_dir;
  if (!options.user.empty()) body["User"] = options.user;
  json& host = body["HostConfig"] = json::object();
  if (!options.binds.empty()) host["Binds"] = options.binds;
  if (options.privileged) host["Privileged"] = true;
  if (options.init) host["Init"] = true;
  if (options.nano_cpus > 0) host["NanoCpus"] = options.nano_cpus;
  if (options.memory_bytes > 0) host["Memory"] = options.memory_bytes;

  HttpRequest request;
  request.method = "POST";
  request.target = "/containers/create";
  if (!options.name.empty()) request.target += "?name=" + url_encode(options.name);
  request.content_type = "application/json";
  request.body = body.dump();
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  if (!response.is_ok()) return response.status();
  Result<json> parsed = parse_json(response.value(), "a container creation");
  if (!parsed.is_ok()) return parsed.status();
  std::string id = parsed->value("Id", "");
  if (id.empty()) {
    return Status(ErrorCode::kInternal, "the Docker daemon created a container without an id");
  }
  return id;
}

Status DockerClient::start_container(const std::string& id) const {
  HttpRequest request;
  request.method = "POST";
  request.target = "/containers/" + url_encode(id) + "/start";
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  return response.is_ok() ? Status::ok() : response.status();
}

Result<int> DockerClient::wait_container(const std::string& id,
                                         std::chrono::milliseconds timeout) const {
  HttpRequest request;
  request.method = "POST";
  // "not-running" also answers at once for a container that already exited.
  request.target = "/containers/" + url_encode(id) + "/wait?condition=not-running";
  request.timeout = timeout;
  bool timed_out = false;
  Result<HttpResponse> response = call(request, &timed_out);
  if (!response.is_ok()) {
    if (timed_out) {
      return Status(ErrorCode::kUnavailable, "container " + short_id(id) + " still runs after " +
                                                 std::to_string(timeout.count()) + " ms (" +
                                                 response.status().message() + ")");
    }
    return response.status();
  }
  Result<json> parsed = parse_json(response.value(), "a container wait");
  if (!parsed.is_ok()) return parsed.status();
  const json& body = parsed.value();
  if (body.contains("Error") && body["Error"].is_object() &&
      !body["Error"].value("Message", "").empty()) {
    return Status(ErrorCode::kUnavailable, "waiting for container " + short_id(id) + ": " +
                                               body["Error"].value("Message", ""));
  }
  if (!body.contains("StatusCode") || !body["StatusCode"].is_number_integer()) {
    return Status(ErrorCode::kInternal, "the Docker daemon's wait answer has no StatusCode: " +
                                            response->body.substr(0, 200));
  }
  return body["StatusCode"].get<int>();
}

Result<ContainerLogs> DockerClient::container_logs(const std::string& id,
                                                   std::size_t max_bytes) const {
  HttpRequest request;
  request.target = "/containers/" + url_encode(id) + "/logs?stdout=true&stderr=true";
  request.timeout = timeout_;
  // Eight header bytes per frame ride on top of the payload; the check on the
  // payload below is the one the caller asked for.
  request.max_response_bytes = max_bytes + max_bytes / 8 + 4096;
  Result<HttpResponse> response = call(request);
  if (!response.is_ok()) return response.status();
  Result<ContainerLogs> logs = demultiplex_log_stream(response->body);
  if (!logs.is_ok()) {
    return Status(logs.status().code(),
                  "logs of container " + short_id(id) + ": " + logs.status().message());
  }
  if (logs->out.size() + logs->err.size() > max_bytes) {
    return Status(ErrorCode::kLimitExceeded, "logs of container " + short_id(id) +
                                                 " are larger than the limit of " +
                                                 std::to_string(max_bytes) + " bytes");
  }
  return logs;
}

Status DockerClient::remove_container(const std::string& id, bool force) const {
  HttpRequest request;
  request.method = "DELETE";
  request.target = "/containers/" + url_encode(id) + "?v=true" + (force ? "&force=true" : "");
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  return response.is_ok() ? Status::ok() : response.status();
}

Result<bool> DockerClient::container_exists(const std::string& id) const {
  HttpRequest request;
  request.target = "/containers/" + url_encode(id) + "/json";
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  if (response.is_ok()) return true;
  if (response.status().code() == ErrorCode::kNotFound) return false;
  return response.status();
}

Result<ContainerInfo> DockerClient::inspect_container(const std::string& id) const {
  HttpRequest request;
  request.target = "/containers/" + url_encode(id) + "/json";
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  if (!response.is_ok()) return response.status();
  Result<json> parsed = parse_json(response.value(), "a container inspection");
  if (!parsed.is_ok()) return parsed.status();
  const json& body = parsed.value();
  ContainerInfo info;
  info.id = body.value("Id", "");
  const json& state = body.value("State", json::object());
  info.running = state.is_object() && state.value("Running", false);
  const json& host = body.value("HostConfig", json::object());
  info.privileged = host.is_object() && host.value("Privileged", false);
  info.nano_cpus = int_at(host, "NanoCpus");
  info.memory_bytes = int_at(host, "Memory");
  const json& config = body.value("Config", json::object());
  if (config.is_object()) info.labels = string_map(config.value("Labels", json::object()));
  return info;
}

Status DockerClient::kill_container(const std::string& id, const std::string& signal) const {
  HttpRequest request;
  request.method = "POST";
  request.target = "/containers/" + url_encode(id) + "/kill?signal=" + url_encode(signal);
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  return response.is_ok() ? Status::ok() : response.status();
}

Result<std::vector<ContainerSummary>> DockerClient::list_containers(const std::string& label) const {
  json filters = {{"label", json::array({label})}};
  HttpRequest request;
  request.target = "/containers/json?all=1&filters=" + url_encode(filters.dump());
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  if (!response.is_ok()) return response.status();
  Result<json> parsed = parse_json(response.value(), "a container listing");
  if (!parsed.is_ok()) return parsed.status();
  if (!parsed->is_array()) {
    return Status(ErrorCode::kInternal, "the Docker daemon's container listing is not an array");
  }
  std::vector<ContainerSummary> containers;
  for (const json& row : parsed.value()) {
    if (!row.is_object()) continue;
    ContainerSummary summary;
    summary.id = row.value("Id", "");
    summary.image = row.value("Image", "");
    summary.state = row.value("State", "");
    summary.labels = string_map(row.value("Labels", json::object()));
    if (!summary.id.empty()) containers.push_back(std::move(summary));
  }
  return containers;
}

Status DockerClient::pull_image(const std::string& ref, std::chrono::milliseconds timeout) const {
  if (ref.empty()) return Status(ErrorCode::kInvalidInput, "an image reference is required");
  auto [repo, tag] = split_reference(ref);
  HttpRequest request;
  request.method = "POST";
  request.target = "/images/create?fromImage=" + url_encode(repo);
  if (!tag.empty()) request.target += "&tag=" + url_encode(tag);
  request.timeout = timeout;
  Result<HttpResponse> response = call(request);
  if (!response.is_ok()) {
    return Status(response.status().code(),
                  "pull of " + ref + ": " + response.status().message());
  }
  // 200 only means the pull began: a failure later arrives as a progress
  // object with "error" in it.
  std::string_view rest = response->body;
  while (!rest.empty()) {
    std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    json message = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (message.is_object() && message.contains("error")) {
      const json& error = message["error"];
      return Status(ErrorCode::kUnavailable,
                    "Docker API POST /v1.41/images/create (pull of " + ref +
                        "): " + (error.is_string() ? error.get<std::string>() : error.dump()));
    }
  }
  return Status::ok();
}

Result<std::string> DockerClient::create_exec(const std::string& container_id,
                                              const ExecOptions& options) const {
  if (options.cmd.empty()) return Status(ErrorCode::kInvalidInput, "an exec needs a command");
  json body = {{"Cmd", options.cmd},     {"AttachStdin", false}, {"AttachStdout", true},
               {"AttachStderr", true}, {"Tty", false}};
  if (!options.env.empty()) body["Env"] = options.env;
  if (!options.working_dir.empty()) body["WorkingDir"] = options.working_dir;
  if (!options.user.empty()) body["User"] = options.user;
  HttpRequest request;
  request.method = "POST";
  request.target = "/containers/" + url_encode(container_id) + "/exec";
  request.content_type = "application/json";
  request.body = body.dump();
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  if (!response.is_ok()) return response.status();
  Result<json> parsed = parse_json(response.value(), "an exec creation");
  if (!parsed.is_ok()) return parsed.status();
  std::string id = parsed->value("Id", "");
  if (id.empty()) return Status(ErrorCode::kInternal, "the Docker daemon created an exec without an id");
  return id;
}

Status DockerClient::start_exec(const std::string& exec_id, const ExecOutputCallback& on_output,
                                const std::function<bool()>& cancelled) const {
  StreamDemultiplexer demux(on_output);
  Status stream_status;
  HttpRequest request;
  request.method = "POST";
  request.target = "/exec/" + url_encode(exec_id) + "/start";
  request.content_type = "application/json";
  request.body = R"({"Detach":false,"Tty":false})";
  // A command may run for hours; only `cancelled` ends the wait early.
  request.timeout = std::chrono::milliseconds(0);
  request.on_body = [&demux, &stream_status](std::string_view bytes) {
    stream_status = demux.feed(bytes);
    return stream_status.is_ok();
  };
  request.cancelled = cancelled;
  Result<HttpResponse> response = call(request);
  if (!stream_status.is_ok()) return stream_status;
  if (!response.is_ok()) return response.status();
  return demux.finish();
}

Result<ExecInfo> DockerClient::inspect_exec(const std::string& exec_id) const {
  HttpRequest request;
  request.target = "/exec/" + url_encode(exec_id) + "/json";
  request.timeout = timeout_;
  Result<HttpResponse> response = call(request);
  if (!response.is_ok()) return response.status();
  Result<json> parsed = parse_json(response.value(), "an exec inspection");
  if (!parsed.is_ok()) return parsed.status();
  const json& body = parsed.value();
  ExecInfo info;
  info.running = body.value("Running", false);
  info.pid = static_cast<int>(int_at(body, "Pid"));
  if (!info.running && body.contains("ExitCode") && body["ExitCode"].is_number_integer()) {
    info.exit_code = body["ExitCode"].get<int>();
  }
  return info;
}

}  // namespace kiln::docker
