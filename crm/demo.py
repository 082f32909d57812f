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

Then the same configuration goes live (unless ``--no-live``): ``pacer-sandbox`` starts a
three-node cluster on this machine (embedded transport, no root needed), the configuration
is loaded into its replicated CIB, the DC starts the services, the node running them is
crashed, and the demo shows them recovered elsewhere with the time it took.  Agents that need
root run as stand-ins (it says which).  The cluster is taken down at the end (``--keep``
leaves it running for you to explore).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from lxml import etree

from crm import demo_services
from crm.sandbox.state import SUBNET as SANDBOX_SUBNET

EXAMPLE_DIR = Path(__file__).resolve().parent.parent / "examples" / "heartbeat"


def _tool(name: str) -> str:
    """The path of one of pacer's console scripts, next to the running interpreter."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _shown(arg: str | Path) -> str:
    """An argument as printed: paths relative to the current directory where they are
    below it, so that every command shown can be pasted as it is."""
    text = str(arg)
    if text.startswith("/"):
        with contextlib.suppress(ValueError):
            text = os.path.relpath(text) if Path(text).resolve().is_relative_to(Path.cwd().resolve()) else text
        if "/" not in text:
            text = f"./{text}"
    return shlex.quote(text)


def _run(title: str, argv: Sequence[str], *, env_cib: Path | None = None) -> int:
    shown = " ".join(_shown(a) for a in argv)
    prefix = f"CIB_file={_shown(env_cib.resolve())} " if env_cib is not None else ""
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
    parser.add_argument("--no-live", action="store_true", help="skip the live three-node cluster")
    parser.add_argument("--keep", action="store_true", help="leave the live cluster running at the end")
    parser.add_argument("--stand-ins", action="store_true",
                        help="run Dummy stand-ins for the address, file system and web server even as root")
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
    print(f"\n=== Convert haresources + ha.cf to a CIB\n$ {' '.join(_shown(c) for c in cmd)}", flush=True)
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
    print(f"\nResults are in {out}/. Try: CIB_file={_shown(cib.resolve())} {_shown(_tool('cibadmin'))} --query "
          "--scope resources")
    if rc != 0 or args.no_live:
        return rc
    return live(out, cib, stop=not args.keep, stand_ins=args.stand_ins)


def _sandbox(title: str, directory: Path, *args: str) -> int:
    argv = [*args[:1], "--dir", str(directory), *args[1:]]
    print(f"\n=== {title}\n$ {_shown(_tool('pacer-sandbox'))} {' '.join(_shown(a) for a in argv)}", flush=True)
    proc = subprocess.run([_tool("pacer-sandbox"), *argv], check=False)
    if proc.returncode != 0:
        print(f"(exit code {proc.returncode})", flush=True)
    return proc.returncode


def _on(title: str, directory: Path, node: int, *cmd: str) -> int:
    shown = (f"{_shown(_tool('pacer-sandbox'))} run --dir {_shown(directory)} {node} -- "
             f"{' '.join(_shown(c) for c in cmd)}")
    print(f"\n=== {title}\n$ {shown}", flush=True)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run([_tool("pacer-sandbox"), "run", "--dir", str(directory), str(node), "--", *cmd],
                          env=env, check=False)
    if proc.returncode != 0:
        print(f"(exit code {proc.returncode})", flush=True)
    return proc.returncode


STAND_INS = {
    # agents that need root (an address, a mount, a web server) or a kernel module (DRBD):
    # without root they run as stand-ins that keep the same ids, constraints and operations
    "IPaddr2": ("pacer", "Dummy"),
    "IPaddr": ("pacer", "Dummy"),
    "Filesystem": ("pacer", "Dummy"),
    "apache": ("pacer", "Dummy"),
    "drbd": ("pacer", "Stateful"),
}


def stand_in_configuration(section: etree._Element) -> tuple[etree._Element, list[str]]:
    """The migrated configuration for a cluster without root: stand-ins for the agents that
    need it, and the ping agent aimed at the loopback address (the example's gateway is not
    reachable from here).  Returns the configuration and one line per change."""
    config = etree.fromstring(etree.tostring(section))
    notes: list[str] = []
    for primitive in config.iter("primitive"):
        agent = primitive.get("type", "")
        if agent in STAND_INS:
            provider, stand_in = STAND_INS[agent]
            notes.append(f"{primitive.get('id')} ({primitive.get('class')}:{primitive.get('provider')}:{agent}) "
                         f"runs as ocf:{provider}:{stand_in}")
            primitive.set("class", "ocf")
            primitive.set("provider", provider)
            primitive.set("type", stand_in)
            for attributes in primitive.findall("instance_attributes"):
                primitive.remove(attributes)
        elif agent == "ping":
            primitive.set("provider", "pacer")
            for nvpair in primitive.iter("nvpair"):
                if nvpair.get("name") == "host_list":
                    notes.append(f"{primitive.get('id')} pings 127.0.0.1 instead of {nvpair.get('value')}")
                    nvpair.set("value", "127.0.0.1")
    return config, notes


def _locate(directory: Path, node: int, rsc: str) -> list[str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run([_tool("pacer-sandbox"), "run", "--dir", str(directory), str(node), "--",
                           "crm_resource", "--locate", "-r", rsc], env=env, capture_output=True, text=True,
                          check=False)
    marker = "is running on:"
    return proc.stdout.split(marker, 1)[1].split() if marker in proc.stdout else []


def _fetch(directory: Path, node: int, url: str) -> str | None:
    """The page at ``url`` as a client on ``node`` sees it (None: no answer)."""
    code = ("import sys, urllib.request\n"
            "opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))\n"
            "print(opener.open(sys.argv[1], timeout=3).read().decode())")
    proc = subprocess.run([_tool("pacer-sandbox"), "run", "--dir", str(directory), str(node), "--",
                           sys.executable, "-c", code, url], capture_output=True, text=True, check=False)
    return proc.stdout if proc.returncode == 0 else None


def _show_page(directory: Path, node: int, url: str) -> None:
    page = _fetch(directory, node, url)
    text = re.sub(r"<[^>]+>", "", page or "").strip()
    print(f"\n=== A client on node{node} fetches {url}: "
          + (f"« {text} »" if page is not None else "no answer"), flush=True)


def _wait_for(what: str, predicate: Callable[[], bool], timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.05)
    print(f"pacer-demo: {what} did not happen within {timeout:g} s", file=sys.stderr)
    return None


def live(out: Path, cib: Path, *, stop: bool, stand_ins: bool = False) -> int:
    """The migrated configuration on a live three-node cluster, and a real failover."""
    directory = (out / "cluster").resolve()
    if (directory / "sandbox.json").exists():
        _sandbox("Stop the cluster left by an earlier demo", directory, "down")
    section = etree.parse(str(cib)).getroot().find("configuration")
    if section is None:
        print("pacer-demo: the migrated CIB has no configuration", file=sys.stderr)
        return 1
    lacking = ["not --stand-ins"] if stand_ins else demo_services.missing()
    services: demo_services.Services | None = None
    if not lacking:
        try:
            services = demo_services.prepare(directory / "services", SANDBOX_SUBNET)
        except (OSError, RuntimeError) as err:
            lacking = [f"a working loop device and ext4 image ({err})"]
    if services is not None:
        config, notes = demo_services.configure(section, services)
        print("\n=== The services are real: each node runs in a network namespace of its own:")
    else:
        config, notes = stand_in_configuration(section)
        print("\n=== Resources that need root run as stand-ins (the real ones need "
              + ", ".join(lacking) + "):")
    for line in notes:
        print(f"  {line}")
    configuration = out / "configuration.xml"
    configuration.write_bytes(etree.tostring(config, pretty_print=True))
    up = ["up", "3", *(["--netns"] if services is not None else [])]
    rc = _sandbox("Start a live three-node cluster on this machine (embedded transport)", directory, *up)
    if rc != 0:
        if services is not None:
            demo_services.release(services)
        return rc
    try:
        # the live cluster knows its three nodes; the migrated file knows the two of ha.cf
        nodes = subprocess.run([_tool("pacer-sandbox"), "run", "--dir", str(directory), "1", "--",
                                _tool("cibadmin"), "--query", "--scope", "nodes"], capture_output=True, text=True,
                               check=False)
        if nodes.returncode == 0 and nodes.stdout.strip():
            old_nodes = config.find("nodes")
            new_nodes = etree.fromstring(nodes.stdout.encode())
            if old_nodes is not None:
                old_nodes.addprevious(new_nodes)
                config.remove(old_nodes)
            configuration.write_bytes(etree.tostring(config, pretty_print=True))
        rc = _on("Load the migrated configuration into the replicated CIB (on node1)", directory, 1,
                 "cibadmin", "--replace", "--scope", "configuration", "--xml-file", str(configuration.resolve()))
        if rc != 0:
            return rc
        print("\n(waiting for the DC to start the services)", flush=True)
        if _wait_for("the services to start", lambda: bool(_locate(directory, 2, "apache_4")), 60) is None:
            _on("The cluster now", directory, 2, "crm_mon", "-1", "-r")
            return 1
        time.sleep(1)  # let the recurring monitors begin
        rc = _on("The services run on the promoted DRBD stand-in, where haresources put them", directory, 2,
                 "crm_mon", "-1", "-r")
        located = _locate(directory, 2, "apache_4")
        if not located:
            print("pacer-demo: apache_4 stopped running", file=sys.stderr)
            return 1
        holder_name = located[0]
        holder = int(holder_name.removeprefix("node"))
        survivor = 2 if holder != 2 else 3
        client = next(k for k in (1, 2, 3) if k not in (holder, survivor))
        if services is not None:
            _show_page(directory, client, services.url)
        rc = _sandbox(f"{holder_name}, which runs the services, crashes (every process SIGKILLed)", directory,
                      "kill", str(holder))
        killed = time.monotonic()
        moved = _wait_for("the failover",
                          lambda: any(n != holder_name for n in _locate(directory, survivor, "apache_4")), 60)
        if moved is None:
            return 1
        elapsed = time.monotonic() - killed
        where = _locate(directory, survivor, "apache_4")
        print(f"\n=== The services run again on {' '.join(where)}, {elapsed:.1f} s after the crash "
              "(measured by polling crm_resource --locate)", flush=True)
        rc = _on("The cluster after the failover", directory, survivor, "crm_mon", "-1", "-r")
        if services is not None:
            # a client on a node other than the new holder (the crashed one is still down)
            client = next(k for k in (1, 2, 3) if k != holder and f"node{k}" not in where)
            _wait_for("the page to be served again", lambda: _fetch(directory, client, services.url) is not None, 60)
            _show_page(directory, client, services.url)
        rc = _sandbox(f"{holder_name} comes back", directory, "start", str(holder))
        time.sleep(2)
        rc = _on(f"{holder_name} is back; the services stay where they are (auto_failback off)", directory,
                 survivor, "crm_mon", "-1")
    finally:
        if stop:
            _sandbox("Stop the cluster", directory, "down")
            if services is not None:
                demo_services.release(services)
    if not stop:
        sandbox = _shown(_tool("pacer-sandbox"))
        print(
            f"\nThe cluster is still running. Talk to it with:\n"
            f"  {sandbox} run --dir {_shown(directory)} 1 -- crm_mon -1\n"
            f"  {sandbox} status --dir {_shown(directory)}\n"
            f"and stop it with:\n  {sandbox} down --dir {_shown(directory)}\n"
            + (f"  losetup -d {services.device}   (the shared disk's loop device)\n" if services is not None else "")
            +
            f"(the commands are in {Path(sys.executable).parent}; "
            f"'. {Path(sys.executable).parent}/activate' puts them on your PATH)"
        )
    return rc


if __name__ == "__main__":
    sys.exit(main())
