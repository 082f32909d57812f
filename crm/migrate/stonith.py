"""Parameter names of cluster-glue STONITH plugins (``stonith -n -t TYPE``).

A small built-in table covers the common plugins so that the conversion is deterministic
and works without cluster-glue; other types are asked to the ``stonith`` binary if present.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

StonithParams = Callable[[str], tuple[str, ...] | None]

KNOWN_PLUGINS: dict[str, tuple[str, ...]] = {
    "null": ("hostlist",),
    "ssh": ("hostlist",),
    "external/ssh": ("hostlist",),
    "meatware": ("hostlist",),
    "suicide": (),
    "rcd_serial": ("hostlist", "ttydev", "dtr_rts", "msduration"),
    "apcmaster": ("ipaddr", "login", "password"),
    "baytech": ("ipaddr", "login", "password"),
    "wti_nps": ("ipaddr", "password"),
    "ibmhmc": ("ipaddr",),
    "external/ipmi": ("hostname", "ipaddr", "userid", "passwd", "interface"),
    "external/riloe": ("hostlist", "ilo_hostname", "ilo_user", "ilo_password"),
}


def stonith_parameter_names(plugin: str) -> tuple[str, ...] | None:
    """Names for ``plugin`` from the table, else from ``stonith -n -t``; None if unknown."""
    if plugin in KNOWN_PLUGINS:
        return KNOWN_PLUGINS[plugin]
    binary = shutil.which("stonith") or (
        "/usr/sbin/stonith" if shutil.which("stonith", path="/usr/sbin") else None
    )
    if binary is None:
        return None
    try:
        done = subprocess.run(
            [binary, "-n", "-t", plugin], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return tuple(done.stdout.split())
