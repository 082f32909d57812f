"""lvs2cib: convert an LVS director setup (ipvsadm rules script, mon.cf, haresources, ha.cf)
into an ldirectord configuration for ``ocf:pacer:ldirectord`` and a CIB.

Both files are checked before either is written, and each is written atomically: an error
leaves nothing behind.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crm.migrate import MigrationError
from crm.migrate.files import atomic_write
from crm.migrate.inputs import give_to_cluster_user, read_text, report
from crm.migrate.lvs_director import convert_lvs

DEFAULT_OUTPUT = Path("/var/lib/pacemaker/cib/cib.xml")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pacer", message="%(prog)s (pacer %(version)s)")
@click.argument("resourcefile", type=click.Path(path_type=Path), default=Path("/etc/ha.d/haresources"))
@click.option("-c", "--config", "hacf", type=click.Path(path_type=Path), default=Path("/etc/ha.d/ha.cf"),
              show_default=True, help="Heartbeat ha.cf.")
@click.option("-r", "--rules", type=click.Path(path_type=Path), required=True,
              help="The shell script of ipvsadm commands that builds the IPVS table.")
@click.option("-m", "--mon", "mon_cf", type=click.Path(path_type=Path), default=None,
              help="mon.cf whose watches check the real servers (without it nothing is checked).")
@click.option("--configfile", default=None,
              help="Where the director's configuration lives on the nodes [default: the file haresources "
                   "names after 'ldirectord::', else /etc/ha.d/ldirectord.cf].")
@click.option("--ldirectord-out", type=click.Path(path_type=Path), default=None,
              help="Write the ldirectord configuration here [default: --configfile].")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help=f"CIB file to write [default: {DEFAULT_OUTPUT}].")
@click.option("--stdout", "to_stdout", is_flag=True,
              help="Print the CIB instead of writing it (the ldirectord configuration is written only "
                   "with --ldirectord-out).")
@click.option("--force", is_flag=True, help="Replace existing output files.")
@click.option("--quiescent/--no-quiescent", default=False, show_default=True,
              help="Keep a failed real server with weight 0 instead of deleting it (mon's alerts deleted it).")
@click.option("--fallback", default=None, metavar="HOST[:PORT] [gate|masq|ipip]",
              help="Server to send clients to while no real server answers.")
@click.option("--cluster-name", default=None, help="cluster-name property.")
@click.option("--no-monitor", is_flag=True, help="Generate no operations.")
@click.option("--resource-dir", type=click.Path(path_type=Path), default=Path("/etc/ha.d/resource.d"),
              show_default=True, help="Heartbeat resource.d scripts (for the other haresources words).")
@click.option("--initd-dir", type=click.Path(path_type=Path), default=Path("/etc/init.d"),
              show_default=True, help="Init scripts (for the other haresources words).")
def main(
    resourcefile: Path, hacf: Path, rules: Path, mon_cf: Path | None, configfile: str | None,
    ldirectord_out: Path | None, output: Path | None, to_stdout: bool, force: bool, quiescent: bool,
    fallback: str | None, cluster_name: str | None, no_monitor: bool, resource_dir: Path, initd_dir: Path,
) -> None:
    """Convert RESOURCEFILE (default /etc/ha.d/haresources), ha.cf, the ipvsadm rules script and
    mon.cf to an ldirectord configuration and a CIB."""
    if configfile is not None and not configfile.startswith("/"):
        raise click.BadParameter("must be an absolute path", param_hint="--configfile")
    try:
        result = convert_lvs(
            read_text(resourcefile), read_text(hacf), read_text(rules),
            read_text(mon_cf) if mon_cf is not None else None,
            configfile=configfile, quiescent=quiescent, fallback=fallback,
            haresources_name=str(resourcefile), hacf_name=str(hacf), rules_name=str(rules),
            mon_name=str(mon_cf or "mon.cf"), cluster_name=cluster_name, monitor=not no_monitor,
            resource_dir=resource_dir, initd_dir=initd_dir,
        )
    except MigrationError as exc:
        report(exc.diagnostics)
        sys.exit(1)
    report(result.warnings)
    cf_target = ldirectord_out if (ldirectord_out is not None or to_stdout) else Path(result.configfile)
    cib_target = None if to_stdout else (output or DEFAULT_OUTPUT)
    targets = [t for t in (cf_target, cib_target) if t is not None]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        print(f"{', '.join(existing)}: exists; use --force to replace", file=sys.stderr)
        sys.exit(1)
    missing = [str(t.parent) for t in targets if not t.parent.is_dir()]
    if missing:
        print(f"{', '.join(missing)}: no such directory", file=sys.stderr)
        sys.exit(1)
    written: list[Path] = []
    try:
        if cf_target is not None:
            atomic_write(cf_target, result.ldirectord_cf.encode(), mode=0o644)
            written.append(cf_target)
        if cib_target is not None:
            atomic_write(cib_target, result.to_xml().encode(), mode=0o600)
            give_to_cluster_user(cib_target)
    except OSError as exc:
        for path in written:
            if str(path) not in existing:  # a new file of this run: take it back
                path.unlink(missing_ok=True)
        print(f"cannot write: {exc.strerror or exc}", file=sys.stderr)
        sys.exit(1)
    if cf_target is not None:
        print(f"ldirectord configuration: {cf_target} (install it as {result.configfile} on every node)",
              file=sys.stderr)
    else:
        print("ldirectord configuration not written (give --ldirectord-out)", file=sys.stderr)
    if to_stdout:
        sys.stdout.write(result.to_xml())


if __name__ == "__main__":  # pragma: no cover
    main()
