// SPDX-License-Identifier: Apache-2.0
#include "buildspec/batch_reader.h"

#include <map>
#include <set>

namespace kiln::buildspec {

namespace {

class BatchReader {
 public:
  explicit BatchReader(NodeReader& reader) : r_(reader) {}

  std::optional<model::BatchSpec> read(const YamlNode& value, const std::string& path) {
    if (!r_.expect_mapping(value, path,
                           "a mapping (fast-fail and one of build-list, build-graph, "
                           "build-matrix, build-fanout)"))
      return std::nullopt;
    model::BatchSpec batch;
    int kinds = 0;
    r_.for_each_key(value, path,
                    {"fast-fail", "build-list", "build-graph", "build-matrix", "build-fanout"},
                    [&](const std::string& key, const YamlNode& v, const std::string& p) {
                      if (key == "fast-fail") {
                        if (auto f = r_.flag(v, p)) batch.fast_fail = *f;
                        return;
                      }
                      if (++kinds > 1) {
                        r_.error(v, p,
                                 "a batch has exactly one of build-list, build-graph, "
                                 "build-matrix or build-fanout");
                        return;
                      }
                      read_kind(key, v, p, batch);
                    });
    if (kinds == 0)
      r_.error(value, path,
               "expected one of build-list, build-graph, build-matrix or build-fanout");
    return batch;
  }

 private:
  void read_kind(const std::string& key, const YamlNode& v, const std::string& path,
                 model::BatchSpec& batch) {
    if (key == "build-list") {
      batch.kind = model::BatchKind::kBuildList;
      read_tasks(v, path, /*graph=*/false, batch.tasks);
    } else if (key == "build-graph") {
      batch.kind = model::BatchKind::kBuildGraph;
      read_tasks(v, path, /*graph=*/true, batch.tasks);
      check_graph(v, path, batch.tasks);
    } else if (key == "build-matrix") {
      batch.kind = model::BatchKind::kBuildMatrix;
      batch.matrix = read_matrix(v, path);
    } else if (key == "build-fanout") {
      batch.kind = model::BatchKind::kBuildFanout;
      read_fanout(v, path, batch);
    }
  }

  void read_tasks(const YamlNode& v, const std::string& path, bool graph,
                  std::vector<model::BatchTaskSpec>& out) {
    if (v.kind != YamlNode::Kind::kSequence) {
      r_.error(v, path, std::string("expected a list of build tasks, found ") + v.describe());
      return;
    }
    std::map<std::string, int> seen;  // identifier → line
    for (size_t i = 0; i < v.items.size(); ++i) {
      const YamlNode& item = *v.items[i];
      std::string p = index_path(path, i);
      if (!r_.expect_mapping(item, p, "a build task (identifier, buildspec, env, ...)")) continue;
      model::BatchTaskSpec task = read_task(item, p, graph);
      const YamlNode* id = item.find("identifier");
      if (!id) {
        r_.error(item, join_path(p, "identifier"), "identifier is required for a build task");
      } else if (!task.identifier.empty()) {
        auto [it, inserted] = seen.emplace(task.identifier, id->line);
        if (!inserted)
          r_.error(*id, join_path(p, "identifier"),
                   "duplicate identifier \"" + task.identifier + "\" (first used at line " +
                       std::to_string(it->second) + ")");
      }
      out.push_back(std::move(task));
    }
  }

  model::BatchTaskSpec read_task(const YamlNode& item, const std::string& path, bool graph) {
    model::BatchTaskSpec task;
    std::initializer_list<std::string_view> list_keys = {"identifier", "buildspec", "env",
                                                         "ignore-failure", "debug-session"};
    std::initializer_list<std::string_view> graph_keys = {
        "identifier", "buildspec", "env", "ignore-failure", "debug-session", "depend-on"};
    r_.for_each_key(item, path, graph ? graph_keys : list_keys,
                    [&](const std::string& key, const YamlNode& v, const std::string& p) {
                      read_task_key(key, v, p, task);
                    });
    return task;
  }

