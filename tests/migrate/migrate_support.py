"""Shared data and helpers of the Heartbeat v1 migration tests."""

from __future__ import annotations

import os
from pathlib import Path

DATA = Path(__file__).parent / "data"
REFERENCE = DATA / "reference"
GOLDEN = DATA / "golden"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "heartbeat"
CRM_VERIFY = Path("/usr/sbin/crm_verify")

# The files the reference runs had in their fake /etc/ha.d/resource.d and /etc/init.d
# (reference/README.md).
RESOURCE_D = ["AudibleAlarm", "Delay", "Filesystem", "ICP", "IPaddr", "IPaddr2", "IPsrcaddr", "IPv6addr", "LVM", "LinuxSCSI", "MailTo", "OCF", "Raid1", "SendArp", "ServeRAID", "WAS", "WinPopup", "Xinetd", "apache", "db2", "hto-mapfuncs", "ids", "portblock", "drbddisk", "datadisk"]
INIT_D = ["httpd", "mysqld", "vsftpd", "apache2", "nfs-kernel-server"]

CASES = sorted(p.name for p in REFERENCE.iterdir() if p.is_dir())


def regenerate() -> bool:
    return os.environ.get("PACER_REGEN_GOLDEN") == "1"


def hacf_text(case: str) -> str:
    path = REFERENCE / case / "ha.cf"
    # Case j ran with an ha.cf the set does not keep (it only matters that none is missing).
    return path.read_text() if path.exists() else ""


def case_args(case: str) -> tuple[bool, bool]:
    """(ocf, monitor) as used for the reference run of ``case``."""
    special = case.startswith("i_")
    return (not special, not special)


class AgentTree:
    def __init__(self, root: Path) -> None:
        self.resource_dir = root / "resource.d"
        self.initd_dir = root / "init.d"
        self.resource_dir.mkdir(parents=True)
        self.initd_dir.mkdir(parents=True)
        for name in RESOURCE_D:
            self.add_script(self.resource_dir, name)
        for name in INIT_D:
            self.add_script(self.initd_dir, name)

    @staticmethod
    def add_script(directory: Path, name: str) -> None:
        path = directory / name
        path.write_text("#!/bin/sh\nexit 0\n")
        path.chmod(0o755)

    def cli_args(self) -> list[str]:
        return ["--resource-dir", str(self.resource_dir), "--initd-dir", str(self.initd_dir)]
