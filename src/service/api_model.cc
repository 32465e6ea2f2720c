// SPDX-License-Identifier: Apache-2.0
#include "service/api_model.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "service/model_pattern.h"

namespace kiln::service {

// Defined by the sources cmake/embed_file.cmake generates from models/.
std::string codebuild_model_json();
std::string logs_model_json();

namespace {

using Json = nlohmann::json;
// Member order matters: AWS reports violations in model order.
using ModelJson = nlohmann::ordered_json;

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxQuotedViolations = 100;

enum class ShapeType {
  kStructure,
  kList,
  kMap,
  kString,
  kBoolean,
  kInteger,
  kLong,
  kFloat,
  kDouble,
  kTimestamp,
  kBlob,
};

struct Member {
  std::string name;
  int shape = -1;
  bool required = false;
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::kString;
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> enum_values;
  std::optional<ModelPattern> pattern;
  bool sensitive = false;
  std::vector<Member> members;  // structure, in model order
  int member = -1;              // list
  int key = -1;                 // map
  int value = -1;               // map
};

std::optional<ShapeType> parse_shape_type(const std::string& type) {
  static const std::map<std::string, ShapeType, std::less<>> kTypes = {
      {"structure", ShapeType::kStructure},
      {"list", ShapeType::kList},
      {"map", ShapeType::kMap},
      {"string", ShapeType::kString},
      {"boolean", ShapeType::kBoolean},
      {"integer", ShapeType::kInteger},
      {"long", ShapeType::kLong},
      {"float", ShapeType::kFloat},
      {"double", ShapeType::kDouble},
      {"timestamp", ShapeType::kTimestamp},
      {"blob", ShapeType::kBlob},
  };
  auto found = kTypes.find(type);
  if (found == kTypes.end()) return std::nullopt;
  return found->second;
}

bool is_scalar(ShapeType type) {
  return type != ShapeType::kStructure && type != ShapeType::kList && type != ShapeType::kMap;
}

// A bound as Java prints it: 2160, or 0.5.
std::string format_bound(double bound) {
  if (std::floor(bound) == bound && std::fabs(bound) < 9.0e15) {
    return std::to_string(static_cast<std::int64_t>(bound));
  }
  return Json(bound).dump();
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

// What a type error shows of the offending value: scalars in full (strings
// up to 64 bytes), containers by kind only, since printing a deeply nested
// value would recurse as deep as it goes.
std::string describe_json(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      Json shown = text.size() > 64 ? text.substr(0, 64) + "..." : text;
      return shown.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    default:
      return value.dump();
  }
}

const char* expected_kind(ShapeType type) {
  switch (type) {
    case ShapeType::kStructure:
      return "an object";
    case ShapeType::kList:
      return "an array";
    case ShapeType::kMap:
      return "an object (map)";
    case ShapeType::kString:
      return "a string";
    case ShapeType::kBoolean:
      return "a boolean";
    case ShapeType::kInteger:
      return "a 32-bit integer";
    case ShapeType::kLong:
      return "a 64-bit integer";
    case ShapeType::kFloat:
    case ShapeType::kDouble:
      return "a number";
    case ShapeType::kTimestamp:
      return "a timestamp (epoch seconds or ISO 8601 string)";
    case ShapeType::kBlob:
      return "a base64 string";
  }
  return "a value";
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ISO 8601 as botocore accepts it: a date, optionally a time with seconds,
// a fraction and a zone (Z or +hh:mm).
bool is_iso8601(std::string_view text) {
  std::size_t i = 0;
  auto digits = [&](std::size_t count) {
    for (std::size_t k = 0; k < count; ++k, ++i) {
      if (i >= text.size() || !is_digit(text[i])) return false;
    }
    return true;
  };
  auto literal = [&](char c) {
    if (i < text.size() && text[i] == c) return ++i, true;
    return false;
  };
  if (!(digits(4) && literal('-') && digits(2) && literal('-') && digits(2))) return false;
  if (i == text.size()) return true;
  if (!(literal('T') || literal(' ')) || !(digits(2) && literal(':') && digits(2))) return false;
  if (literal(':')) {
    if (!digits(2)) return false;
    if (literal('.')) {
      std::size_t start = i;
      while (i < text.size() && is_digit(text[i])) ++i;
      if (i == start) return false;
    }
  }
  if (i == text.size() || literal('Z')) return i == text.size();
  if (!(literal('+') || literal('-')) || !digits(2)) return false;
  literal(':');
  return digits(2) && i == text.size();
}

bool is_base64(std::string_view text) {
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
              c == '/' || c == '=' || c == '\r' || c == '\n';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

struct ApiModel::Impl {
  std::vector<Shape> shapes;
  std::map<std::string, int, std::less<>> operations;  // name -> input shape, -1 if none
  std::string target_prefix;
  std::string validation_error_type;
  std::vector<std::string> unsupported_patterns;
};

namespace {

Result<int> shape_ref(const ModelJson& ref, const std::map<std::string, int, std::less<>>& index,
                      const std::string& where) {
  if (!ref.is_object() || !ref.contains("shape") || !ref["shape"].is_string()) {
    return Status(ErrorCode::kInvalidInput, where + ": missing shape reference");
  }
  auto found = index.find(ref["shape"].get<std::string>());
  if (found == index.end()) {
    return Status(ErrorCode::kInvalidInput,
                  where + ": unknown shape " + ref["shape"].get<std::string>());
  }
  return found->second;
}

// Fills the references of shape `shape` (its members, list member, map key
// and value) once every shape has an index.
Status link_shape(Shape& shape, const ModelJson& definition,
                  const std::map<std::string, int, std::less<>>& index) {
  if (shape.type == ShapeType::kStructure) {
    const ModelJson& members =
        definition.contains("members") ? definition["members"] : ModelJson::object();
    for (const auto& [name, ref] : members.items()) {
      Result<int> target = shape_ref(ref, index, shape.name + "." + name);
      if (!target.is_ok()) return target.status();
      shape.members.push_back({name, target.value(), false});
    }
    if (definition.contains("required")) {
      for (const auto& required : definition["required"]) {
        for (Member& member : shape.members) {
          if (required.is_string() && member.name == required.get<std::string>()) {
            member.required = true;
          }
        }
      }
    }
  } else if (shape.type == ShapeType::kList) {
    Result<int> target = shape_ref(definition.value("member", ModelJson()), index, shape.name);
    if (!target.is_ok()) return target.status();
    shape.member = target.value();
  } else if (shape.type == ShapeType::kMap) {
    Result<int> key = shape_ref(definition.value("key", ModelJson()), index, shape.name);
    if (!key.is_ok()) return key.status();
    Result<int> value = shape_ref(definition.value("value", ModelJson()), index, shape.name);
    if (!value.is_ok()) return value.status();
    shape.key = key.value();
    shape.value = value.value();
  }
  return Status::ok();
}

Status load_shapes(const ModelJson& shapes, std::vector<Shape>& out,
                   std::vector<std::string>& unsupported_patterns,
                   std::map<std::string, int, std::less<>>& index) {
  for (const auto& [name, definition] : shapes.items()) {
    if (!definition.is_object() || !definition.contains("type") ||
        !definition["type"].is_string()) {
      return Status(ErrorCode::kInvalidInput, "shape " + name + " has no type");
    }
    std::optional<ShapeType> type = parse_shape_type(definition["type"].get<std::string>());
    if (!type) {
      return Status(ErrorCode::kInvalidInput,
                    "shape " + name + " has unknown type " + definition["type"].get<std::string>());
    }
    Shape shape;
    shape.name = name;
    shape.type = *type;
    if (definition.contains("min") && definition["min"].is_number()) {
      shape.min = definition["min"].get<double>();
    }
    if (definition.contains("max") && definition["max"].is_number()) {
      shape.max = definition["max"].get<double>();
    }
    if (definition.contains("enum") && definition["enum"].is_array()) {
      for (const auto& value : definition["enum"]) {
        if (value.is_string()) shape.enum_values.push_back(value.get<std::string>());
      }
    }
    if (definition.contains("pattern") && definition["pattern"].is_string()) {
      Result<ModelPattern> pattern =
          ModelPattern::compile(definition["pattern"].get<std::string>());
      if (pattern.is_ok()) {
        shape.pattern = std::move(pattern.value());
      } else {
        unsupported_patterns.push_back(name + ": " + pattern.status().message());
      }
    }
    shape.sensitive = definition.value("sensitive", false);
    index.emplace(name, static_cast<int>(out.size()));
    out.push_back(std::move(shape));
  }
  for (const auto& [name, definition] : shapes.items()) {
    Status linked = link_shape(out[static_cast<std::size_t>(index.at(name))], definition, index);
    if (!linked.is_ok()) return linked;
  }
  return Status::ok();
}

// Walks a request along its input shape, collecting AWS-worded violations;
// stops at the first value of the wrong JSON type.
class Validator {
 public:
  explicit Validator(const std::vector<Shape>& shapes) : shapes_(shapes) {}

  // False when the walk stopped at a type error (serialization_error()).
  bool walk(int shape_index, const Json& value, const std::string& path, int depth) {
    const Shape& shape = shapes_[static_cast<std::size_t>(shape_index)];
    if (depth > kMaxDepth) {
      return type_error("Nesting deeper than " + std::to_string(kMaxDepth) + " levels at '" + path +
                        "'");
    }
    switch (shape.type) {
      case ShapeType::kStructure:
        return walk_structure(shape, value, path, depth);
      case ShapeType::kList:
        return walk_list(shape, value, path, depth);
      case ShapeType::kMap:
        return walk_map(shape, value, path, depth);
      default:
        return check_scalar(shape, value, path);
    }
  }

  const std::string& serialization_error() const { return serialization_error_; }
  std::size_t violation_count() const { return violation_count_; }
  const std::vector<std::string>& quoted_violations() const { return quoted_; }

 private:
  bool type_error(std::string message) {
    serialization_error_ = std::move(message);
    return false;
  }

  bool wrong_type(const Shape& shape, const Json& value, const std::string& path) {
    return type_error(std::string("Expected ") + expected_kind(shape.type) + " at '" + path +
                      "', got " + describe_json(value));
  }

  void violation(const std::string& shown_value, const std::string& path,
                 const std::string& constraint) {
    ++violation_count_;
    if (quoted_.size() >= kMaxQuotedViolations) return;
    quoted_.push_back("Value " + shown_value + (shown_value.empty() ? "" : " ") + "at '" + path +
                      "' failed to satisfy constraint: " + constraint);
  }

  static std::string child_path(const std::string& path, const std::string& member) {
    return path.empty() ? member : path + "." + member;
  }

  bool walk_structure(const Shape& shape, const Json& value, const std::string& path, int depth) {
    if (!value.is_object()) return wrong_type(shape, value, path);
    for (const Member& member : shape.members) {
      auto found = value.find(member.name);
      std::string member_path = child_path(path, member.name);
      // An explicit null is an absent member, as in AWS's deserializer.
      if (found == value.end() || found->is_null()) {
        if (member.required) violation("null", member_path, "Member must not be null");
        continue;
      }
      if (!walk(member.shape, *found, member_path, depth + 1)) return false;
    }
    return true;
  }

  bool walk_list(const Shape& shape, const Json& value, const std::string& path, int depth) {
    if (!value.is_array()) return wrong_type(shape, value, path);
    check_size(shape, value, path);
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::string item_path = path + "." + std::to_string(i + 1) + ".member";
      if (value[i].is_null()) {
        violation("null", item_path, "Member must not be null");
        continue;
      }
      if (!walk(shape.member, value[i], item_path, depth + 1)) return false;
    }
    return true;
  }

  // Map keys and scalar values are reported once per map, listing every
  // constraint of their shape, as AWS does ("Map value must satisfy
  // constraint: [...]"); structured values are walked at `<map>.<key>`.
  bool walk_map(const Shape& shape, const Json& value, const std::string& path, int depth) {
    if (!value.is_object()) return wrong_type(shape, value, path);
    check_size(shape, value, path);
    const Shape& key_shape = shapes_[static_cast<std::size_t>(shape.key)];
    const Shape& value_shape = shapes_[static_cast<std::size_t>(shape.value)];
    bool bad_key = false;
    bool bad_value = false;
    for (const auto& [key, item] : value.items()) {
      bad_key = bad_key || !string_failures(key_shape, key).empty();
      if (item.is_null()) continue;
      if (is_scalar(value_shape.type)) {
        if (!scalar_type_ok(value_shape, item))
          return wrong_type(value_shape, item, path + "." + key);
        bad_value = bad_value || !scalar_failures(value_shape, item).empty();
      } else if (!walk(shape.value, item, path + "." + key, depth + 1)) {
        return false;
      }
    }
    if (bad_key) {
      violation(
          show(value, shape), path,
          "Map keys must satisfy constraint: [" + join(all_constraints(key_shape), ", ") + "]");
    }
    if (bad_value) {
      violation(
          show(value, shape), path,
          "Map value must satisfy constraint: [" + join(all_constraints(value_shape), ", ") + "]");
    }
    return true;
  }

  void check_size(const Shape& shape, const Json& value, const std::string& path) {
    double size = static_cast<double>(value.size());
    if (shape.min && size < *shape.min) {
      violation(show(value, shape), path,
                "Member must have length greater than or equal to " + format_bound(*shape.min));
    }
    if (shape.max && size > *shape.max) {
      violation(show(value, shape), path,
                "Member must have length less than or equal to " + format_bound(*shape.max));
    }
  }

  static bool scalar_type_ok(const Shape& shape, const Json& value) {
    switch (shape.type) {
      case ShapeType::kString:
        return value.is_string();
      case ShapeType::kBoolean:
        return value.is_boolean();
      case ShapeType::kInteger:
        if (value.is_number_unsigned()) {
          return value.get<std::uint64_t>() <=
                 static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max());
        }
        return value.is_number_integer() &&
               value.get<std::int64_t>() >= std::numeric_limits<std::int32_t>::min() &&
               value.get<std::int64_t>() <= std::numeric_limits<std::int32_t>::max();
      case ShapeType::kLong:
        if (value.is_number_unsigned()) {
          return value.get<std::uint64_t>() <=
                 static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        }
        return value.is_number_integer();
      case ShapeType::kFloat:
      case ShapeType::kDouble:
        return value.is_number();
      case ShapeType::kTimestamp:
        return value.is_number() ||
               (value.is_string() && is_iso8601(value.get_ref<const std::string&>()));
      case ShapeType::kBlob:
        return value.is_string() && is_base64(value.get_ref<const std::string&>());
      default:
        return false;
    }
  }

  bool check_scalar(const Shape& shape, const Json& value, const std::string& path) {
    if (!scalar_type_ok(shape, value)) return wrong_type(shape, value, path);
    for (const std::string& constraint : scalar_failures(shape, value)) {
      violation(show(value, shape), path, constraint);
    }
    return true;
  }

  // The constraints `value` (of the right type) violates, in the order AWS
  // lists them for one value: pattern, min, max, enum.
  static std::vector<std::string> scalar_failures(const Shape& shape, const Json& value) {
    if (value.is_string() && shape.type == ShapeType::kString) {
      return string_failures(shape, value.get_ref<const std::string&>());
    }
    std::vector<std::string> failures;
    if (!value.is_number()) return failures;
    double number = value.get<double>();
    if (shape.min && number < *shape.min) {
      failures.push_back("Member must have value greater than or equal to " +
                         format_bound(*shape.min));
    }
    if (shape.max && number > *shape.max) {
      failures.push_back("Member must have value less than or equal to " +
                         format_bound(*shape.max));
    }
    return failures;
  }

  static std::vector<std::string> string_failures(const Shape& shape, const std::string& text) {
    std::vector<std::string> failures;
    if (shape.pattern && !shape.pattern->matches(text)) {
      failures.push_back("Member must satisfy regular expression pattern: " +
                         shape.pattern->source());
    }
    if (shape.min || shape.max) {
      double length = static_cast<double>(utf16_length(text));
      if (shape.min && length < *shape.min) {
        failures.push_back("Member must have length greater than or equal to " +
                           format_bound(*shape.min));
      }
      if (shape.max && length > *shape.max) {
        failures.push_back("Member must have length less than or equal to " +
                           format_bound(*shape.max));
      }
    }
    if (!shape.enum_values.empty()) {
      bool known = false;
      for (const std::string& allowed : shape.enum_values) known = known || allowed == text;
      if (!known) failures.push_back(enum_constraint(shape));
    }
    return failures;
  }

  static std::string enum_constraint(const Shape& shape) {
    return "Member must satisfy enum value set: [" + join(shape.enum_values, ", ") + "]";
  }

  // Every constraint of a scalar shape, in the order AWS lists them inside
  // "Map value must satisfy constraint: [...]": max, min, pattern, enum.
  static std::vector<std::string> all_constraints(const Shape& shape) {
    std::vector<std::string> out;
    const char* what = shape.type == ShapeType::kString ? "length" : "value";
    if (shape.max) {
      out.push_back(std::string("Member must have ") + what + " less than or equal to " +
                    format_bound(*shape.max));
    }
    if (shape.min) {
      out.push_back(std::string("Member must have ") + what + " greater than or equal to " +
                    format_bound(*shape.min));
    }
    if (shape.pattern) {
      out.push_back("Member must satisfy regular expression pattern: " + shape.pattern->source());
    }
    if (!shape.enum_values.empty()) out.push_back(enum_constraint(shape));
    return out;
  }

  // The value as AWS quotes it: 'text', '3000', Java's '[a, b]' and
  // '{k=v}' for lists and maps of scalars; nothing for sensitive values and
  // for anything holding structures (AWS prints "Value at 'x'" then).
  std::string show(const Json& value, const Shape& shape) const {
    std::optional<std::string> text = java_text(value, shape);
    return text ? "'" + *text + "'" : "";
  }

  std::optional<std::string> java_text(const Json& value, const Shape& shape) const {
    if (shape.sensitive) return std::nullopt;
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number() || value.is_boolean()) return value.dump();
    if (value.is_null()) return "null";
    if (shape.type == ShapeType::kList && value.is_array()) {
      const Shape& item_shape = shapes_[static_cast<std::size_t>(shape.member)];
      std::vector<std::string> items;
      for (const Json& item : value) {
        if (!is_scalar(item_shape.type) || item.is_structured()) return std::nullopt;
        std::optional<std::string> text = java_text(item, item_shape);
        if (!text) return std::nullopt;
        items.push_back(*text);
      }
      return "[" + join(items, ", ") + "]";
    }
    if (shape.type == ShapeType::kMap && value.is_object()) {
      const Shape& value_shape = shapes_[static_cast<std::size_t>(shape.value)];
      std::vector<std::string> entries;
      for (const auto& [key, item] : value.items()) {
        if (!is_scalar(value_shape.type) || item.is_structured()) return std::nullopt;
        std::optional<std::string> text = java_text(item, value_shape);
        if (!text) return std::nullopt;
        entries.push_back(key + "=" + *text);
      }
      return "{" + join(entries, ", ") + "}";
    }
    return std::nullopt;
  }

  const std::vector<Shape>& shapes_;
  std::string serialization_error_;
  std::size_t violation_count_ = 0;
  std::vector<std::string> quoted_;
};

const ApiModel& load_embedded(const std::string& text, const char* name,
                              const char* validation_error_type) {
  Result<std::unique_ptr<ApiModel>> model = ApiModel::parse(text, validation_error_type);
  if (!model.is_ok()) {
    // The text is compiled in: failing to load it is a build defect.
    std::fprintf(stderr, "kiln: embedded %s model does not load: %s\n", name,
                 model.status().message().c_str());
    std::abort();
  }
  return *model.value().release();  // lives until exit
}

}  // namespace

ApiModel::ApiModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiModel::~ApiModel() = default;

const ApiModel& ApiModel::codebuild() {
  static const ApiModel& model =
      load_embedded(codebuild_model_json(), "CodeBuild", "InvalidInputException");
  return model;
}

const ApiModel& ApiModel::logs() {
  static const ApiModel& model =
      load_embedded(logs_model_json(), "CloudWatch Logs", "InvalidParameterException");
  return model;
}

Result<std::unique_ptr<ApiModel>> ApiModel::parse(std::string_view model_json,
                                                  std::string validation_error_type) {
  ModelJson document = ModelJson::parse(model_json, nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document.contains("shapes") ||
      !document["shapes"].is_object() || !document.contains("operations") ||
      !document["operations"].is_object()) {
    return Status(ErrorCode::kInvalidInput, "not a botocore service model");
  }
  auto impl = std::make_unique<Impl>();
  impl->validation_error_type = std::move(validation_error_type);
  if (document.contains("metadata") && document["metadata"].is_object()) {
    impl->target_prefix = document["metadata"].value("targetPrefix", "");
  }
  std::map<std::string, int, std::less<>> index;
  Status loaded = load_shapes(document["shapes"], impl->shapes, impl->unsupported_patterns, index);
  if (!loaded.is_ok()) return loaded;
  for (const auto& [name, operation] : document["operations"].items()) {
    int input = -1;
    if (operation.is_object() && operation.contains("input")) {
      Result<int> ref = shape_ref(operation["input"], index, name);
      if (!ref.is_ok()) return ref.status();
      input = ref.value();
    }
    impl->operations.emplace(name, input);
  }
  return std::unique_ptr<ApiModel>(new ApiModel(std::move(impl)));
}

bool ApiModel::has_operation(std::string_view operation) const {
  return impl_->operations.find(operation) != impl_->operations.end();
}

const std::string& ApiModel::target_prefix() const { return impl_->target_prefix; }

const std::string& ApiModel::validation_error_type() const { return impl_->validation_error_type; }

const std::vector<std::string>& ApiModel::unsupported_patterns() const {
  return impl_->unsupported_patterns;
}

std::optional<ApiError> ApiModel::validate(std::string_view operation, const Json& input) const {
  auto found = impl_->operations.find(operation);
  if (found == impl_->operations.end()) {
    return ApiError{"UnknownOperationException", "Unknown operation " + std::string(operation),
                    400};
  }
  if (!input.is_object()) {
    return ApiError{"SerializationException",
                    "Expected a JSON object as the request body, got " + describe_json(input), 400};
  }
  if (found->second < 0) return std::nullopt;
  Validator validator(impl_->shapes);
  if (!validator.walk(found->second, input, "", 0)) {
    return ApiError{"SerializationException", validator.serialization_error(), 400};
  }
  std::size_t count = validator.violation_count();
  if (count == 0) return std::nullopt;
  std::string message =
      std::to_string(count) +
      (count == 1 ? " validation error detected: " : " validation errors detected: ") +
      join(validator.quoted_violations(), "; ");
  return ApiError{impl_->validation_error_type, std::move(message), 400};
}

std::optional<ApiError> validate_input(const ApiModel& model, std::string_view operation,
                                       const Json& input) {
  return model.validate(operation, input);
}

std::optional<ApiError> parse_request_body(std::string_view body, Json& out) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out = Json::object();
    return std::nullopt;
  }
  try {
    out = Json::parse(body);
  } catch (const Json::parse_error& error) {
    // what() reads "[json.exception.parse_error.101] parse error at line 1,
    // column 2: ..."; the bracketed id means nothing to a client.
    std::string_view detail = error.what();
    if (std::size_t end = detail.find("] "); end != std::string_view::npos) {
      detail.remove_prefix(end + 2);
    }
    out = Json();
    return ApiError{"SerializationException",
                    "The request body is not valid JSON: " + std::string(detail), 400};
  }
  if (!out.is_object()) {
    return ApiError{"SerializationException",
                    "Expected a JSON object as the request body, got " + describe_json(out), 400};
  }
  return std::nullopt;
}

}  // namespace kiln::service