  // Keys shared by tasks and the matrix's `static` block.
  void read_task_key(const std::string& key, const YamlNode& v, const std::string& path,
                     model::BatchTaskSpec& task) {
    if (key == "identifier") {
      auto id = r_.non_empty_text(v, path);
      if (id && !is_identifier(*id))
        r_.error(v, path,
                 "identifier \"" + *id + "\" may hold only letters, digits and underscores");
      else if (id)
        task.identifier = *id;
    } else if (key == "buildspec") {
      if (auto s = r_.text(v, path, true)) task.buildspec = *s;
    } else if (key == "env") {
      read_task_env(v, path, task.env);
    } else if (key == "depend-on") {
      if (auto list = r_.text_list(v, path)) task.depend_on = std::move(*list);
    } else if (key == "ignore-failure") {
      if (auto f = r_.flag(v, path)) task.ignore_failure = *f;
    } else if (key == "debug-session") {
      if (auto f = r_.flag(v, path)) task.debug_session = *f;
    }
  }

  void read_task_env(const YamlNode& v, const std::string& path, model::BatchEnvSpec& env) {
    if (v.kind == YamlNode::Kind::kNull) return;
    if (!r_.expect_mapping(v, path, "a mapping (compute-type, image, privileged-mode, ...)"))
      return;
    r_.for_each_key(v, path,
                    {"compute-type", "image", "privileged-mode", "type", "variables", "fleet"},
                    [&](const std::string& key, const YamlNode& value, const std::string& p) {
                      if (key == "privileged-mode") {
                        if (auto f = r_.flag(value, p)) env.privileged_mode = *f;
                      } else if (key == "variables") {
                        if (auto vars = r_.text_map(value, p)) env.variables = std::move(*vars);
                      } else if (auto s = r_.text(value, p, true)) {
                        if (key == "compute-type") env.compute_type = *s;
                        if (key == "image") env.image = *s;
                        if (key == "type") env.type = *s;
                      }
                    });
  }

  // Every depend-on names a task, and the graph has no cycle (Kahn's algorithm).
  void check_graph(const YamlNode& v, const std::string& path,
                   const std::vector<model::BatchTaskSpec>& tasks) {
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < tasks.size(); ++i) index.emplace(tasks[i].identifier, i);
    std::vector<int> unmet(tasks.size(), 0);
    std::vector<std::vector<size_t>> dependents(tasks.size());
    bool ok = true;
    for (size_t i = 0; i < tasks.size(); ++i) {
      for (size_t j = 0; j < tasks[i].depend_on.size(); ++j) {
        const std::string& dep = tasks[i].depend_on[j];
        auto it = index.find(dep);
        if (it == index.end()) {
          r_.error(depend_on_node(v, i, j), index_path(join_path(index_path(path, i), "depend-on"), j),
                   "depends on \"" + dep + "\", which is not an identifier in build-graph");
          ok = false;
          continue;
        }
        ++unmet[i];
        dependents[it->second].push_back(i);
      }
    }
    if (!ok) return;
    std::vector<size_t> ready;
    for (size_t i = 0; i < tasks.size(); ++i)
      if (unmet[i] == 0) ready.push_back(i);
    size_t done = 0;
    while (!ready.empty()) {
      size_t t = ready.back();
      ready.pop_back();
      ++done;
      for (size_t d : dependents[t])
        if (--unmet[d] == 0) ready.push_back(d);
    }
    if (done == tasks.size()) return;
    std::string cycle;
    for (size_t i = 0; i < tasks.size(); ++i)
      if (unmet[i] > 0) cycle += (cycle.empty() ? "" : ", ") + tasks[i].identifier;
    r_.error(v, path, "depend-on forms a cycle among: " + cycle);
  }

  // The YAML node of task i's j-th depend-on entry (or the nearest enclosing one).
  static const YamlNode& depend_on_node(const YamlNode& list, size_t i, size_t j) {
    if (i >= list.items.size()) return list;
    const YamlNode& task = *list.items[i];
    const YamlNode* deps = task.find("depend-on");
    if (!deps) return task;
    if (deps->kind == YamlNode::Kind::kSequence && j < deps->items.size()) return *deps->items[j];
    return *deps;
  }

