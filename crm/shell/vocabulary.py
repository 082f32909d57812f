"""The words each crm level answers to, as crmsh 4.4.1 has them (its commands, sub-levels and
aliases, with the command each stands for), and crmsh"s lookup of a word a user typed: the word
itself, else the only word it starts (any case), else the only word that has its letters in
order (``fuzzy_get``)."""

from __future__ import annotations

import re

__all__ = ["WORDS", "lookup"]

WORDS: dict[str, dict[str, str]] = {
    "": {
        **dict.fromkeys(
            (
                "cd", "cib", "cibstatus", "cluster", "configure", "corosync", "help", "history", "ls",
                "maintenance", "node", "options", "quit", "ra", "report", "resource", "script", "site",
                "status", "verify",
            ),
            "",
        ),
        "--help": "help",
        "-h": "help",
        "?": "help",
        "bye": "quit",
        "exit": "quit",
    },
    "cib": {
        **dict.fromkeys(
            (
                "cd", "cibstatus", "commit", "delete", "diff", "help", "import", "list", "ls", "new", "quit",
                "reset", "up", "use",
            ),
            "",
        ),
        "--help": "help",
        "-h": "help",
        "?": "help",
        "back": "up",
        "bye": "quit",
        "end": "up",
        "exit": "quit",
    },
    "cluster": {
        **dict.fromkeys(
            (
                "cd", "copy", "crash_test", "diff", "disable", "enable", "geo_init", "geo_init_arbitrator",
                "geo_join", "health", "help", "init", "join", "ls", "quit", "remove", "rename", "restart",
                "run", "start", "status", "stop", "up", "wait_for_startup",
            ),
            "",
        ),
        "--help": "help",
        "-h": "help",
        "?": "help",
        "back": "up",
        "bye": "quit",
        "delete": "remove",
        "end": "up",
        "exit": "quit",
        "geo-init": "geo_init",
        "geo-init-arbitrator": "geo_init_arbitrator",
        "geo-join": "geo_join",
    },
    "configure": {
        **dict.fromkeys(
            (
                "_keywords", "_objects", "_regtest", "_test", "acl_target", "alert", "assist", "bundle", "cd",
                "cib", "cibstatus", "clone", "colocation", "commit", "default-timeouts", "delete", "edit",
                "erase", "fencing_topology", "filter", "get_property", "graph", "group", "help", "history",
                "load", "location", "ls", "modgroup", "monitor", "ms", "node", "op_defaults", "order",
                "primitive", "property", "ptest", "quit", "ra", "refresh", "rename", "role", "rsc_defaults",
                "rsc_template", "rsc_ticket", "rsctest", "save", "schema", "set", "show", "tag", "template",
                "up", "upgrade", "user", "validate-all", "verify", "xml",
            ),
            "",
        ),
        "--help": "help",
        "-h": "help",
        "?": "help",
        "back": "up",
        "bye": "quit",
        "collocation": "colocation",
        "default_timeouts": "default-timeouts",
        "end": "up",
        "exit": "quit",
        "get-property": "get_property",
        "master": "ms",
        "resource": "primitive",
        "rm": "delete",
        "simulate": "ptest",
        "validate_all": "validate-all",
    },
    "corosync": {
        **dict.fromkeys(
            (
                "add-node", "cd", "del-node", "diff", "edit", "get", "help", "log", "ls", "pull", "push",
                "quit", "reload", "set", "show", "status", "up",
            ),
            "",
        ),
        "--help": "help",
        "-h": "help",
        "?": "help",
        "add_node": "add-node",
        "back": "up",
        "bye": "quit",
        "del_node": "del-node",
        "end": "up",
        "exit": "quit",
    },
    "node": {
        **dict.fromkeys(
            (
                "attribute", "cd", "clearstate", "delete", "fence", "help", "ls", "maintenance", "online",
                "quit", "ready", "server", "show", "standby", "status-attr", "up", "utilization",
            ),
            "",
        ),
        "--help": "help",
        "-h": "help",
        "?": "help",
        "back": "up",
        "bye": "quit",
        "end": "up",
        "exit": "quit",
        "list": "show",
    },
    "options": {
        **dict.fromkeys(
            (
                "add-quotes", "cd", "check-frequency", "check-mode", "colorscheme", "editor", "help", "ls",
                "manage-children", "output", "pager", "quit", "reset", "save", "set", "show", "skill-level",
                "sort-elements", "up", "user", "wait",
            ),
            "",
        ),
        "--help": "help",
        "-h": "help",
        "?": "help",
        "add_quotes": "add-quotes",
        "back": "up",
        "bye": "quit",
        "check_frequency": "check-frequency",
        "check_mode": "check-mode",
        "end": "up",
        "exit": "quit",
        "list": "show",
        "manage_children": "manage-children",
        "skill_level": "skill-level",
        "sort_elements": "sort-elements",
    },
    "ra": {
        **dict.fromkeys(
            (
                "cd", "classes", "help", "info", "list", "ls", "providers", "quit", "up", "validate",
            ),
            "",
        ),
        "--help": "help",
        "-h": "help",
        "?": "help",
        "back": "up",
        "bye": "quit",
        "end": "up",
        "exit": "quit",
        "meta": "info",
    },
    "resource": {
        **dict.fromkeys(
            (
                "ban", "cd", "cleanup", "clear", "constraints", "demote", "failcount", "help", "locate", "ls",
                "maintenance", "manage", "meta", "move", "operations", "param", "promote", "quit", "refresh",
                "restart", "scores", "secret", "start", "status", "stop", "trace", "unmanage", "untrace",
                "up", "utilization",
            ),
            "",
        ),
        "--help": "help",
        "-h": "help",
        "?": "help",
        "back": "up",
        "bye": "quit",
        "end": "up",
        "exit": "quit",
        "list": "status",
        "migrate": "move",
        "reprobe": "refresh",
        "show": "status",
        "unban": "clear",
        "unmigrate": "clear",
        "unmove": "clear",
    },
}
"""Level ("" for the top) -> word -> the command it stands for ("" when the word is the command)."""


def lookup(level: str, word: str) -> str | None:
    """The command crmsh runs for ``word`` typed at ``level``: ``word`` itself when the level has
    that word (an alias stays an alias), the command of the only word it matches otherwise
    (crmsh"s patterns are regular expressions made of the word as typed), None when there is
    none or more than one."""
    words = WORDS.get(level)
    if words is None or word in words:
        return word

    def only(pattern: str) -> str | None:
        try:
            rx = re.compile(pattern, re.I)
        except re.error:
            return None
        found = [w for w in words if rx.match(w)]
        return (words[found[0]] or found[0]) if len(found) == 1 else None

    return only(word + ".*") or only(".*".join(word) + ".*")
