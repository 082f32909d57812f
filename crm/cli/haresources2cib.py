"""haresources2cib: convert Heartbeat v1 haresources + ha.cf to a Pacemaker CIB.

Default mode writes a current-schema CIB (``pacemaker-3.9``); ``--compat`` reproduces the
historical haresources2cib.py of Pacemaker 0.6.6-1.0.3, including its output location,
messages and exit codes (except that a missing ha.cf is a clear error, not a traceback).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crm.migrate import MigrationError, Mode, convert, corosync_conf
from crm.migrate.files import atomic_write
from crm.migrate.inputs import give_to_cluster_user, read_text, report

COMPAT_DIR = Path("/var/lib/heartbeat/crm")
DEFAULT_OUTPUT = Path("/var/lib/pacemaker/cib/cib.xml")


def parse_addresses(values: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    result: dict[str, tuple[str, ...]] = {}
    for value in values:
        node, sep, addrs = value.partition("=")
        if not sep or not node or not addrs:
            raise click.BadParameter(f"{value!r}: expected NODE=IP[,IP...]", param_hint="--addr")
        result[node] = tuple(a.strip() for a in addrs.split(","))
    return result


def write_corosync(
    out_dir: Path, hacf_path: Path, hacf_text: str, authkeys: Path | None, cluster_name: str,
    addresses: dict[str, tuple[str, ...]], force: bool,
) -> None:
    """Generate corosync.conf + authkey into out_dir (shared with hacf2corosync)."""
    authkeys_text = None
    mode = None
    if authkeys is not None:
        authkeys_text = read_text(authkeys)
        mode = authkeys.stat().st_mode
    conf, key = out_dir / "corosync.conf", out_dir / "authkey"
    result = corosync_conf(
        hacf_text, authkeys_text, cluster_name=cluster_name, addresses=addresses,
        hacf_name=str(hacf_path), authkeys_name=str(authkeys) if authkeys else "authkeys", authkeys_mode=mode,
        keyfile=str(key.absolute()),
    )
    if out_dir.exists() and not out_dir.is_dir():
        raise click.ClickException(f"{out_dir}: not a directory")
    try:
        out_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"{out_dir}: cannot create: {exc.strerror or exc}") from None
    existing = [str(p) for p in (conf, key) if p.exists()]
    if existing and not force:
        raise click.ClickException(f"{', '.join(existing)} exist(s); use --force to replace")
    report(result.warnings)
    atomic_write(key, result.key, mode=0o400)
    atomic_write(conf, result.text.encode(), mode=0o644)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pacer", message="%(prog)s (pacer %(version)s)")
@click.argument("resourcefile", type=click.Path(path_type=Path), default=Path("/etc/ha.d/haresources"))
@click.option("-c", "--config", "hacf", type=click.Path(path_type=Path), default=Path("/etc/ha.d/ha.cf"),
              show_default=True, help="Heartbeat ha.cf.")
@click.option("--compat", is_flag=True, help="Reproduce haresources2cib.py (Pacemaker 0.6.6-1.0.3) exactly.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the CIB instead of writing it.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help=f"CIB file to write [default: {DEFAULT_OUTPUT}; --compat: {COMPAT_DIR}/cib.xml].")
@click.option("--force", is_flag=True, help="Replace an existing output file (default mode).")
@click.option("--chown", "chown", is_flag=True,
              help="Give the written CIB to hacluster:haclient (done anyway for the default output path).")
@click.option("--no-ocf", is_flag=True, help="--compat: classify every resource by file lookup only.")
@click.option("--no-monitor", is_flag=True, help="Generate no operations.")
@click.option("--resource-dir", type=click.Path(path_type=Path), default=Path("/etc/ha.d/resource.d"),
              show_default=True, help="Heartbeat resource.d scripts (bare words found here: class heartbeat).")
@click.option("--initd-dir", type=click.Path(path_type=Path), default=Path("/etc/init.d"),
              show_default=True, help="Init scripts (bare words found here: class lsb).")
@click.option("--map", "agent_map", multiple=True, metavar="WORD=AGENT",
              help="Agent for a haresources word, e.g. httpd=systemd:apache2 or myapp=ocf:acme:myapp.")
@click.option("--cluster-name", default=None, help="cluster-name property (and corosync cluster_name).")
@click.option("--corosync-out", type=click.Path(path_type=Path), default=None,
              help="Also write corosync.conf and authkey into this directory.")
@click.option("-k", "--authkeys", type=click.Path(path_type=Path), default=None,
              help="Heartbeat authkeys (with --corosync-out).")
@click.option("--addr", multiple=True, help="NODE=IP[,IP...]: node addresses per link (with --corosync-out).")
def main(
    resourcefile: Path, hacf: Path, compat: bool, to_stdout: bool, output: Path | None, force: bool,
    chown: bool, no_ocf: bool, no_monitor: bool, resource_dir: Path, initd_dir: Path, agent_map: tuple[str, ...],
    cluster_name: str | None,
    corosync_out: Path | None, authkeys: Path | None, addr: tuple[str, ...],
) -> None:
    """Convert RESOURCEFILE (default /etc/ha.d/haresources) and ha.cf to a CIB."""
    mode = Mode.COMPAT if compat else Mode.DEFAULT
    if no_ocf and not compat:
        print("warning: --no-ocf only changes --compat output; ignored", file=sys.stderr)
    addresses = parse_addresses(addr)
    mapping: dict[str, str] = {}
    for item in agent_map:
        word, sep, agent = item.partition("=")
        if not sep or not word or not agent:
            raise click.BadParameter(f"{item!r}: expected WORD=AGENT", param_hint="--map")
        mapping[word] = agent
    if mapping and compat:
        print("warning: --map does not change --compat output; ignored", file=sys.stderr)
    try:
        haresources_text = read_text(resourcefile)
        hacf_text = read_text(hacf)
        result = convert(
            haresources_text, hacf_text, mode=mode, ocf=not no_ocf, monitor=not no_monitor,
            resource_dir=resource_dir, initd_dir=initd_dir, haresources_name=str(resourcefile),
            hacf_name=str(hacf), cluster_name=cluster_name, agent_map=mapping,
        )
        if corosync_out is not None:
            write_corosync(corosync_out, hacf, hacf_text, authkeys, cluster_name or "pacer", addresses, force)
    except MigrationError as exc:
        report(exc.diagnostics)
        sys.exit(1)

    if compat:
        for message in result.warnings:
            print(message.message, file=sys.stderr)
    else:
        report(result.warnings)
    text = result.to_xml()
    if to_stdout:
        # haresources2cib.py printed the document with print(): one extra newline.
        print(text, end="\n" if compat else "")
        return
    if compat and output is None and ((COMPAT_DIR / "cib.xml").exists() or (COMPAT_DIR / "cib.xml.sig").exists()):
        print(f"cib.xml or cib.xml.sig exist in {COMPAT_DIR}", file=sys.stderr)
        print("please remove them before generating new cib.xml", file=sys.stderr)
        return
    target = output or (COMPAT_DIR / "cib.xml" if compat else DEFAULT_OUTPUT)
    if not compat and target.exists() and not force:
        print(f"{target}: exists; use --force to replace it (or --stdout)", file=sys.stderr)
        sys.exit(1)
    try:
        atomic_write(target, text.encode(), mode=0o600 if not compat else 0o644)
    except OSError as exc:
        print(f"{target}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        sys.exit(1)
    if chown or output is None:  # a file given with -o stays the caller's unless asked
        give_to_cluster_user(target)


if __name__ == "__main__":  # pragma: no cover
    main()
