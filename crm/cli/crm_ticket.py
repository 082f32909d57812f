"""``crm_ticket``: query and change the cluster's tickets, as Pacemaker 2.1.5's.

A ticket's state is a ``ticket_state`` element under ``status/tickets`` (its attributes:
``granted``, ``standby``, ``last-granted``...); tickets named by ``rsc_ticket`` constraints and
never granted exist too (revoked).  Queries: ``-l``, ``-L``, ``-w``, ``-q``, ``-c``, ``-G ATTR
[-d DEFAULT]``; commands: ``-g``/``-r`` (need ``--force``), ``-s``/``-a``, ``-S ATTR -v VALUE``,
``-D ATTR``, ``-C``.  The CIB is the one named by ``CIB_shadow``/``CIB_file``, else the live one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from crm.cib.document import CibDocument
from crm.cib.errors import CibError
from crm.cib.xmltext import to_text
from crm.cli.cib_source import CibSource
from crm.cli.tool_args import PACEMAKER_VERSION, VERBOSE_OPT, VERSION_OPT, Group, Opt, ToolSpec, run_tool
from crm.common.booleans import is_true
from crm.common.results import ExitCode

PROG = "crm_ticket"
INDENT = " " * 31

_EXAMPLES = (
    ("Display the info of tickets:", "crm_ticket --info"),
    ("Display the detailed info of tickets:", "crm_ticket --details"),
    ("Display the XML of 'ticketA':", "crm_ticket --ticket ticketA --query-xml"),
    ("Display the rsc_ticket constraints that apply to 'ticketA':", "crm_ticket --ticket ticketA --constraints"),
    ("Grant 'ticketA' to this cluster site:", "crm_ticket --ticket ticketA --grant"),
    ("Revoke 'ticketA' from this cluster site:", "crm_ticket --ticket ticketA --revoke"),
    ("Make 'ticketA' standby (the cluster site will treat a granted\n'ticketA' as 'standby', and the dependent "
     "resources will be\nstopped or demoted gracefully without triggering loss-policies):",
     "crm_ticket --ticket ticketA --standby"),
    ("Activate 'ticketA' from being standby:", "crm_ticket --ticket ticketA --activate"),
    ("Get the value of the 'granted' attribute for 'ticketA':", "crm_ticket --ticket ticketA --get-attr granted"),
    ("Set the value of the 'standby' attribute for 'ticketA':",
     "crm_ticket --ticket ticketA --set-attr standby --attr-value true"),
    ("Delete the 'granted' attribute for 'ticketA':", "crm_ticket --ticket ticketA --delete-attr granted"),
    ("Erase the operation history of 'ticketA' at this cluster site,\ncausing the cluster site to 'forget' the "
     "existing ticket state:", "crm_ticket --ticket ticketA --cleanup"),
)


def _cmd(long: str, short: str, text: str) -> Opt:
    return Opt(long, short, help=text, action="append_const", dest="commands", const=short)


SPEC = ToolSpec(
    prog=PROG,
    usage_args="[OPTION?]",
    summary="Perform tasks related to cluster tickets\n\nAllows ticket attributes to be queried, modified and deleted.",
    main=(VERSION_OPT, VERBOSE_OPT),
    groups=(
        Group("queries", "Queries:", "Show queries", (
            _cmd("info", "l", "Display the information of ticket(s)"),
            _cmd("details", "L", "Display the details of ticket(s)"),
            _cmd("raw", "w", "Display the IDs of ticket(s)"),
            _cmd("query-xml", "q", "Query the XML of ticket(s)"),
            _cmd("constraints", "c", "Display the rsc_ticket constraints that apply to ticket(s)"),
        )),
        Group("commands", "Commands:", "Show command options", (
            _cmd("grant", "g", "Grant a ticket to this cluster site"),
            _cmd("revoke", "r", "Revoke a ticket from this cluster site"),
            _cmd("standby", "s", "Tell this cluster site this ticket is standby"),
            _cmd("activate", "a", "Tell this cluster site this ticket is active"),
        )),
        Group("advanced", "Advanced Options:", "Show advanced options", (
            Opt("get-attr", "G", metavar="ATTRIBUTE", action="append", dest="get_attr",
                help="Display the named attribute for a ticket"),
            Opt("set-attr", "S", metavar="ATTRIBUTE", action="append", dest="set_attr",
                help="Set the named attribute for a ticket"),
            Opt("delete-attr", "D", metavar="ATTRIBUTE", action="append", dest="delete_attr",
                help="Delete the named attribute for a ticket"),
            _cmd("cleanup", "C", "Delete all state of a ticket at this cluster site"),
        )),
        Group("additional", "Additional Options:", "Show additional options", (
            Opt("attr-value", "v", metavar="VALUE", action="append", dest="attr_value",
                help="Attribute value to use with -S"),
            Opt("default", "d", metavar="VALUE", action="store",
                help=f"(Advanced) Default attribute value to display if none is found\n{INDENT}(for use with -G)"),
            Opt("force", "f", help="(Advanced) Force the action to be performed"),
            Opt("ticket", "t", metavar="ID", action="store", help="Ticket ID"),
            Opt("xml-file", "x", metavar="FILE", action="store", dest="xml_file", hidden=True),
        )),
        Group("deprecated", "Deprecated Options:", "Show deprecated options", (
            Opt("set-name", "n", metavar="ID", action="store", dest="set_name",
                help="(Advanced) ID of the instance_attributes object to change"),
            Opt("nvpair", "i", metavar="ID", action="store", help="(Advanced) ID of the nvpair object to change/delete"),
            Opt("quiet", "Q", help="Print only the value on stdout"),
        )),
    ),
    epilog="Examples:\n\n" + "".join(f"{text}\n\n\t{example}\n\n" for text, example in _EXAMPLES),
)


@dataclass
class Ticket:
    id: str
    state: dict[str, str] = field(default_factory=dict)

    @property
    def granted(self) -> bool:
        return is_true(self.state.get("granted"))

    @property
    def standby(self) -> bool:
        return is_true(self.state.get("standby"))

    @property
    def last_granted(self) -> int:
        try:
            return int(self.state.get("last-granted", "-1"))
        except ValueError:
            return -1


def tickets_of(cib: etree._Element) -> dict[str, Ticket]:
    """The tickets as Pacemaker's scheduler unpacks them: ticket states, then the tickets that
    ``rsc_ticket`` constraints name."""
    tickets: dict[str, Ticket] = {}
    for state in cib.iterfind("status/tickets/ticket_state"):
        ident = state.get("id")
        if not ident:
            continue
        ticket = tickets.setdefault(ident, Ticket(ident))
        ticket.state.update({str(k): str(v) for k, v in state.attrib.items() if k != "id"})
    for constraint in cib.iterfind("configuration/constraints/rsc_ticket"):
        ident = constraint.get("ticket")
        if ident and ident not in tickets:
            tickets[ident] = Ticket(ident)
    return tickets


def _date(stamp: int) -> str:
    return "'" + time.asctime(time.localtime(stamp)) + "'"


def ticket_line(ticket: Ticket, raw: bool, details: bool) -> str:
    if raw:
        return f"{ticket.id}\n"
    line = f"{ticket.id}\t{'granted' if ticket.granted else 'revoked'} {'[standby]' if ticket.standby else ' ' * 9}"
    if details and ticket.state:
        parts = []
        for name, value in ticket.state.items():
            if name in ("last-granted", "expires"):
                try:
                    value = _date(int(value))
                except ValueError:
                    value = _date(0)
            parts.append(f"{name}={value}")
        return f"{line} ({', '.join(parts)})\n"
    if ticket.last_granted > -1:
        line += f" last-granted={_date(ticket.last_granted)}"
    return line + "\n"


def _warning(ticket_id: str, action: str) -> str:
    if action == "grant":
        text = f"This command cannot help you verify whether '{ticket_id}' has been already granted elsewhere.\n"
        word = "to"
    else:
        text = (f"Revoking '{ticket_id}' can trigger the specified 'loss-policy'(s) relating to '{ticket_id}'.\n\n"
                f"You can check that with:\ncrm_ticket --ticket {ticket_id} --constraints\n\n"
                f"Otherwise before revoking '{ticket_id}', you may want to make '{ticket_id}' standby with:\n"
                f"crm_ticket --ticket {ticket_id} --standby\n\n")
        word = "from"
    return (text + f"If you really want to {action} '{ticket_id}' {word} this site now, and you know what you "
            "are doing,\nplease specify --force.\n")


class _Failure(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message or "")
        self.code = code
        self.message = message


def _parse(argv: Sequence[str]) -> tuple[object, dict[str, str], list[str], bool]:
    """The options, the attributes to set (in order) and to delete, and whether anything is
    to be changed; -S/-v pair up in the order given, as Pacemaker's callbacks pair them."""
    ns = SPEC.parse(argv)
    attr_set: dict[str, str] = {}
    modified = False
    pending_name: str | None = None
    pending_value: str | None = None
    names = iter(ns.set_attr or [])
    values = iter(ns.attr_value or [])
    for word in argv:  # replay -g/-r/-s/-a, -S and -v in command-line order
        key = word.split("=", 1)[0]
        if key in ("-g", "--grant"):
            attr_set["granted"] = "true"
            modified = True
        elif key in ("-r", "--revoke"):
            attr_set["granted"] = "false"
            modified = True
        elif key in ("-s", "--standby"):
            attr_set["standby"] = "true"
            modified = True
        elif key in ("-a", "--activate"):
            attr_set["standby"] = "false"
            modified = True
        elif key.startswith("-S") or key == "--set-attr":
            pending_name = next(names, None)
        elif key.startswith("-v") or key == "--attr-value":
            pending_value = next(values, None)
        else:
            continue
        if pending_name and pending_value:
            attr_set[pending_name] = pending_value
            pending_name = pending_value = None
            modified = True
    if ns.delete_attr:
        modified = True
    return ns, attr_set, list(ns.delete_attr or []), modified