  std::optional<model::BatchMatrixSpec> read_matrix(const YamlNode& v, const std::string& path) {
    if (!r_.expect_mapping(v, path, "a mapping with static and dynamic")) return std::nullopt;
    model::BatchMatrixSpec matrix;
    r_.for_each_key(v, path, {"static", "dynamic"},
                    [&](const std::string& key, const YamlNode& value, const std::string& p) {
                      if (key == "static") {
                        read_matrix_static(value, p, matrix.static_settings);
                      } else {
                        read_matrix_dynamic(value, p, matrix);
                      }
                    });
    if (!v.find("dynamic"))
      r_.error(v, join_path(path, "dynamic"), "dynamic is required in build-matrix");
    return matrix;
  }

  void read_matrix_static(const YamlNode& v, const std::string& path,
                          model::BatchTaskSpec& settings) {
    if (v.kind == YamlNode::Kind::kNull) return;
    if (!r_.expect_mapping(v, path, "a mapping (buildspec, env, ignore-failure, debug-session)"))
      return;
    r_.for_each_key(v, path, {"buildspec", "env", "ignore-failure", "debug-session"},
                    [&](const std::string& key, const YamlNode& value, const std::string& p) {
                      read_task_key(key, value, p, settings);
                    });
  }

  void read_matrix_dynamic(const YamlNode& v, const std::string& path,
                           model::BatchMatrixSpec& matrix) {
    if (!r_.expect_mapping(v, path, "a mapping (buildspec, env)")) return;
    r_.for_each_key(v, path, {"buildspec", "env"},
                    [&](const std::string& key, const YamlNode& value, const std::string& p) {
                      if (key == "buildspec") {
                        if (auto list = r_.text_list(value, p)) matrix.buildspecs = std::move(*list);
                      } else {
                        read_matrix_env(value, p, matrix);
                      }
                    });
  }

  void read_matrix_env(const YamlNode& v, const std::string& path,
                       model::BatchMatrixSpec& matrix) {
    if (!r_.expect_mapping(v, path, "a mapping (compute-type, image, variables)")) return;
    r_.for_each_key(v, path, {"compute-type", "image", "variables"},
                    [&](const std::string& key, const YamlNode& value, const std::string& p) {
                      if (key == "variables") {
                        read_matrix_variables(value, p, matrix.variables);
                      } else if (auto list = r_.text_list(value, p)) {
                        (key == "image" ? matrix.images : matrix.compute_types) = std::move(*list);
                      }
                    });
  }

  void read_matrix_variables(
      const YamlNode& v, const std::string& path,
      std::vector<std::pair<std::string, std::vector<std::string>>>& out) {
    if (v.kind == YamlNode::Kind::kNull) return;
    if (!r_.expect_mapping(v, path, "a mapping of variable names to lists of values")) return;
    for (const auto& [key, value] : v.entries) {
      if (auto list = r_.text_list(*value, join_path(path, key->value)))
        out.emplace_back(key->value, std::move(*list));
    }
  }

  void read_fanout(const YamlNode& v, const std::string& path, model::BatchSpec& batch) {
    if (!r_.expect_mapping(v, path, "a mapping (parallelism, ignore-failure)")) return;
    r_.for_each_key(v, path, {"parallelism", "ignore-failure"},
                    [&](const std::string& key, const YamlNode& value, const std::string& p) {
                      if (key == "parallelism") {
                        if (auto n = r_.integer(value, p, 1, 100)) batch.fanout_parallelism = *n;
                      } else if (auto f = r_.flag(value, p)) {
                        batch.fanout_ignore_failure = *f;
                      }
                    });
  }

  NodeReader& r_;
};

}  // namespace

std::optional<model::BatchSpec> read_batch(NodeReader& reader, const YamlNode& value,
                                           const std::string& path) {
  return BatchReader(reader).read(value, path);
}

}  // namespace kiln::buildspec
