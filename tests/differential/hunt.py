#!/usr/bin/env python3
"""Agreement with Pacemaker per family of generated CIBs, one JSON line per seed.

Families: ``promotable`` (a promotable clone), ``clone`` (clones, none promotable), ``prim``
(primitives and groups only). ``--extended`` adds the generator's extension features
(migration, notifications, orphans, templates) to every seed.

Usage: .venv/bin/python tests/differential/hunt.py 0:2000 [-j 2] [--extended] [-o results.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (HERE.parents[1], HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from differ import differential  # noqa: E402
from generator import generate  # noqa: E402
from lxml import etree  # noqa: E402


def family(cib: etree._Element) -> str:
    resources = cib.find("configuration/resources")
    if resources is None:
        return "prim"
    if any(nv.get("name") == "promotable" and nv.get("value") == "true" for nv in resources.iter("nvpair")):
        return "promotable"
    return "clone" if resources.find(".//clone") is not None else "prim"


def check(seed: int, extended: bool) -> dict[str, object]:
    cib = generate(seed, extended)
    d = differential(cib)
    return {"seed": seed, "family": family(cib), "views": list(d.views), "detail": d.detail[:1500]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("seeds", help="A:B (B excluded)")
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("--extended", action="store_true")
    p.add_argument("-o", "--out", type=Path, help="write one JSON line per seed")
    args = p.parse_args(argv)
    lo, hi = (int(x) for x in args.seeds.split(":", 1))
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    skipped = 0
    out = open(args.out, "w") if args.out else None  # noqa: SIM115
    try:
        with ProcessPoolExecutor(max(1, args.jobs)) as pool:
            for r in pool.map(partial(check, extended=args.extended), range(lo, hi), chunksize=2):
                if out:
                    out.write(json.dumps(r) + "\n")
                    out.flush()
                if r["views"] == ["oracle"]:
                    skipped += 1
                    continue
                fam = str(r["family"])
                total[fam] += 1
                agree[fam] += not r["views"]
    finally:
        if out:
            out.close()
    for fam in sorted(total):
        print(f"{fam}: {agree[fam]}/{total[fam]} ({100 * agree[fam] / total[fam]:.1f}%)")
    print(f"all: {sum(agree.values())}/{sum(total.values())} ({skipped} skipped: Pacemaker failed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