def _body(argv: Sequence[str]) -> int:
    ns_obj, attr_set, attr_delete, modified = _parse(argv)
    ns = ns_obj  # argparse.Namespace
    if ns._help:  # type: ignore[attr-defined]
        sys.stdout.write(SPEC.help(ns._help))  # type: ignore[attr-defined]
        return ExitCode.OK
    if ns.version:  # type: ignore[attr-defined]
        sys.stdout.write(PACEMAKER_VERSION)
        return ExitCode.OK
    try:
        return _execute(ns, attr_set, attr_delete, modified)
    except _Failure as failure:
        if failure.message:
            sys.stderr.write(f"{PROG}: {failure.message}\n")
        return failure.code


def _command(ns: object) -> str:
    commands = list(getattr(ns, "commands", None) or [])
    main = [c for c in commands if c in "lLwqcC"]
    if getattr(ns, "get_attr", None):
        # -G sets the command when given; the last of the commands given wins
        return "G" if not main else main[-1]
    return main[-1] if main else "S"


def _execute(ns: object, attr_set: dict[str, str], attr_delete: list[str], modified: bool) -> int:
    source = CibSource.from_environment()
    ticket_id: str | None = getattr(ns, "ticket", None)
    try:
        if getattr(ns, "xml_file", None):
            path = Path(ns.xml_file)  # type: ignore[attr-defined]
            doc = CibDocument.parse(path.read_bytes(), str(path))
        else:
            doc = source.read()
    except CibError as err:
        raise _Failure(err.exit_code, f"Could not connect to the CIB: {err.reason}") from None
    except OSError as err:
        raise _Failure(ExitCode.NOINPUT, f"Could not read {ns.xml_file}: {err.strerror}") from None  # type: ignore[attr-defined]
    tickets = tickets_of(doc.root)
    command = _command(ns)
    if command in ("l", "L", "w"):
        raw, details = command == "w", command == "L"
        if ticket_id:
            if ticket_id not in tickets:
                raise _Failure(ExitCode.NOSUCH, f"No such ticket '{ticket_id}'")
            sys.stdout.write(ticket_line(tickets[ticket_id], raw, details))
        else:
            sys.stdout.write("".join(ticket_line(t, raw, details) for t in tickets.values()))
        return ExitCode.OK
    if command == "q":
        states = _ticket_states(doc.root, ticket_id)
        if states is None:
            raise _Failure(ExitCode.NOSUCH, "Could not query ticket XML: No such device or address")
        sys.stdout.write("State XML:\n\n" + states)
        return ExitCode.OK
    if command == "c":
        found = [c for c in doc.root.iterfind("configuration/constraints/rsc_ticket")
                 if ticket_id is None or c.get("ticket") == ticket_id]
        if not found:
            raise _Failure(ExitCode.NOSUCH, "Could not show ticket constraints: No such device or address")
        text = "".join(to_text(c) for c in found) if len(found) == 1 else _wrapped("xpath-query", found)
        sys.stdout.write("Constraints XML:\n\n" + text)
        return ExitCode.OK
    if command == "G":
        if ticket_id is None:
            raise _Failure(ExitCode.NOSUCH, "Must supply ticket ID with -t")
        name = ns.get_attr[-1]  # type: ignore[attr-defined]
        ticket = tickets.get(ticket_id)
        value = ticket.state.get(name) if ticket is not None else None
        if value is not None:
            print(value)
            return ExitCode.OK
        if getattr(ns, "default", None) is not None:
            print(ns.default)  # type: ignore[attr-defined]
            return ExitCode.OK
        return ExitCode.NOSUCH
    if command == "C":
        if ticket_id is None:
            raise _Failure(ExitCode.USAGE, "Must supply ticket ID with -t")
        if not getattr(ns, "force", False):
            if ticket_id not in tickets:
                raise _Failure(ExitCode.NOSUCH, f"No such ticket '{ticket_id}'")
            if tickets[ticket_id].granted:
                sys.stdout.write(_warning(ticket_id, "revoke"))
                return ExitCode.INSUFFICIENT_PRIV
        return _cleanup(source, doc, ticket_id)
    if modified:
        if ticket_id is None:
            raise _Failure(ExitCode.USAGE, "Must supply ticket ID with -t")
        return _modify(ns, source, ticket_id, tickets, attr_set, attr_delete)
    # nothing to change: say what is missing (a -S without its -v, or no command at all)
    names = [n for n in (getattr(ns, "set_attr", None) or []) if n]
    if not names:
        raise _Failure(ExitCode.USAGE, "Must supply a command")
    if ticket_id is None:
        raise _Failure(ExitCode.USAGE, "Must supply ticket ID with -t")
    raise _Failure(ExitCode.USAGE, f"Must supply value with -v for -S {names[-1]}")


