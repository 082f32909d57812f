"""hacf2corosync: Heartbeat ha.cf + authkeys -> corosync.conf + a fresh authkey."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crm.cli.haresources2cib import parse_addresses, write_corosync
from crm.migrate import MigrationError, corosync_conf
from crm.migrate.inputs import read_text, report

DEFAULT_AUTHKEYS = Path("/etc/ha.d/authkeys")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pacer", message="%(prog)s (pacer %(version)s)")
@click.option("-c", "--config", "hacf", type=click.Path(path_type=Path), default=Path("/etc/ha.d/ha.cf"),
              show_default=True, help="Heartbeat ha.cf.")
@click.option("-k", "--authkeys", type=click.Path(path_type=Path), default=None,
              help=f"Heartbeat authkeys [default: {DEFAULT_AUTHKEYS} if it exists].")
@click.option("-o", "--output-dir", type=click.Path(path_type=Path), default=None,
              help="Write corosync.conf and authkey (mode 0400) here (created if needed).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print corosync.conf only (no key is written).")
@click.option("--cluster-name", default="pacer", show_default=True)
@click.option("--addr", multiple=True, help="NODE=IP[,IP...]: the node's address on link 0, 1, ...")
@click.option("--force", is_flag=True, help="Replace existing files.")
def main(
    hacf: Path, authkeys: Path | None, output_dir: Path | None, to_stdout: bool, cluster_name: str,
    addr: tuple[str, ...], force: bool,
) -> None:
    """Generate corosync.conf (knet, crypto on) from a Heartbeat v1 ha.cf."""
    if not to_stdout and output_dir is None:
        raise click.UsageError("give -o/--output-dir DIR or --stdout")
    addresses = parse_addresses(addr)
    if authkeys is None and DEFAULT_AUTHKEYS.exists():
        authkeys = DEFAULT_AUTHKEYS
    try:
        hacf_text = read_text(hacf)
        if to_stdout:
            authkeys_text = read_text(authkeys) if authkeys else None
            result = corosync_conf(
                hacf_text, authkeys_text, cluster_name=cluster_name, addresses=addresses, hacf_name=str(hacf),
                authkeys_name=str(authkeys) if authkeys else "authkeys",
                authkeys_mode=authkeys.stat().st_mode if authkeys else None,
            )
            report(result.warnings)
            print(result.text, end="")
            return
        assert output_dir is not None
        write_corosync(output_dir, hacf, hacf_text, authkeys, cluster_name, addresses, force)
    except MigrationError as exc:
        report(exc.diagnostics)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
