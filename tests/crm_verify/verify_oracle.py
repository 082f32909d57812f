"""Debian's Pacemaker 2.1.5 ``crm_verify`` as an oracle: verdicts for CIB files.

Run as a script to regenerate ``data/oracle_verdicts.tsv`` (used when the oracle is not
installed): ``python tests/crm_verify/verify_oracle.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ORACLE = Path("/usr/sbin/crm_verify")
CONFORMANCE = Path(__file__).resolve().parent.parent / "conformance" / "data" / "xml"
GOLDEN = Path(__file__).resolve().parent / "data" / "oracle_verdicts.tsv"


def available() -> bool:
    return ORACLE.is_file()


def verdict_of_output(returncode: int, stderr: str) -> str:
    """``valid``, ``warnings`` or ``errors`` as crm_verify reports them."""
    if returncode == 0:
        return "valid"
    if "Warnings found during check" in stderr:
        return "warnings"
    return "errors"


def run_oracle(path: Path) -> tuple[int, str]:
    done = subprocess.run(
        [str(ORACLE), "-x", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    return done.returncode, verdict_of_output(done.returncode, done.stderr)


def golden() -> dict[str, tuple[int, str]]:
    table: dict[str, tuple[int, str]] = {}
    for line in GOLDEN.read_text().splitlines():
        if line and not line.startswith("#"):
            name, code, verdict = line.split("\t")
            table[name] = (int(code), verdict)
    return table


def main() -> int:
    lines = ["# file\texit code\tverdict of /usr/sbin/crm_verify -x (Pacemaker 2.1.5, Debian)"]
    for path in sorted(CONFORMANCE.glob("*.xml")):
        code, verdict = run_oracle(path)
        lines.append(f"{path.name}\t{code}\t{verdict}")
    GOLDEN.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
