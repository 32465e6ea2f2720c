// SPDX-License-Identifier: Apache-2.0
#include "executor/command_script.h"

namespace kiln::executor {

namespace {

// Notes on the choices below (all shells: dash, bash, busybox ash):
// - STATE/env is sourced before the wrapper sets any variable of its own, so a
//   saved variable can never overwrite them; "$1" cannot be clobbered by it.
// - The trap passes "$?" as an argument instead of assigning it, so `set -a`
//   in the command cannot export a wrapper variable into the saved state.
// - The trap body runs with stderr to /dev/null: a command's `set -x` would
//   otherwise trace the save into the build log.
// - `>|` writes even under the command's `set -C` (noclobber); `set +eu`
//   keeps its `set -e`/`set -u` from aborting the save half-way.
// - Only builtins are used after the restore: the command may have broken PATH.
// - Unexported variables, functions, aliases, traps and `set` options are not
//   carried over; exported variables and the working directory are.
constexpr const char* kWrapperText =
    R"SH(# kiln command wrapper (docs/executors.md). Generated; do not edit.
# Usage: sh wrapper.sh STATE_DIR COMMAND_FILE WORKDIR FALLBACK_DIR
. "$1/env"
__kiln_state=$1
__kiln_command=$2
__kiln_workdir=$3
__kiln_fallback=$4
set --
if ! cd -- "$__kiln_workdir" 2>/dev/null; then
  if ! cd -- "$__kiln_fallback" 2>/dev/null; then
    printf 'kiln: cannot enter the working directory %s nor %s\n' \
      "$__kiln_workdir" "$__kiln_fallback" >&2
    exit 1
  fi
  printf 'kiln: working directory %s no longer exists; running in %s\n' \
    "$__kiln_workdir" "$__kiln_fallback" >&2
fi
__kiln_save() {
  set +eu
  export -p >| "$__kiln_state/env.next"
  pwd >| "$__kiln_state/cwd.next"
  printf '%s\n' "$1" >| "$__kiln_state/status.next"
  exit "$1"
}
trap '{ __kiln_save "$?"; } 2>/dev/null' EXIT
. "$__kiln_command"
)SH";

}  // namespace

std::string command_file_name(int index) { return "cmd-" + std::to_string(index) + ".sh"; }

const std::string& wrapper_script() {
  static const std::string text = kWrapperText;
  return text;
}

std::string command_file_text(std::string_view command) {
  std::string text(command);
  text += '\n';
  return text;
}

std::vector<std::string> wrapper_argv(const std::string& shell, const std::string& state_dir,
                                      const std::string& command_file, const std::string& workdir,
                                      const std::string& fallback_dir) {
  std::string wrapper = state_dir + "/" + std::string(kWrapperFile);
  return {shell, wrapper, state_dir, command_file, workdir, fallback_dir};
}

}  // namespace kiln::executor
