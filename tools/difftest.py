#!/usr/bin/env python3
"""Differential testing of the scheduler against Debian's Pacemaker ``crm_simulate``.

Generates CIBs from seeds (``tests/differential/generator.py``), schedules each with our
scheduler and with ``/usr/sbin/crm_simulate`` at the same time, compares the transition graph
(normalised as the conformance suite does), the scores and the transition summary, and for
each disagreement writes the CIB, minimised by deleting resources, constraints, nodes and
status entries while the disagreement persists, to ``--out``.

Usage:
  tools/difftest.py --seeds 0:200 -j 2                 # hunt, print a line per difference
  tools/difftest.py --seeds 17 --minimise -o /tmp/diff # minimise seed 17 into /tmp/diff
  tools/difftest.py --file case.xml                    # compare one CIB file
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
DIFF = ROOT / "tests" / "differential"
for path in (ROOT, DIFF):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from differ import ORACLE, Difference, differential  # noqa: E402
from generator import generate, to_bytes  # noqa: E402
from minimise import minimise  # noqa: E402


def parse_seeds(text: str) -> list[int]:
    """``N``, ``A:B`` (B excluded) or a comma-separated list of both."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if ":" in part:
                lo, hi = part.split(":", 1)
                seeds.extend(range(int(lo), int(hi)))
            else:
                seeds.append(int(part))
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid seed list {text!r}: {part!r} is not N or A:B") from None
    return seeds


def check_seed(seed: int) -> tuple[int, Difference]:
    return seed, differential(generate(seed))


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def shrink(cib: etree._Element, first: Difference) -> tuple[etree._Element, Difference]:
    wanted = set(first.views)

    def still(trial: etree._Element) -> bool:
        d = differential(trial)
        return bool(wanted & set(d.views))

    small = minimise(cib, still)
    return small, differential(small)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--seeds", type=parse_seeds, help="seeds: N, A:B or a comma list")
    src.add_argument("--file", type=Path, help="compare one CIB file instead of generated ones")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--minimise", action="store_true", help="minimise each disagreement")
    p.add_argument("-o", "--out", type=Path, help="directory for the (minimised) disagreeing CIBs")
    p.add_argument("--failing-list", action="store_true", help="print only the disagreeing seeds")
    args = p.parse_args(argv)
    if not ORACLE.exists():
        print(f"difftest: {ORACLE} is missing (install pacemaker-cli-utils)", file=sys.stderr)
        return 2
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    if args.file:
        try:
            cib = etree.parse(str(args.file), etree.XMLParser(remove_blank_text=True)).getroot()
        except (OSError, etree.XMLSyntaxError) as exc:
            print(f"difftest: cannot read {args.file}: {exc}", file=sys.stderr)
            return 2
        d = differential(cib)
        print("agree" if d.same else f"differ {','.join(d.views)}: {d.detail}")
        if not d.same and args.minimise:
            small, d2 = shrink(cib, d)
            out = args.out or Path(".")
            write_atomic(out / f"{args.file.stem}-min.xml", to_bytes(small))
            print(f"minimised: {','.join(d2.views)}: {d2.detail}")
        return 0 if d.same else 1
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = sorted(pool.map(check_seed, args.seeds, chunksize=4))
    classes: Counter[str] = Counter()
    failing = []
    skipped = 0
    for seed, d in results:
        if d.same:
            continue
        if d.oracle_failed:
            print(f"seed {seed}: skipped, {d.detail[:200]}", file=sys.stderr)
            skipped += 1
            continue
        failing.append(seed)
        classes.update(d.views)
        if not args.failing_list:
            print(f"seed {seed}: {','.join(d.views)}: {d.detail[:400]}")
        if args.out:
            cib = generate(seed)
            if args.minimise:
                cib, d = shrink(cib, d)
                print(f"  minimised: {','.join(d.views)}: {d.detail[:400]}")
            write_atomic(args.out / f"seed-{seed}.xml", to_bytes(cib))
    if args.failing_list:
        print("\n".join(str(s) for s in failing))
    compared = len(results) - skipped
    agree = compared - len(failing)
    print(f"{agree}/{compared} agree ({skipped} skipped: Pacemaker failed); differing views: {dict(classes)}",
          file=sys.stderr)
    return 0 if not failing else 1


if __name__ == "__main__":
    sys.exit(main())
