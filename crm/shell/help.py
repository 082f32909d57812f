"""Help texts of every level and command, and the agent meta-data page of ``ra info``."""

from __future__ import annotations

from lxml import etree

__all__ = ["COMMANDS", "commands_of", "format_metadata", "help_for"]

_ROOT = {
    "configure": "CIB configuration (the configure level)",
    "resource": "Resource management",
    "node": "Node management",
    "status": "Cluster status (crm_mon -1)",
    "ra": "Resource agents information center",
    "cib": "CIB shadow management",
    "cluster": "Cluster setup and management (this node's pacerd)",
    "options": "User preferences",
    "help": "Show help (help topics for list of topics)",
    "quit": "Exit the interactive shell",
    "up": "Go back to the previous level",
    "ls": "List levels and commands",
    "cd": "Navigate the level structure",
}

COMMANDS: dict[str, dict[str, tuple[str, str]]] = {
    "": {k: (v, k) for k, v in _ROOT.items()},
    "configure": {
        "node": ("Define a cluster node", "node [$id=<id>] <uname>[:<type>] [description=<d>] [attributes <param>=<value> ...] [utilization <param>=<value> ...]"),
        "primitive": (
            "Define a resource",
            "primitive <rsc> {[<class>:[<provider>:]]<type>|@<template>} [description=<d>] [params attr_list] [meta attr_list] [utilization attr_list] [op op_type [<attribute>=<value>...] ...]",
        ),
        "monitor": ("Add monitor operation to a primitive", "monitor <rsc>[:<role>] <interval>[:<timeout>]"),
        "group": ("Define a group", "group <name> <rsc> [<rsc>...] [description=<d>] [meta attr_list] [params attr_list]"),
        "clone": ("Define a clone", "clone <name> <rsc> [description=<d>] [meta attr_list] [params attr_list]"),
        "ms": ("Define a master-slave resource (deprecated: use clone with promotable=true)", "ms <name> <rsc> [description=<d>] [meta attr_list] [params attr_list]"),
        "rsc_template": ("Define a resource template", "rsc_template <name> [<class>:[<provider>:]]<type> [params attr_list] [meta attr_list] [utilization attr_list] [op ...]"),
        "location": (
            "A location preference",
            "location <id> <rsc> [role=<role>] [resource-discovery=always|never|exclusive] {<score>: <node> | rule [$id=<id>] [$role=<role>] <score>: <expression> ...}",
        ),
        "colocation": ("Colocate resources", "colocation <id> <score>: <rsc>[:<role>] <with-rsc>[:<role>] | resource sets ( ) [ ] [node-attribute=<attr>]"),
        "order": ("Order resources", "order <id> [{kind|<score>}:] first then [symmetrical=<bool>] | resource sets"),
        "rsc_ticket": ("Resources ticket dependency", "rsc_ticket <id> <ticket_id>: <rsc>[:<role>] [<rsc>[:<role>] ...] [loss-policy=<policy>]"),
        "property": ("Set a cluster property", "property [<set_id>:] [rule ...] <option>=<value> [<option>=<value> ...]"),
        "rsc_defaults": ("Set resource defaults", "rsc_defaults [<set_id>:] [rule ...] <option>=<value> [<option>=<value> ...]"),
        "op_defaults": ("Set resource operations defaults", "op_defaults [<set_id>:] [rule ...] <option>=<value> [<option>=<value> ...]"),
        "tag": ("Define resource tags", "tag <tag-name>: <rsc> [<rsc> ...]"),
        "fencing_topology": ("Node fencing order", "fencing_topology [<stonith_rsc> [<stonith_rsc> ...]] | <node>: <rsc>[,<rsc>...] ..."),
        "role": ("Define role (ACL)", "role <role-id> {read|write|deny} {xpath:<x>|ref:<id>|type:<t>|attr:<a>} ..."),
        "acl_target": ("Define target access rights", "acl_target <tid> [<role> ...]"),
        "acl_group": ("Define target access rights for a group", "acl_group <gid> [<role> ...]"),
        "show": ("Display CIB objects", "show [xml] [<id> ...|type:<type>|related:<id>|tag:<tag>|changed]"),
        "edit": ("Edit CIB objects with $EDITOR", "edit [<id> ...]"),
        "delete": ("Delete CIB objects", "delete <id> [<id> ...]"),
        "rename": ("Rename a CIB object (references follow)", "rename <old_id> <new_id>"),
        "modgroup": ("Modify group", "modgroup <id> add <id> [after <id>|before <id>] | modgroup <id> remove <id>"),
        "erase": ("Erase the configuration (nodes too with 'nodes')", "erase [nodes]"),
        "load": ("Import the CIB from a file (text or XML)", "load [xml] {replace|update|push} {<path>|-}"),
        "save": ("Save the CIB to a file", "save [xml] <path>"),
        "verify": ("Verify the CIB with crm_verify and crmsh's checks", "verify"),
        "commit": (
            "Commit the changes to the CIB (refused if it changed meanwhile, or when verify finds errors unless forced)",
            "commit [force] [replace]",
        ),
        "refresh": ("Re-read the CIB, dropping uncommitted changes", "refresh"),
        "upgrade": ("Upgrade the CIB to the current schema", "upgrade [force]"),
        "schema": ("Show or set the schema (validate-with)", "schema [<schema>]"),
        "ptest": ("Show the cluster's reaction to the changes (crm_simulate)", "ptest [scores] [utilization] [actions]"),
        "simulate": ("Same as ptest", "simulate [scores] [utilization] [actions]"),
        "cib": ("CIB shadow management", "cib new|use|commit|diff|list|delete|reset ..."),
        "xml": ("Raw XML object", "xml <xml>"),
        "get_property": ("Get the value of a cluster property", "get_property <name>"),
        "up": ("Go back to the previous level (commits pending changes)", "up"),
    },
    "resource": {
        "status": ("Show status of resources", "status [<rsc> ...]"),
        "start": ("Start resources (target-role=Started)", "start <rsc> [<rsc> ...]"),
        "stop": ("Stop resources (target-role=Stopped)", "stop <rsc> [<rsc> ...]"),
        "restart": ("Restart resources", "restart <rsc> [<rsc> ...]"),
        "promote": ("Promote a promotable resource", "promote <rsc>"),
        "demote": ("Demote a promotable resource", "demote <rsc>"),
        "manage": ("Put a resource into managed mode", "manage <rsc>"),
        "unmanage": ("Put a resource into unmanaged mode", "unmanage <rsc>"),
        "maintenance": ("Enable/disable per-resource maintenance mode", "maintenance <rsc> [on|off|true|false]"),
        "move": ("Move a resource to another node (cli-prefer constraint)", "move <rsc> [<node>] [<lifetime>] [force]"),
        "migrate": ("Same as move", "migrate <rsc> [<node>] [<lifetime>] [force]"),
        "ban": ("Ban a resource from a node (cli-ban constraint)", "ban <rsc> [<node>] [<lifetime>] [force]"),
        "clear": ("Clear node preferences left by move and ban", "clear <rsc>"),
        "unmove": ("Same as clear", "unmove <rsc>"),
        "cleanup": ("Cleanup resource status (needs the controller)", "cleanup [<rsc>] [<node>] [force]"),
        "refresh": ("Refresh CIB from the LRM status (needs the controller)", "refresh [<rsc>] [<node>] [force]"),
        "param": ("Manage resource's instance attributes", "param <rsc> set|delete|show <param> [<value>]"),
        "meta": ("Manage a resource's meta attributes", "meta <rsc> set|delete|show <attr> [<value>]"),
        "utilization": ("Manage a resource's utilization attributes", "utilization <rsc> set|delete|show <attr> [<value>]"),
        "failcount": ("Manage failcounts", "failcount <rsc> set <node> <value> | delete <node> | show <node>"),
        "locate": ("Show the location of resources", "locate <rsc> [<rsc> ...]"),
        "constraints": ("Show constraints affecting a resource", "constraints <rsc>"),
        "scores": ("Display resource scores", "scores"),
        "operations": ("Show active resource operations", "operations [<rsc>] [<node>]"),
        "up": ("Go back to the previous level", "up"),
    },
    "node": {
        "status": ("Show nodes' status as XML", "status [<node>]"),
        "show": ("Show node", "show [<node>]"),
        "standby": ("Put node into standby", "standby [<node>] [reboot|forever]"),
        "online": ("Set node online", "online [<node>]"),
        "maintenance": ("Put node into maintenance mode", "maintenance [<node>]"),
        "ready": ("Put node into ready mode", "ready [<node>]"),
        "attribute": ("Manage attributes", "attribute <node> set|delete|show <attr> [<value>]"),
        "utilization": ("Manage utilization attributes", "utilization <node> set|delete|show <attr> [<value>]"),
        "status-attr": ("Manage status attributes", "status-attr <node> set|delete|show <attr> [<value>]"),
        "clearstate": ("Clear node state", "clearstate <node>"),
        "delete": ("Delete node", "delete <node>"),
        "fence": ("Fence node (needs the fencer)", "fence <node>"),
        "up": ("Go back to the previous level", "up"),
    },
    "ra": {
        "classes": ("List classes and providers", "classes"),
        "list": ("List agents of a class (and provider)", "list <class> [<provider>]"),
        "info": ("Show meta data for a resource agent", "info [<class>:[<provider>:]]<type>"),
        "providers": ("Show providers for a resource agent", "providers <type> [<class>]"),
        "up": ("Go back to the previous level", "up"),
    },
    "cib": {
        "new": ("Create a new shadow CIB", "new <shadow_cib> [withstatus] [force] [empty]"),
        "use": ("Change working CIB (live for the cluster)", "use [<shadow_cib>|live]"),
        "commit": ("Copy a shadow CIB to the cluster", "commit [<shadow_cib>]"),
        "diff": ("Diff between the shadow CIB and the live CIB", "diff [<shadow_cib>]"),
        "list": ("List all shadow CIBs", "list"),
        "delete": ("Delete a shadow CIB", "delete <shadow_cib>"),
        "reset": ("Copy live cib to a shadow CIB", "reset [<shadow_cib>]"),
        "up": ("Go back to the previous level", "up"),
    },
    "cluster": {
        "start": ("Start this node's pacerd (systemctl start pacer)", "start"),
        "stop": ("Stop this node's pacerd", "stop"),
        "restart": ("Restart this node's pacerd", "restart"),
        "status": ("Cluster status", "status"),
        "up": ("Go back to the previous level", "up"),
    },
    "options": {
        "output": ("Set output type (plain, color)", "output plain|color"),
        "reset": ("Reset user preferences to factory defaults", "reset"),
        "up": ("Go back to the previous level", "up"),
    },
}
COMMON = ("help", "ls", "up", "cd", "quit", "end")


