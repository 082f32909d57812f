"""The pacer demo: migrate a Heartbeat v1 cluster and ask the policy engine what it would do.

Run as ``python -m crm.demo [--out DIR] [--example DIR]`` (``./demo.sh`` does that after
setting up the virtualenv). Every step is one of pacer's own commands, printed before it
runs so that an administrator can repeat it by hand:

1. ``haresources2cib`` turns ``ha.cf`` + ``haresources`` into a current-schema CIB;
2. ``hacf2corosync`` turns ``ha.cf`` + ``authkeys`` into ``corosync.conf`` + ``authkey``;
3. ``crm_verify`` validates the CIB (schema and configuration checks);
4. ``crm_simulate`` brings both nodes up, schedules, runs the transition graph in
   simulation and shows the revised cluster status;
5. ``crm_attribute`` records the node attributes the ping and drbd agents would set, and
   ``crm_simulate`` promotes DRBD and starts the services on top of it;
6. ``crm_simulate`` again with the first node failed: where do the services go?
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

EXAMPLE_DIR = Path(__file__).resolve().parent.parent / "examples" / "heartbeat"


def _tool(name: str) -> str:
    """The path of one of pacer's console scripts, next to the running interpreter."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _run(title: str, argv: Sequence[str], *, env_cib: Path | None = None) -> int:
    shown = " ".join(shlex.quote(a if not a.startswith("/") else Path(a).name) for a in argv)
    prefix = f"CIB_file={env_cib.name} " if env_cib is not None else ""
    print(f"\n=== {title}\n$ {prefix}{shown}", flush=True)
    env = None
    if env_cib is not None:
        env = dict(os.environ, CIB_file=str(env_cib))
    proc = subprocess.run(list(argv), env=env, check=False)
    if proc.returncode != 0:
        print(f"(exit code {proc.returncode})", flush=True)
    return proc.returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pacer-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--example", type=Path, default=EXAMPLE_DIR,
                        help="directory with ha.cf, haresources and authkeys")
    parser.add_argument("--out", type=Path, default=Path("demo-out"), help="where to write results")
    args = parser.parse_args(argv)

    example: Path = args.example
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    cib = out / "cib.xml"
    for name in ("ha.cf", "haresources", "authkeys"):
        if not (example / name).is_file():
            print(f"pacer-demo: {example / name}: missing", file=sys.stderr)
            return 2

    print(f"Heartbeat v1 input ({example}):")
    for name in ("haresources", "ha.cf"):
        print(f"\n--- {name}")
        print((example / name).read_text().rstrip())

    cmd = [_tool("haresources2cib"), "-c", str(example / "ha.cf"), "--stdout", str(example / "haresources")]
    print(f"\n=== Convert haresources + ha.cf to a CIB\n$ {' '.join(shlex.quote(c) for c in ['haresources2cib', *cmd[1:]])}",
          flush=True)
    conv = subprocess.run(cmd, capture_output=True, text=True, check=False)
    sys.stderr.write(conv.stderr)
    if conv.returncode != 0:
        print(f"(exit code {conv.returncode})")
        return conv.returncode
    cib.write_text(conv.stdout)
    print(conv.stdout.rstrip())
    print(f"(written to {cib})")

    # git does not keep file modes beyond the executable bit: give the copy the mode an
    # administrator's /etc/ha.d/authkeys has (Heartbeat refused anything else).
    authkeys = out / "authkeys"
    authkeys.write_bytes((example / "authkeys").read_bytes())
    authkeys.chmod(0o600)
    rc = _run("Generate corosync.conf and a fresh authkey",
              [_tool("hacf2corosync"), "-c", str(example / "ha.cf"), "-k", str(authkeys),
               "-o", str(out), "--force"])
    if rc == 0 and (out / "corosync.conf").exists():
        print((out / "corosync.conf").read_text().rstrip())

    rc = _run("Validate the CIB", [_tool("crm_verify"), "-V", "-x", str(cib)])
    if rc != 0:
        return rc

    rc = _run("Bring node1 and node2 up and run the transition in simulation",
              [_tool("crm_simulate"), "-x", str(cib), "-u", "node1", "-u", "node2", "-S",
               "-O", str(out / "cib-running.xml")])
    if rc != 0:
        return rc
    # On a real cluster the ping clone and the drbd agent set these node attributes
    # themselves (pingd = multiplier x reachable hosts; master-<rsc> = promotion score once
    # the disk is UpToDate). The simulation records them as the agents would.
    running = out / "cib-running.xml"
    for node in ("node1", "node2"):
        for name, value in (("pingd", "100"), ("master-p_drbd_r0", "10000")):
            rc = _run(f"The agents report {name}={value} on {node}",
                      [_tool("crm_attribute"), "-N", node, "-n", name, "-v", value, "-l", "reboot"],
                      env_cib=running)
            if rc != 0:
                return rc
    rc = _run("Promote DRBD where the services prefer to run, then start them on top",
              [_tool("crm_simulate"), "-x", str(running), "-S", "-O", str(out / "cib-promoted.xml")])
    if rc != 0:
        return rc
    rc = _run("node1 fails: where do the services go?",
              [_tool("crm_simulate"), "-x", str(out / "cib-promoted.xml"), "-f", "node1", "-S",
               "-O", str(out / "cib-failover.xml")])
    print(f"\nResults are in {out}/. Try: CIB_file={cib} cibadmin --query --scope resources")
    return rc


if __name__ == "__main__":
    sys.exit(main())
