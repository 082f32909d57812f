#!/usr/bin/env python3
"""Drive the DRBD model (tests/agents/drbd_model) by hand: a modelled DRBD 9, not DRBD.

    tools/drbd_model.py STATE init r0 alice bob [--allow-two-primaries] [--fencing=resource-only]
    eval "$(tools/drbd_model.py STATE env alice)"   # this shell is now node alice
    agents/drbd start                               # (with OCF_RESKEY_drbd_resource=r0 set)
    tools/drbd_model.py STATE link down|up           # replication network
    tools/drbd_model.py STATE crash bob | write alice | disk bob Inconsistent | resolve bob
    tools/drbd_model.py STATE show

``env`` prints the shell exports that put the model's drbdadm/drbdsetup (and the cluster
stand-ins crm_attribute/crm_master/crm_resource/uname) first on PATH for one node, with
transient node attributes kept beside STATE in ``<STATE>.attrs``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parent.parent / "tests" / "agents" / "drbd_model"
CTL_COMMANDS = ("init", "link", "crash", "write", "disk", "resolve", "show")


def node_env(state: Path, node: str) -> dict[str, str]:
    return {
        "DRBD_MODEL_STATE": str(state),
        "DRBD_MODEL_ATTRS": f"{state}.attrs",
        "DRBD_MODEL_NODE": node,
        "DRBD_MODEL_DEV_DIR": str(state.parent),
        "PATH": f"{MODEL_DIR / 'bin'}:{os.environ.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')}",
        "HA_SBIN_DIR": str(MODEL_DIR / "bin"),
        "BASH_ENV": str(MODEL_DIR / "bash_env.sh"),
        "OCF_RESKEY_CRM_meta_on_node": node,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("state", type=Path, help="model state file (JSON), shared by all simulated nodes")
    parser.add_argument("command", choices=(*CTL_COMMANDS, "env"))
    parser.add_argument("args", nargs=argparse.REMAINDER)
    opts = parser.parse_args(argv)
    state: Path = opts.state.resolve()
    if opts.command == "env":
        if len(opts.args) != 1:
            parser.error("env takes exactly one node name")
        for key, value in node_env(state, opts.args[0]).items():
            print(f"export {key}={shlex.quote(value)}")
        return 0
    if not state.parent.is_dir():
        parser.error(f"directory of {state} does not exist")
    env = {**os.environ, "DRBD_MODEL_STATE": str(state)}
    proc = subprocess.run([sys.executable, str(MODEL_DIR / "model.py"), "ctl", opts.command, *opts.args],
                          env=env, check=False)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
