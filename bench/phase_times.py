#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Per-phase durations from `kiln run --json` outputs: median, min, max.

  bench/phase_times.py run1.json run2.json ...

Phase start/end times in the Build object are seconds with millisecond
precision; the figures are end - start in milliseconds, plus the whole
build (endTime - startTime).
"""
import json
import statistics
import sys


def main(paths):
    per_phase = {}
    order = []
    for path in paths:
        with open(path) as f:
            build = json.load(f)
        if build.get("buildStatus") != "SUCCEEDED":
            print(f"NOTE: {path}: buildStatus {build.get('buildStatus')}")
        for phase in build["phases"]:
            if phase.get("endTime") is None:
                continue
            name = phase["phaseType"]
            if name not in per_phase:
                order.append(name)
                per_phase[name] = []
            per_phase[name].append((phase["endTime"] - phase["startTime"]) * 1000)
        per_phase.setdefault("(whole build)", []).append((build["endTime"] - build["startTime"]) * 1000)
    order.append("(whole build)")
    print(f"{'phase':<18} {'median ms':>10} {'min':>9} {'max':>9}   ({len(paths)} runs)")
    for name in order:
        v = per_phase[name]
        print(f"{name:<18} {statistics.median(v):>10.1f} {min(v):>9.1f} {max(v):>9.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
