// SPDX-License-Identifier: Apache-2.0
// The images module's names for the generic process runner, which moved to
// common/subprocess.h so that kiln_source can run git with it too.
#pragma once

#include "common/subprocess.h"

namespace kiln::images {

using kiln::find_program;
using kiln::LineHandler;
using kiln::run_process;

}  // namespace kiln::images
