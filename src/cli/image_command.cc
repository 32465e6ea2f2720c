// SPDX-License-Identifier: Apache-2.0
// `kiln image build` and `kiln image list`: kiln's curated build images,
// made locally from their recipes (src/images/) and kept in the Docker daemon.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "docker/docker_client.h"
#include "images/curated_image.h"
#include "images/debian_rootfs.h"
#include "images/image_builder.h"

namespace kiln::cli {

namespace {

struct BuildCommandOptions {
  std::vector<std::string> names;
  bool force = false;
  std::string mirror;  // empty: $KILN_DEBIAN_MIRROR or Debian's default
};

void print_error(const std::string& message) { std::cerr << "kiln: error: " << message << "\n"; }

// The daemon named by $DOCKER_HOST (unix:// only), else /var/run/docker.sock.
Result<std::string> docker_socket_path() {
  return docker::DockerClient::socket_path_from_docker_host(std::getenv("DOCKER_HOST"));
}

// The curated images `names` stands for, "all" expanding to every one, each once.
std::vector<const images::CuratedImage*> selected_images(const std::vector<std::string>& names) {
  std::vector<const images::CuratedImage*> selected;
  auto add = [&selected](const images::CuratedImage* image) {
    for (const images::CuratedImage* s : selected) {
      if (s == image) return;
    }
    selected.push_back(image);
  };
  for (const std::string& name : names) {
    if (name == "all") {
      for (const images::CuratedImage& image : images::curated_images()) add(&image);
    } else if (const images::CuratedImage* image = images::find_curated_image(name)) {
      add(image);
    }
  }
  return selected;
}

// Returns 0 when every image was built or was present already, 1 otherwise.
int run_build(const BuildCommandOptions& options) {
  Result<std::string> socket = docker_socket_path();
  if (!socket.is_ok()) {
    print_error(socket.status().message());
    return 1;
  }
  images::BuildOptions build;
  build.force = options.force;
  build.debian_mirror = options.mirror.empty() ? images::default_debian_mirror() : options.mirror;
  if (Status mirror = images::check_mirror_url(build.debian_mirror); !mirror.is_ok()) {
    print_error(mirror.message());
    return 1;
  }
  docker::DockerClient client(socket.value());
  images::ImageBuilder builder(client, build, [](std::string_view line) {
    std::cerr << "kiln: " << line << "\n" << std::flush;
  });
  int failures = 0;
  for (const images::CuratedImage* image : selected_images(options.names)) {
    Result<images::BuildResult> result = builder.build(*image);
    if (!result.is_ok()) {
      print_error("building " + image->ref() + ": " + result.status().message());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

std::string size_text(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

// Prints each curated image and whether the daemon has it. Returns 0, or 1
// when the daemon cannot be asked.
int run_list() {
  Result<std::string> socket = docker_socket_path();
  if (!socket.is_ok()) {
    print_error(socket.status().message());
    return 1;
  }
  docker::DockerClient client(socket.value());
  if (Status ping = client.ping(); !ping.is_ok()) {
    print_error(ping.message());
    return 1;
  }
  std::printf("%-10s %-20s %-8s %-10s %s\n", "NAME", "IMAGE", "PRESENT", "SIZE", "DESCRIPTION");
  for (const images::CuratedImage& image : images::curated_images()) {
    Result<std::optional<docker::ImageInfo>> info = client.inspect_image(image.ref());
    if (!info.is_ok()) {
      std::fflush(stdout);
      print_error(info.status().message());
      return 1;
    }
    bool present = info->has_value();
    std::printf("%-10s %-20s %-8s %-10s %s\n", image.name.c_str(), image.ref().c_str(),
                present ? "yes" : "no", present ? size_text(info->value().size_bytes).c_str() : "-",
                image.description.c_str());
  }
  return 0;
}

}  // namespace

void register_image_command(CLI::App& app, int& exit_code) {
  CLI::App* image = app.add_subcommand(
      "image", "Build and list kiln's curated build images (made locally, no registry needed)");
  image->require_subcommand(1);

  auto options = std::make_shared<BuildCommandOptions>();
  CLI::App* build =
      image->add_subcommand("build", "Build curated images and import them into the Docker daemon");
  build->footer(
      "Images:\n"
      "  standard  kiln/standard:1.0, Debian 12 minbase with bash, git, curl, zip,\n"
      "            python3 and build-essential, made with debootstrap (needs root;\n"
      "            a few minutes)\n"
      "  busybox   kiln/busybox:1.0, Debian's static busybox; a tiny test image\n"
      "  all       every curated image\n"
      "An image already present is skipped unless --force is given. The daemon is\n"
      "reached at /var/run/docker.sock, or at DOCKER_HOST=unix:///path.\n"
      "Exit status: 0 every image built or present, 1 some image failed.");
  build->add_option("names", options->names, "Images to build: standard, busybox or all")
      ->required()
      ->check(CLI::IsMember({"standard", "busybox", "all"}));
  build->add_flag("--force", options->force, "Rebuild images that are present already");
  build->add_option("--mirror", options->mirror,
                    "Debian mirror URL for kiln/standard (default: $KILN_DEBIAN_MIRROR, "
                    "else http://deb.debian.org/debian)");
  build->callback([options, &exit_code] { exit_code = run_build(*options); });

  CLI::App* list = image->add_subcommand(
      "list", "List kiln's curated images, their tags and whether the Docker daemon has them");
  list->footer("Exit status: 0 listed, 1 the daemon cannot be reached.");
  list->callback([&exit_code] { exit_code = run_list(); });
}

}  // namespace kiln::cli
