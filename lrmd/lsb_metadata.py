"""Meta-data for init scripts, built from their LSB header as Pacemaker's ``services_lsb.c``.

The ``### BEGIN INIT INFO`` block's one-line fields (``Provides``, ``Required-Start``, ...,
``Short-Description``) are copied verbatim, leading blanks and newline included; the
``Description`` continues over lines starting with ``#`` and a tab or two spaces.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_AGENT_VERSION = "0.1"
_FIELDS = (
    ("provides", "# Provides:"),
    ("req_start", "# Required-Start:"),
    ("req_stop", "# Required-Stop:"),
    ("shld_start", "# Should-Start:"),
    ("shld_stop", "# Should-Stop:"),
    ("dflt_start", "# Default-Start:"),
    ("dflt_stop", "# Default-Stop:"),
    ("short", "# Short-Description:"),
)
_DESCRIPTION = "# Description:"


def _encode(text: str) -> str:
    """libxml2's ``xmlEncodeEntitiesReentrant`` for the characters init headers contain."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parse_lsb_header(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = text.splitlines(keepends=True)
    in_header = False
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.startswith("### BEGIN INIT INFO"):
            in_header = True
            continue
        if not in_header:
            continue
        matched = False
        for key, prefix in _FIELDS:
            if key not in values and line.startswith(prefix):
                values[key] = _encode(line[len(prefix) :])
                matched = True
                break
        if matched:
            continue
        if "description" not in values and line.startswith(_DESCRIPTION):
            description = line[len(_DESCRIPTION) :]
            consumed_all = True
            while index < len(lines):
                following = lines[index]
                if following.startswith(("#  ", "#\t")):
                    description += following[1:]
                    index += 1
                else:
                    consumed_all = False
                    break
            values["description"] = _encode(description)
            if consumed_all or index >= len(lines):
                continue
            line = lines[index]
            index += 1
        if line.startswith("### END INIT INFO") or not line.startswith("#"):
            break
    return values


def lsb_metadata(agent_type: str, script: Path | None) -> str:
    """Pacemaker's meta-data text for an init script (the header's fields, if readable)."""
    values: dict[str, str] = {}
    if script is not None:
        try:
            values = parse_lsb_header(script.read_text(errors="replace"))
        except OSError:
            values = {}
    field = values.get
    return (
        "<?xml version='1.0'?>\n"
        "<!DOCTYPE resource-agent SYSTEM 'ra-api-1.dtd'>\n"
        f"<resource-agent name='{agent_type}' version='{DEFAULT_AGENT_VERSION}'>\n"
        "  <version>1.0</version>\n"
        "  <longdesc lang='en'>\n"
        f"{field('description', agent_type)}"
        "  </longdesc>\n"
        f"  <shortdesc lang='en'>{field('short', agent_type)}</shortdesc>\n"
        "  <parameters>\n"
        "  </parameters>\n"
        "  <actions>\n"
        "    <action name='meta-data'    timeout='5' />\n"
        "    <action name='start'        timeout='15' />\n"
        "    <action name='stop'         timeout='15' />\n"
        "    <action name='status'       timeout='15' />\n"
        "    <action name='restart'      timeout='15' />\n"
        "    <action name='force-reload' timeout='15' />\n"
        "    <action name='monitor'      timeout='15' interval='15' />\n"
        "  </actions>\n"
        "  <special tag='LSB'>\n"
        f"    <Provides>{field('provides', '')}</Provides>\n"
        f"    <Required-Start>{field('req_start', '')}</Required-Start>\n"
        f"    <Required-Stop>{field('req_stop', '')}</Required-Stop>\n"
        f"    <Should-Start>{field('shld_start', '')}</Should-Start>\n"
        f"    <Should-Stop>{field('shld_stop', '')}</Should-Stop>\n"
        f"    <Default-Start>{field('dflt_start', '')}</Default-Start>\n"
        f"    <Default-Stop>{field('dflt_stop', '')}</Default-Stop>\n"
        "  </special>\n"
        "</resource-agent>\n"
    )
