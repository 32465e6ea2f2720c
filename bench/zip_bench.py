#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark 3 (docs/benchmarks.md, "ZIP packaging of a 1 GiB tree").

Generates a ~1 GiB tree of mixed files under /tmp (many small text files,
some medium text files, a few large incompressible ones from /dev/urandom),
then, RUNS times in turn:
  kiln:   kiln run TREE --executor shell --zip  (artifacts: files '**/*'),
          under /usr/bin/time -v; DOWNLOAD_SOURCE (the copy of the source into
          the build dir) and UPLOAD_ARTIFACTS (select + zip + store) are read
          from --json
  bsdtar: bsdtar --format zip -cf OUT.zip -C TREE .  under /usr/bin/time -v
Prints medians (min, max) and the speed ratio bsdtar_time / kiln_upload_time,
pair by pair. Deletes the tree and every output afterwards.

  bench/zip_bench.py [--runs 5] [--workdir /tmp]
"""
import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KILN = os.environ.get("KILN", os.path.join(ROOT, "build/release/src/cli/kiln"))
BUILDSPEC = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo packaging\nartifacts:\n  files:\n    - '**/*'\n"
WORDS = ("build phase artifact container source commands install cache report "
         "kiln zip deflate archive version runtime docker shell image log").split()


def text_blob(rng, size):
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))) + f" {rng.randint(0, 10**6)}\n"
        out.append(line)
        n += len(line)
    return "".join(out)[:size].encode()


def make_tree(tree):
    """~1 GiB: 20,000 small text (1-20 KiB, ~200 MiB), 100 medium text
    (1-3 MiB, ~200 MiB), 3 large random files (200 MiB each)."""
    rng = random.Random(42)
    pool = text_blob(rng, 8 << 20)  # slices of one text pool keep generation fast
    total = files = 0
    for i in range(20000):
        d = os.path.join(tree, f"src/pkg{i % 100:03d}/mod{i % 7}")
        os.makedirs(d, exist_ok=True)
        size = rng.randint(1024, 20 * 1024)
        off = rng.randint(0, len(pool) - size)
        with open(os.path.join(d, f"file{i:05d}.txt"), "wb") as f:
            f.write(pool[off:off + size])
        total += size; files += 1
    os.makedirs(os.path.join(tree, "docs"), exist_ok=True)
    for i in range(100):
        size = rng.randint(1 << 20, 3 << 20)
        off = rng.randint(0, len(pool) - size)
        with open(os.path.join(tree, f"docs/medium{i:03d}.txt"), "wb") as f:
            f.write(pool[off:off + size])
        total += size; files += 1
    os.makedirs(os.path.join(tree, "bin"), exist_ok=True)
    for i in range(3):
        subprocess.run(["head", "-c", str(200 << 20), "/dev/urandom"],
                       stdout=open(os.path.join(tree, f"bin/blob{i}.bin"), "wb"), check=True)
        total += 200 << 20; files += 1
    return total, files


def timed(cmd, stdout):
    """Runs cmd under /usr/bin/time -v; returns (wall s, peak RSS KiB, exit)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        start = time.monotonic()
        rc = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name] + cmd, stdout=stdout,
                            stderr=subprocess.DEVNULL).returncode
        wall = time.monotonic() - start
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", tf.read()).group(1))
    return wall, rss, rc


def phase_ms(build, name):
    for p in build["phases"]:
        if p["phaseType"] == name:
            return (p["endTime"] - p["startTime"]) * 1000
    return float("nan")


