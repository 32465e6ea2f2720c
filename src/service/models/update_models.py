#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Copies botocore's CodeBuild and CloudWatch Logs models beside this script.

Keeps `version`, `metadata`, `operations` and `shapes` and drops the
`documentation` strings (two thirds of the size, and the only non-ASCII
text), so the embedded copy stays small and pure ASCII. Run it after
upgrading botocore and note the version in README.md:

    python3 src/service/models/update_models.py
"""
import gzip
import json
import os

import botocore

MODELS = {
    "codebuild/2016-10-06": "codebuild-2016-10-06.json",
    "logs/2014-03-28": "logs-2014-03-28.json",
}
DROPPED_KEYS = {"documentation", "deprecatedMessage"}


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROPPED_KEYS}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    data_dir = os.path.join(os.path.dirname(botocore.__file__), "data")
    here = os.path.dirname(os.path.abspath(__file__))
    for source, target in MODELS.items():
        with gzip.open(os.path.join(data_dir, source, "service-2.json.gz"), "rt") as f:
            model = json.load(f)
        kept = strip({k: model[k] for k in ("version", "metadata", "operations", "shapes")})
        text = json.dumps(kept, indent=1) + "\n"
        if not text.isascii():
            raise SystemExit(f"{target}: non-ASCII text left after stripping documentation")
        with open(os.path.join(here, target), "w") as f:
            f.write(text)
        print(f"{target}: {len(model['operations'])} operations, {len(text)} bytes"
              f" (botocore {botocore.__version__})")


if __name__ == "__main__":
    main()