def _wrapped(tag: str, nodes: list[etree._Element]) -> str:
    wrapper = etree.Element(tag)
    for node in nodes:
        wrapper.append(etree.fromstring(etree.tostring(node)))
    return to_text(wrapper)


def _ticket_states(cib: etree._Element, ticket_id: str | None) -> str | None:
    tickets = cib.find("status/tickets")
    if tickets is None:
        return None
    if ticket_id is None:
        return to_text(tickets)
    found = [s for s in tickets.iterfind("ticket_state") if s.get("id") == ticket_id]
    if not found:
        return None
    return to_text(found[0]) if len(found) == 1 else _wrapped("xpath-query", found)


def _cleanup(source: object, doc: CibDocument, ticket_id: str) -> int:
    if _ticket_states(doc.root, ticket_id) is None:
        return ExitCode.OK

    def remove(work: CibDocument) -> None:
        for state in list(work.root.iterfind("status/tickets/ticket_state")):
            if state.get("id") == ticket_id:
                parent = state.getparent()
                assert parent is not None
                parent.remove(state)

    try:
        source.modify(remove)  # type: ignore[attr-defined]
    except CibError as err:
        raise _Failure(err.exit_code, f"Could not clean up ticket: {err.reason}") from None
    print(f"Cleaned up {ticket_id}")
    return ExitCode.OK