def line(name, values, unit, digits=2):
    return (f"{name:<34} median {statistics.median(values):9.{digits}f} {unit} "
            f"(min {min(values):.{digits}f}, max {max(values):.{digits}f})")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--workdir", default="/tmp")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="kiln-bench-zip.", dir=args.workdir)
    try:
        tree = os.path.join(work, "tree")
        total, files = make_tree(tree)
        print(f"machine: {os.cpu_count()} cores; tree: {files} files, {total / 2**20:.0f} MiB")
        res = {k: [] for k in ("kiln_wall", "kiln_rss", "download", "upload", "zip_bytes",
                               "bsdtar_wall", "bsdtar_rss", "bsdtar_bytes")}
        for run in range(args.runs):
            data, arts = os.path.join(work, "data"), os.path.join(work, "artifacts")
            out = os.path.join(work, "kiln.json")
            with open(out, "w") as f:
                wall, rss, rc = timed([KILN, "run", tree, "--executor", "shell", "--zip",
                                       "--buildspec", BUILDSPEC, "--data-dir", data,
                                       "--artifacts-dir", arts, "-q", "--json"], f)
            build = json.load(open(out))
            if rc != 0 or build["buildStatus"] != "SUCCEEDED":
                sys.exit(f"kiln build failed: exit {rc}, {build['buildStatus']}")
            res["kiln_wall"].append(wall); res["kiln_rss"].append(rss / 1024)
            res["download"].append(phase_ms(build, "DOWNLOAD_SOURCE") / 1000)
            res["upload"].append(phase_ms(build, "UPLOAD_ARTIFACTS") / 1000)
            slow = {ph["phaseType"]: ph["endTime"] - ph["startTime"] for ph in build["phases"]
                    if ph.get("endTime") is not None and ph["endTime"] - ph["startTime"] >= 0.1}
            res.setdefault("phases", []).append(slow)
            res["zip_bytes"].append(sum(os.path.getsize(os.path.join(d, n))
                                        for d, _, ns in os.walk(arts) for n in ns))
            shutil.rmtree(data); shutil.rmtree(arts)
            zip_out = os.path.join(work, "out.zip")
            wall, rss, rc = timed(["bsdtar", "--format", "zip", "-cf", zip_out, "-C", tree, "."],
                                  subprocess.DEVNULL)
            if rc != 0:
                sys.exit(f"bsdtar failed: exit {rc}")
            res["bsdtar_wall"].append(wall); res["bsdtar_rss"].append(rss / 1024)
            res["bsdtar_bytes"].append(os.path.getsize(zip_out))
            os.unlink(zip_out)
            print(f"run {run + 1}: kiln upload {res['upload'][-1]:.2f} s, download "
                  f"{res['download'][-1]:.2f} s, whole {res['kiln_wall'][-1]:.2f} s, "
                  f"{res['kiln_rss'][-1]:.1f} MiB; bsdtar {res['bsdtar_wall'][-1]:.2f} s, "
                  f"{res['bsdtar_rss'][-1]:.1f} MiB; kiln phases >= 0.1 s: "
                  + ", ".join(f"{k} {v:.2f} s" for k, v in res["phases"][-1].items()), flush=True)
        mib = total / 2**20
        speed = [b / u for b, u in zip(res["bsdtar_wall"], res["upload"])]
        print(line("kiln UPLOAD_ARTIFACTS", res["upload"], "s"))
        print(line("kiln DOWNLOAD_SOURCE (copy)", res["download"], "s"))
        print(line("kiln whole process", res["kiln_wall"], "s"))
        print(line("kiln peak RSS", res["kiln_rss"], "MiB", 1))
        print(line("bsdtar whole process", res["bsdtar_wall"], "s"))
        print(line("bsdtar peak RSS", res["bsdtar_rss"], "MiB", 1))
        print(line("kiln zip throughput", [mib / u for u in res["upload"]], "MiB/s", 1))
        print(line("bsdtar throughput", [mib / b for b in res["bsdtar_wall"]], "MiB/s", 1))
        print(line("kiln copy throughput", [mib / d for d in res["download"]], "MiB/s", 1))
        print(line("speed kiln/bsdtar (pair by pair)", speed, "x"))
        print(f"zip sizes: kiln {statistics.median(res['zip_bytes']) / 2**20:.1f} MiB, "
              f"bsdtar {statistics.median(res['bsdtar_bytes']) / 2**20:.1f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
