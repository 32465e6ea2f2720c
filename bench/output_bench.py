#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark 4 (docs/benchmarks.md, "1 GiB of build output").

A build whose one command prints 1 GiB (10,737,419 lines of 100 'x' and a
newline: head -c 1 GiB of /dev/zero | tr | fold -w 100) through
`kiln run --no-source` with the shell executor and with the docker executor
(kiln/busybox:1.0), RUNS times in turn with references:
  direct:     the same pipeline, sh -c '... >/dev/null' on the host
  docker-run: docker run --rm kiln/busybox:1.0 sh -c '... >/dev/null'
Each under /usr/bin/time -v: wall time and peak RSS (the largest single
process). The build log goes under --data-dir (default: a directory in
/tmp); it is deleted after every run.

  bench/output_bench.py [--runs 5] [--workdir /tmp] [--executors shell,docker]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KILN = os.environ.get("KILN", os.path.join(ROOT, "build/release/src/cli/kiln"))
GIB = 1 << 30
PIPELINE = f"head -c {GIB} /dev/zero | tr '\\000' x | fold -w 100"
BUILDSPEC = f"version: 0.2\nphases:\n  build:\n    commands:\n      - |\n        {PIPELINE}\n"
IMAGE = "kiln/busybox:1.0"


def timed(cmd, stdout=subprocess.DEVNULL):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        start = time.monotonic()
        rc = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name] + cmd, stdout=stdout,
                            stderr=subprocess.DEVNULL).returncode
        wall = time.monotonic() - start
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", tf.read()).group(1))
    return wall, rss / 1024, rc


def build_phase_s(path):
    build = json.load(open(path))
    for p in build["phases"]:
        if p["phaseType"] == "BUILD":
            return (p["endTime"] - p["startTime"]), build["buildStatus"]
    return float("nan"), build["buildStatus"]


def stat(values, unit, digits=2):
    return (f"median {statistics.median(values):8.{digits}f} {unit} "
            f"(min {min(values):.{digits}f}, max {max(values):.{digits}f})")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--workdir", default="/tmp")
    p.add_argument("--executors", default="shell,docker")
    args = p.parse_args()
    os.environ.setdefault("DOCKER_API_VERSION", "1.41")
    work = tempfile.mkdtemp(prefix="kiln-bench-output.", dir=args.workdir)
    mb = GIB / 1e6
    try:
        print(f"machine: {os.cpu_count()} cores; output {GIB} bytes per build")
        for executor in args.executors.split(","):
            ref_name = "direct" if executor == "shell" else "docker-run"
            ref_cmd = (["sh", "-c", PIPELINE + " >/dev/null"] if executor == "shell" else
                       ["docker", "run", "--rm", IMAGE, "sh", "-c", PIPELINE + " >/dev/null"])
            r = {k: [] for k in ("wall", "rss", "build", "log", "ref_wall", "ref_rss")}
            for run in range(args.runs):
                data = os.path.join(work, "data")
                out = os.path.join(work, "build.json")
                cmd = [KILN, "run", "--no-source", "--executor", executor, "--buildspec", BUILDSPEC,
                       "--data-dir", data, "--artifacts-dir", os.path.join(work, "artifacts"),
                       "-q", "--json"]
                if executor == "docker":
                    cmd += ["--image", IMAGE]
                with open(out, "w") as f:
                    wall, rss, rc = timed(cmd, f)
                build_s, status = build_phase_s(out)
                if rc != 0 or status != "SUCCEEDED":
                    sys.exit(f"kiln build failed: exit {rc}, {status}")
                r["log"].append(sum(os.path.getsize(os.path.join(d, n))
                                    for d, _, ns in os.walk(os.path.join(data)) for n in ns))
                shutil.rmtree(data, ignore_errors=True)
                shutil.rmtree(os.path.join(work, "artifacts"), ignore_errors=True)
                r["wall"].append(wall); r["rss"].append(rss); r["build"].append(build_s)
                ref_wall, ref_rss, rc = timed(ref_cmd)
                if rc != 0:
                    sys.exit(f"{ref_name} failed: exit {rc}")
                r["ref_wall"].append(ref_wall); r["ref_rss"].append(ref_rss)
                print(f"{executor} run {run + 1}: kiln {wall:.2f} s (BUILD {build_s:.2f} s), "
                      f"{rss:.1f} MiB, data dir {r['log'][-1] / 2**20:.0f} MiB; "
                      f"{ref_name} {ref_wall:.2f} s", flush=True)
            print(f"== {executor}")
            print(f"  kiln whole process    {stat(r['wall'], 's')}")
            print(f"  kiln BUILD phase      {stat(r['build'], 's')}")
            print(f"  kiln peak RSS         {stat(r['rss'], 'MiB', 1)}")
            print(f"  kiln throughput       {stat([mb / b for b in r['build']], 'MB/s', 1)}  (BUILD phase)")
            print(f"  {ref_name:<10} wall       {stat(r['ref_wall'], 's')}")
            print(f"  {ref_name:<10} throughput {stat([mb / w for w in r['ref_wall']], 'MB/s', 1)}")
            print(f"  ratio kiln/{ref_name} wall, pair by pair "
                  f"{stat([a / b for a, b in zip(r['wall'], r['ref_wall'])], 'x')}")
            print(f"  data dir after a build (log) {statistics.median(r['log']) / 2**20:.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