def _modify(ns: object, source: object, ticket_id: str, tickets: dict[str, Ticket], attr_set: dict[str, str],
            attr_delete: list[str]) -> int:
    values = list(getattr(ns, "attr_value", None) or [])
    names = list(getattr(ns, "set_attr", None) or [])
    if len(values) > len(names) and values[-1]:
        raise _Failure(ExitCode.USAGE, f"Must supply attribute name with -S for -v {values[-1]}")
    if len(names) > len(values) and names[-1]:
        raise _Failure(ExitCode.USAGE, "Must supply attribute value with -v for -S (null)")
    if not getattr(ns, "force", False):
        granted = attr_set.get("granted")
        action = None
        if granted is not None:
            action = "grant" if is_true(granted) else "revoke"
        elif any(name.lower() == "granted" for name in attr_delete):
            action = "revoke"
        if action is not None:
            sys.stdout.write(_warning(ticket_id, action))
            raise _Failure(ExitCode.INSUFFICIENT_PRIV, "Ticket modification not allowed")
    ticket = tickets.get(ticket_id)

    def change(work: CibDocument) -> None:
        status = work.root.find("status")
        if status is None:
            status = etree.SubElement(work.root, "status")
        states = [s for s in status.iterfind("tickets/ticket_state") if s.get("id") == ticket_id]
        if states:
            state = states[0]
        elif not attr_set:
            return
        else:
            holder = status.find("tickets")
            if holder is None:
                holder = etree.SubElement(status, "tickets")
            state = etree.SubElement(holder, "ticket_state", id=ticket_id)
        for name in attr_delete:
            if name in state.attrib:
                del state.attrib[name]
        for name, value in attr_set.items():
            state.set(name, value)
            if name.lower() == "granted" and (ticket is None or not ticket.granted) and is_true(value):
                state.set("last-granted", str(int(time.time())))

    try:
        source.modify(change)  # type: ignore[attr-defined]
    except CibError as err:
        raise _Failure(err.exit_code, f"Could not modify ticket: {err.reason}") from None
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())

