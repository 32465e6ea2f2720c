// SPDX-License-Identifier: Apache-2.0
// LocalObjectStore: an ObjectStore in a local directory, laid out so a person
// can browse it (docs/object-store.md):
//   <root>/<bucket>/<key>          object contents, a plain file
//   <root>/.meta/<bucket>/<key>    its metadata, JSON
//   <root>/.tmp/                   writes in progress
//   <root>/.lock                   flock(2)ed while the tree changes
// Thread-safe. Several processes may share a root: every change to the tree
// (commit of a put, a remove) holds both an in-process mutex and the flock.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "objectstore/object_store.h"

namespace kiln::objectstore {

class LocalObjectStore final : public ObjectStore {
 public:
  // Opens the store at `root`, creating it if needed, and deletes temp files
  // that a crashed writer left in <root>/.tmp more than a day ago. Fails with
  // kIoError naming the path the OS refused.
  static Result<std::unique_ptr<LocalObjectStore>> open(const std::string& root);

  ~LocalObjectStore() override;
  LocalObjectStore(const LocalObjectStore&) = delete;
  LocalObjectStore& operator=(const LocalObjectStore&) = delete;

  // A key that is both an object and a "directory" of other keys ("a" and
  // "a/b") cannot be represented on disk: such a put fails with
  // kAlreadyExists naming the conflicting key, and nothing changes.
  Status put_file(const std::string& bucket, const std::string& key,
                  const std::string& local_path, const Metadata& metadata) override;
  Status get_file(const std::string& bucket, const std::string& key,
                  const std::string& local_path) override;
  // An object whose metadata file is missing (see docs/object-store.md,
  // "Crashes") reports empty metadata.
  Result<ObjectInfo> head(const std::string& bucket, const std::string& key) override;
  Result<std::vector<ObjectInfo>> list(const std::string& bucket,
                                       const std::string& prefix) override;
  Status remove(const std::string& bucket, const std::string& key) override;

  const std::string& root() const { return root_; }

 private:
  class TreeLock;

  LocalObjectStore(std::string root, int lock_fd);

  std::string object_path(const std::string& bucket, const std::string& key) const;
  std::string meta_path(const std::string& bucket, const std::string& key) const;
  Status commit(const std::string& bucket, const std::string& key,
                const std::string& data_tmp, const std::string& meta_tmp);

  // Set at construction.
  const std::string root_;
  const int lock_fd_;  // <root>/.lock, flock(2)ed by TreeLock

  // Serializes tree changes between this process's threads; flock(2) alone
  // would not, as every thread shares the one open file description.
  std::mutex mu_;
};

}  // namespace kiln::objectstore
