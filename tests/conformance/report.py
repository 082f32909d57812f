#!/usr/bin/env python3
"""Conformance counts as a markdown table (for the README).

Usage: .venv/bin/python tests/conformance/report.py [-j JOBS] [-o FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from conformance_harness import CaseResult, families
from update_known_failures import run_all, write_atomic

COLUMNS = ("graph", "closure", "scores", "summary", "dot")


def markdown(results: list[CaseResult]) -> str:
    n = len(results)
    totals = Counter(v for r in results for v in COLUMNS if r.ok.get(v))
    lines = [
        f"Scheduler conformance: {n} cases of Pacemaker 2.1.5's regression suite "
        "(an empty graph is graph-exact in 36).",
        "",
        "| view | passing |",
        "|---|---|",
    ]
    labels = {
        "graph": "graph exact",
        "closure": "graph closure-equal",
        "scores": "scores",
        "summary": "summary",
        "dot": "dot",
    }
    for v in COLUMNS:
        lines.append(f"| {labels[v]} | {totals[v]}/{n} |")
    fam_of = families()
    per: dict[str, Counter[str]] = {}
    sizes: Counter[str] = Counter()
    for r in results:
        for fam in fam_of.get(r.case, ["(unknown)"]):
            sizes[fam] += 1
            per.setdefault(fam, Counter()).update(v for v in COLUMNS if r.ok.get(v))
    lines += ["", "| family | cases | " + " | ".join(labels[v] for v in COLUMNS) + " |",
              "|---|---|" + "---|" * len(COLUMNS)]
    for fam in sorted(sizes):
        lines.append(
            f"| {fam} | {sizes[fam]} | " + " | ".join(str(per[fam][v]) for v in COLUMNS) + " |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("-o", "--output", help="write the table to this file instead of stdout")
    opts = p.parse_args(argv)
    text = markdown(run_all(opts.jobs))
    if opts.output:
        write_atomic(Path(opts.output), text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
