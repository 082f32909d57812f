"""Set and delete transient node attributes through whatever tool is on PATH.

``attrd_updater`` (Pacemaker's attribute daemon client) is preferred for attributes that
want dampening (pingd); ``crm_attribute -l reboot`` is the other route (promotion scores).
"""

from __future__ import annotations

from ocf import log, run, which

TOOLS = ("attrd_updater", "crm_attribute")


def _tool(prefer: str) -> str | None:
    order = (prefer, *[t for t in TOOLS if t != prefer])
    for name in order:
        if which(name):
            return name
    return None


def update(name: str, value: str, node: str, *, dampen: str | None = None,
           prefer: str = "attrd_updater") -> bool:
    """Set transient attribute ``name`` = ``value`` for ``node``; False if no tool worked."""
    tool = _tool(prefer)
    if tool == "attrd_updater":
        argv = ["attrd_updater", "-n", name, "-U", value, "-N", node]
        if dampen:
            argv += ["-d", dampen]
    elif tool == "crm_attribute":
        argv = ["crm_attribute", "-N", node, "-n", name, "-l", "reboot", "-v", value]
    else:
        log("warning", f"neither attrd_updater nor crm_attribute found; cannot set {name}={value}")
        return False
    res = run(argv, timeout=30)
    if res.returncode != 0:
        log("warning", f"{tool} could not set {name}={value} for {node}: {res.stderr.strip()}")
        return False
    return True


def delete(name: str, node: str, *, dampen: str | None = None, prefer: str = "attrd_updater") -> bool:
    tool = _tool(prefer)
    if tool == "attrd_updater":
        argv = ["attrd_updater", "-n", name, "-D", "-N", node]
        if dampen:
            argv += ["-d", dampen]
    elif tool == "crm_attribute":
        argv = ["crm_attribute", "-N", node, "-n", name, "-l", "reboot", "-D"]
    else:
        log("warning", f"neither attrd_updater nor crm_attribute found; cannot delete {name}")
        return False
    res = run(argv, timeout=30)
    if res.returncode != 0:
        log("warning", f"{tool} could not delete {name} for {node}: {res.stderr.strip()}")
        return False
    return True
