"""Run Debian's and pacer's ``crm_simulate`` on one damaged CIB and compare what they do
with it: accept it (and schedule) or refuse it (exit 78 and schema errors on stderr).

Also a command: ``python tests/cib_damage/load_oracle.py [-n COUNT] [--first SEED] [-v]``
prints the agreement on COUNT seeds and the disagreements.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cib_damager import Damaged, damaged

ROOT = Path(__file__).resolve().parents[2]
ORACLE = Path("/usr/sbin/crm_simulate")
OURS = [sys.executable, "-m", "crm.cli.crm_simulate"]
ARGS = ["-S", "-Q"]
TIMEOUT = 120
REFUSED = 78


@dataclass(frozen=True)
class Outcome:
    rc: int
    stderr: str

    @property
    def accepted(self) -> bool:
        return self.rc != REFUSED

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.stderr


def _run(command: list[str], path: Path) -> Outcome:
    env = dict(os.environ)
    env.pop("CIB_file", None)
    env.pop("CIB_shadow", None)
    env["PYTHONPATH"] = str(ROOT)
    try:
        proc = subprocess.run(
            [*command, "-x", str(path), *ARGS],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            cwd=str(path.parent),
        )
    except subprocess.TimeoutExpired:
        return Outcome(rc=-1, stderr="timeout")
    return Outcome(rc=proc.returncode, stderr=proc.stderr)


def same_messages(theirs: str, ours: str) -> bool:
    """The same lines, in any order (libxml2 lists IDREF errors in hash order)."""
    return sorted(theirs.splitlines()) == sorted(ours.splitlines())


def show_difference(theirs: str, ours: str) -> None:
    a, b = Counter(theirs.splitlines()), Counter(ours.splitlines())
    for line in list((a - b).elements())[:5]:
        print(f"  only debian: {line}")
    for line in list((b - a).elements())[:5]:
        print(f"  only pacer:  {line}")


def compare(case: Damaged, directory: Path) -> tuple[Outcome, Outcome]:
    """(Debian's outcome, ours) on ``case``, written as ``directory/cib.xml``."""
    path = directory / "cib.xml"
    path.write_bytes(case.text)
    return _run([str(ORACLE)], path), _run(OURS, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--count", type=int, default=100)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    same = 0
    tally: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.first, args.first + args.count):
            case = damaged(seed)
            theirs, ours = compare(case, Path(tmp))
            agree = theirs.accepted == ours.accepted and ours.rc != -1 and not ours.traceback
            same += agree
            tally[f"debian {'accepts' if theirs.accepted else 'refuses'}, pacer {'accepts' if ours.accepted else 'refuses'}"] += 1
            if ours.traceback or ours.rc == -1:
                tally["pacer traceback or timeout"] += 1
            if not theirs.accepted and not ours.accepted:
                same_lines = same_messages(theirs.stderr, ours.stderr)
                tally[f"both refuse, stderr {'same' if same_lines else 'differs'}"] += 1
                if not same_lines and args.verbose:
                    show_difference(theirs.stderr, ours.stderr)
            if not agree:
                print(f"seed {seed} {case.source}: debian rc={theirs.rc} pacer rc={ours.rc}; {'; '.join(case.changes)}")
                if not agree:
                    print("  debian: " + "\n  debian: ".join(theirs.stderr.splitlines()[:4]))
                    print("  pacer:  " + "\n  pacer:  ".join(ours.stderr.splitlines()[-6:]))
    for key, value in sorted(tally.items()):
        print(f"{key}: {value}")
    print(f"agreement: {same}/{args.count} ({100.0 * same / args.count:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
