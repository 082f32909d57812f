"""Record the cases of Pacemaker 2.1.5's CLI regression suite as data.

The suite (``data/cts-cli.in``) is a shell script whose cases share state: a shadow CIB that
one case changes and the next one reads, temporary XML files, exported variables.  This tool
runs it once with Pacemaker's own tools, and at the start of every case writes down what the
case starts from: its description, command, expected exit code, whether the CIB is shown after
it, the environment variables Pacemaker reads (``CIB_*``, ``PCMK_*``, ``OCF_*``, ``TZ``,
``LC_ALL``...) and the content of every file it can touch (the shadow directory, ``CIB_file``,
the temporary files its command names).  :mod:`runner` then runs each case on its own from that
state with any set of tools.

Usage (needs Debian's pacemaker-cli-utils and pacemaker)::

    python tests/cli_regression/record.py            # rewrites data/cases.json and data/blobs/
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
GROUPS = ("daemons", "dates", "error_codes", "tools", "crm_mon", "acls", "validity", "upgrade", "rules", "feature_set")
ENV_PREFIXES = ("CIB_", "PCMK_", "OCF_", "HA_", "LC_", "TZ", "G_SLICE", "LANG")
TMP_MARK = "{TMP}"
HOME_MARK = "{HOME}"
TOMORROW_MARK = "{TOMORROW}"
#: scratch files of the suite itself (its output and capture files), never inputs of a case
_OWN_FILES = re.compile(r"cts-cli\.(ta_outfile|ta_errfile|xmllint_outfile|(" + "|".join(GROUPS) + r"))\.[A-Za-z0-9]{10}$")

HOOK = """
function _test_assert() {
    "$CTS_RECORD_PYTHON" "$CTS_RECORD_SCRIPT" --hook "$t" "$desc" "$cmd" "$1" "$2" "$3"
    __cts_orig_test_assert "$@"
}

"""


def _placeholders(text: str, tmp: str, home: str) -> str:
    return text.replace(tmp, TMP_MARK).replace(home, HOME_MARK)


def hook(group: str, desc: str, cmd: str, target: str, validate: str, cib: str) -> None:
    """Called by the instrumented suite at the start of a case: append its record."""
    tmp = os.environ["CTS_RECORD_TMP"]
    home = os.environ["CTS_RECORD_HOME"]
    blobs = Path(os.environ["CTS_RECORD_BLOBS"])
    env = {
        k: _placeholders(v, tmp, home)
        for k, v in os.environ.items()
        if k.startswith(ENV_PREFIXES) and not k.startswith("CTS_RECORD")
    }
    files: dict[str, str] = {}
    candidates: set[Path] = set()
    shadow_dir = os.environ.get("CIB_shadow_dir", "")  # noqa: SIM112
    if shadow_dir.startswith(tmp) and Path(shadow_dir).is_dir():
        candidates.update(p for p in Path(shadow_dir).rglob("*") if p.is_file())
    cib_file = os.environ.get("CIB_file", "")  # noqa: SIM112
    if cib_file.startswith(tmp):
        candidates.add(Path(cib_file))
    for match in re.findall(re.escape(tmp) + r"/[^\s'\"<>|;]+", cmd):
        candidates.add(Path(match))
    for path in candidates:
        if not path.is_file() or _OWN_FILES.search(path.name):
            continue
        data = path.read_bytes()
        tomorrow = os.environ.get("CTS_RECORD_TOMORROW", "")
        if tomorrow:  # the suite writes "tomorrow" into a rule: keep it relative to the run
            data = data.replace(tomorrow.encode(), TOMORROW_MARK.encode())
        digest = hashlib.sha256(data).hexdigest()[:20]
        blob = blobs / digest
        if not blob.exists():
            blob.write_bytes(data)
        files[_placeholders(str(path), tmp, home)] = digest
    record = {
        "group": group,
        "desc": desc,
        "cmd": _placeholders(cmd, tmp, home),
        "target": int(target),
        "validate": validate == "1",
        "cib": cib != "0",
        "env": dict(sorted(env.items())),
        "files": dict(sorted(files.items())),
    }
    with open(os.environ["CTS_RECORD_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")


def record() -> None:
    work = Path(tempfile.mkdtemp(prefix="cts-record."))
    try:
        cts = work / "cts"
        cts.mkdir()
        (cts / "cli").symlink_to(DATA / "cli")
        tmp = work / "tmp"
        tmp.mkdir()
        script = (DATA / "cts-cli.in").read_text()
        script = (
            script.replace("@BASH_PATH@", "/bin/bash")
            .replace("@CRM_DAEMON_DIR@", "/usr/lib/pacemaker")
            .replace("@CRM_SCHEMA_DIRECTORY@", "/usr/share/pacemaker")
            .replace("function _test_assert() {", "function __cts_orig_test_assert() {")
            .replace("# Process command-line arguments", HOOK + "# Process command-line arguments")
        )
        (cts / "cts-cli").write_text(script)
        blobs = DATA / "blobs"
        if blobs.exists():
            shutil.rmtree(blobs)
        blobs.mkdir()
        log = work / "cases.jsonl"
        env = dict(os.environ)
        env.update(
            TMPDIR=str(tmp),
            PATH="/usr/sbin:/usr/bin:/sbin:/bin",
            CTS_RECORD_PYTHON=sys.executable,
            CTS_RECORD_SCRIPT=str(Path(__file__).resolve()),
            CTS_RECORD_TMP=str(tmp),
            CTS_RECORD_HOME=str(cts),
            CTS_RECORD_BLOBS=str(blobs),
            CTS_RECORD_LOG=str(log),
            CTS_RECORD_TOMORROW=subprocess.run(
                ["date", "--date=tomorrow", "+%F %T %z"], capture_output=True, text=True, check=True
            ).stdout.strip()[:10],
        )
        proc = subprocess.run(
            ["/bin/bash", str(cts / "cts-cli"), "-t", " ".join(GROUPS)],
            cwd=tmp, env=env, capture_output=True, text=True, check=False,
        )
        print(proc.stdout[-3000:])
        cases = [json.loads(line) for line in log.read_text().splitlines()]
        (DATA / "cases.json").write_text(json.dumps(cases, indent=1) + "\n")
        print(f"{len(cases)} cases recorded")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--hook":
        hook(*sys.argv[2:8])
    else:
        record()
