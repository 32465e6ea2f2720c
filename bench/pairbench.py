#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Times whole processes in pairs: A, B, A, B ... after warm-up runs.

Each command is one shell string (run by /bin/sh -c). Prints, for A and B,
the min / median / max of wall seconds and of peak RSS (wait4's ru_maxrss:
the largest single process among the command and its waited-for
descendants), and the A/B wall ratio taken pair by pair.

  bench/pairbench.py --runs 7 --warmup 1 --name-a kiln --name-b docker \\
      --a 'kiln run ...' --b 'docker run ...'

With --b omitted only A is timed. With --json FILE the raw per-run figures
are written there too. The commands' output goes to /dev/null unless
--keep-output is given.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def run_once(cmd, keep_output):
    out = None if keep_output else subprocess.DEVNULL
    start = time.monotonic()
    proc = subprocess.Popen(["/bin/sh", "-c", cmd], stdout=out, stderr=out, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "rss_kib": usage.ru_maxrss, "user": usage.ru_utime,
            "sys": usage.ru_stime, "exit": proc.returncode}


def spread(values):
    return min(values), statistics.median(values), max(values)


def fmt(values, unit, scale=1.0, digits=3):
    lo, med, hi = spread([v * scale for v in values])
    return f"median {med:.{digits}f} {unit} (min {lo:.{digits}f}, max {hi:.{digits}f})"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--a", required=True)
    p.add_argument("--b")
    p.add_argument("--name-a", default="A")
    p.add_argument("--name-b", default="B")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--json")
    p.add_argument("--keep-output", action="store_true")
    args = p.parse_args()

    cmds = [(args.name_a, args.a)] + ([(args.name_b, args.b)] if args.b else [])
    for _ in range(args.warmup):
        for _, cmd in cmds:
            run_once(cmd, args.keep_output)
    runs = {name: [] for name, _ in cmds}
    for _ in range(args.runs):
        for name, cmd in cmds:
            runs[name].append(run_once(cmd, args.keep_output))

    for name, cmd in cmds:
        r = runs[name]
        bad = [x["exit"] for x in r if x["exit"] != 0]
        print(f"{name}: {cmd}")
        print(f"  wall  {fmt([x['wall'] for x in r], 's')}")
        print(f"  cpu   {fmt([x['user'] + x['sys'] for x in r], 's')}")
        print(f"  peak  {fmt([x['rss_kib'] for x in r], 'MiB', 1 / 1024, 1)}")
        if bad:
            print(f"  NOTE: {len(bad)} of {len(r)} runs exited non-zero: {bad}")
    if args.b:
        ratios = [a["wall"] / b["wall"] for a, b in zip(runs[args.name_a], runs[args.name_b])]
        print(f"ratio {args.name_a}/{args.name_b} (wall, pair by pair): {fmt(ratios, 'x', digits=2)}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(runs, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