def commands_of(level: str) -> list[str]:
    names = list(COMMANDS.get(level, {}))
    if level == "configure":
        names += ["collocation", "rm", "fencing-topology", "user", "master"]
    if level == "resource":
        names += ["show", "list", "unmigrate", "unban"]
    return sorted(set(names) | (set(COMMON) if level else set()))


def help_for(level: str, command: str | None) -> str:
    table = COMMANDS.get(level, {})
    if command is None:
        title = f"{level} level" if level else "crm shell"
        lines = [f"{title}: available commands", ""]
        for name, (short, _usage) in sorted(table.items()):
            lines.append(f"\t{name:<16} {short}")
        lines += ["", "Use `help <command>` for details; `up` goes back a level."]
        return "\n".join(lines)
    if command in table:
        short, usage = table[command]
        return f"{command}: {short}\n\nUsage:\n\n\t{usage}"
    if command in COMMANDS:
        return help_for(command, None)
    for lvl, cmds in COMMANDS.items():
        if command in cmds:
            return help_for(lvl, command)
    return f"No help for {command}"


def _text(n: etree._Element | None, tag: str) -> str:
    if n is None:
        return ""
    found = n.findtext(tag)
    return found.strip() if found else ""


def format_metadata(text: str, name: str) -> str:
    """``ra info``: the agent's meta-data laid out as crmsh 4.4.1 prints it."""
    root = etree.fromstring(text.encode())
    agent_type = name.split(":")[-1]

    def shortdesc(n: etree._Element) -> str:
        short, long_ = _text(n, "shortdesc"), _text(n, "longdesc")
        return short if short and short not in (n.get("name"), long_, agent_type) else ""

    parts = []
    title = shortdesc(root)
    parts.append(f"{title} ({name})" if title else name)
    longdesc = _text(root, "longdesc")
    if longdesc:
        parts.append(longdesc)
    params = []
    for p in root.iterfind("parameters/parameter"):
        pname = p.get("name")
        if not pname:
            continue
        head = pname + ("*" if p.get("required") == "1" else "")
        content = p.find("content")
        typ = content.get("type") if content is not None else None
        default = content.get("default") if content is not None else None
        if typ and default:
            head = f"{head} ({typ}, [{default}])"
        elif typ:
            head = f"{head} ({typ})"
        lines = [f"{head}: {shortdesc(p)}"]
        ld = _text(p, "longdesc")
        if ld:
            lines.append("    " + ld.replace("\n", "\n    ") + "\n")
        params.append("\n".join(lines))
    if params:
        parts.append(("Parameters (*: required, []: default):\n\n" + "\n".join(params)).rstrip())
    actions = []
    for a in root.iterfind("actions/action"):
        aname = a.get("name")
        if not aname or aname in ("meta-data", "validate-all"):
            continue
        s = f"{aname:<13}"
        for k, v in a.attrib.items():
            if k != "name" and v:
                s = f"{s} {k!s}={v!s}"
        actions.append("    " + s)
    if actions:
        parts.append("Operations' defaults (advisory minimum):\n\n" + "\n".join(actions))
    return "\n\n".join(parts)


def multicolumn(names: list[str], width: int = 80) -> str:
    """crmsh's ls-like columns."""
    max_len = max([8, *(len(n) for n in names)])
    cols = max(1, width // (max_len + 2))
    col_len = width // cols
    rows = []
    for i in range(len(names) // cols + 1):
        s = ""
        for j in range(i * cols, (i + 1) * cols):
            if j >= len(names):
                break
            if not s:
                s = f"{names[j]:<{col_len}}"
            elif (j + 1) % cols == 0:
                s += names[j]
            else:
                s += f"{names[j]:<{col_len}}"
        if s:
            rows.append(s)
    return "\n".join(rows)
