"""An LVS director under Heartbeat v1 -> an ldirectord configuration and a CIB.

The input is the setup of the LVS article in the seed documents: an ``ipvsadm`` rules
script (virtual services, real servers, forwarding, schedulers, weights), ``mon.cf``
(host groups and the watches that check each real server, whose alert scripts delete and
re-add real servers with ipvsadm), and ``haresources``/``ha.cf`` (the floating address,
with or without an ``ldirectord`` word on its line).  The output is:

* an ``ldirectord.cf`` for ``ocf:pacer:ldirectord`` holding the table the script builds
  (:mod:`crm.migrate.ipvsadm_script`) and, per virtual service, the check mon ran on its
  real servers (:mod:`crm.migrate.mon_cf`): ``http.monitor -p P -u U`` becomes
  ``checktype = negotiate``, ``service = http``, ``request = "U"`` (``checkport = P`` when
  it is not the real server's port, so an https service whose servers mon watched over
  http keeps that check, as the alert scripts did); ``tcp.monitor`` -> ``connect``,
  ``ping.monitor`` -> ``ping``; ``interval`` -> ``checkinterval``, ``alertafter`` ->
  ``failurecount``.  mon's alerts removed a failed server, so ``quiescent = no`` unless
  asked otherwise.  Real servers no watch covers were never removed: ``checktype = on``;
* a CIB (:func:`crm.migrate.convert`) where ``ldirectord`` is ``ocf:pacer:ldirectord``
  with ``configfile``; when no haresources line names it, it joins the line of the
  virtual address, so the address (``IPaddr2``) and the director form one group: placed
  together, address first.  A director on another line gets a colocation and an order
  with each virtual address instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from crm.migrate.convert import convert
from crm.migrate.diagnostics import Diagnostic, MigrationError, error, warning
from crm.migrate.haresources import ResourceLine, parse_haresources
from crm.migrate.ipvsadm_script import RulesTable, ScriptReal, ScriptService, parse_ipvsadm_script
from crm.migrate.mon_cf import MonCheck, MonConfig, parse_mon_cf

AGENT = "ocf:pacer:ldirectord"
DEFAULT_CONFIGFILE = "/etc/ha.d/ldirectord.cf"
HEARTBEAT_DIR = "/etc/ha.d"
_DEFAULT_PORT = {"http": 80, "https": 443}


@dataclass(frozen=True)
class LvsConversion:
    cib: etree._Element
    ldirectord_cf: str
    configfile: str
    warnings: tuple[Diagnostic, ...]

    def to_xml(self) -> str:
        return etree.tostring(self.cib, pretty_print=True, encoding="unicode")


@dataclass(frozen=True)
class Check:
    """The ldirectord check of one real server."""

    checktype: str  # negotiate | connect | ping | on
    service: str | None = None
    port: int | None = None
    request: str | None = None
    timeout: float | None = None
    interval: float | None = None
    failurecount: int | None = None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def check_of(mon_check: MonCheck | None, real_port: int, file: str, warnings: list[Diagnostic]) -> Check:
    if mon_check is None:
        return Check("on")
    timing = (mon_check.timeout, mon_check.interval, mon_check.alertafter)
    if mon_check.kind in _DEFAULT_PORT:
        port = mon_check.port or _DEFAULT_PORT[mon_check.kind]
        return Check("negotiate", mon_check.kind, port, mon_check.url or "/", *timing)
    if mon_check.kind == "ping":
        return Check("ping", None, None, None, *timing)
    if mon_check.kind != "connect":
        warnings.append(warning(file, mon_check.line, f"monitor {mon_check.monitor!r} has no ldirectord equivalent; "
                                                      "the real servers it watched get a TCP connect check"))
    return Check("connect", None, mon_check.port or real_port, None, *timing)


def pick_mon_check(mon: MonConfig | None, real: ScriptReal, warnings: list[Diagnostic]) -> MonCheck | None:
    if mon is None:
        return None
    checks = mon.checks_for(real.address)
    if len(checks) <= 1:
        return checks[0] if checks else None
    same_port = [c for c in checks if (c.port or _DEFAULT_PORT.get(c.kind)) == real.port]
    chosen = same_port[0] if same_port else checks[0]
    warnings.append(warning(mon.file, chosen.line, f"{real.address} has {len(checks)} watches; the one on line "
                                                   f"{chosen.line} ({chosen.monitor}) checks it for port {real.port}"))
    return chosen


def _virtual_line(service: ScriptService) -> str:
    if service.protocol == "fwm":
        return f"virtual = {service.address}"
    host = f"[{service.address}]" if ":" in service.address else service.address
    return f"virtual = {host}:{service.port}"


def render_ldirectord_cf(table: RulesTable, mon: MonConfig | None, *, quiescent: bool, fallback: str | None,
                         sources: str, warnings: list[Diagnostic]) -> str:
    sections: list[list[str]] = []
    checks_seen: list[Check] = []
    per_virtual: list[tuple[ScriptService, list[ScriptReal], Check]] = []
    for key, service in table.services.items():
        reals = list(table.reals.get(key, {}).values())
        checks: list[tuple[ScriptReal, Check]] = []
        for real in reals:
            mon_check = pick_mon_check(mon, real, warnings)
            checks.append((real, check_of(mon_check, real.port, mon.file if mon else table.file, warnings)))
        watched = [(r, c) for r, c in checks if c.checktype != "on"]
        if not watched:
            check = Check("on")
            if reals:
                warnings.append(warning(table.file, service.line, f"no mon watch covers the real servers of {key}: "
                                                                  "they are never checked (checktype = on); "
                                                                  "consider checktype = connect"))
        else:
            check = watched[0][1]
            differing = [r for r, c in watched if c != check]
            if differing:
                raise MigrationError([error(mon.file if mon else table.file, 0,
                                            f"the real servers of {key} are watched differently by mon "
                                            f"({watched[0][0].address} vs {differing[0].address}); ldirectord "
                                            "checks all real servers of a virtual service the same way")])
            unwatched = [r.address for r, c in checks if c.checktype == "on"]
            if unwatched:
                warnings.append(warning(table.file, service.line, f"{', '.join(unwatched)} in {key}: no mon watch; "
                                                                  "checked like the other real servers"))
        per_virtual.append((service, reals, check))
        checks_seen.append(check)
    intervals = {c.interval for c in checks_seen if c.interval is not None}
    timeouts = {c.timeout for c in checks_seen if c.timeout is not None}
    counts = {c.failurecount for c in checks_seen if c.failurecount is not None}
    lines = [f"# ldirectord configuration for ocf:pacer:ldirectord, converted from {sources}.", "#"]
    lines.append("# mon's alert scripts deleted a failed real server and added it back when it answered:")
    lines.append("# the checker does that (quiescent = yes keeps it with weight 0 instead).")
    if len(intervals) == 1:
        lines.append(f"checkinterval = {_number(intervals.pop())}")
    if len(timeouts) == 1:
        lines.append(f"checktimeout = {_number(timeouts.pop())}")
    if len(counts) == 1:
        lines.append(f"failurecount = {counts.pop()}")
    lines.append(f"quiescent = {'yes' if quiescent else 'no'}")
    if fallback:
        lines.append(f"fallback = {fallback}")
    for service, reals, check in per_virtual:
        out = [_virtual_line(service)]
        for real in reals:
            host = f"[{real.address}]" if ":" in real.address else real.address
            port = f":{real.port}" if real.port else ""  # a firewall mark's routed server has none
            out.append(f"\treal = {host}{port} {real.forwarding} {real.weight}")
        out.append(f"\tscheduler = {service.scheduler}")
        out.append(f"\tprotocol = {service.protocol}")
        if service.persistent is not None:
            out.append(f"\tpersistent = {service.persistent}")
            if service.netmask:
                out.append(f"\tnetmask = {service.netmask}")
        out.append(f"\tchecktype = {check.checktype}")
        if check.checktype == "negotiate":
            out.append(f"\tservice = {check.service}")
            out.append(f'\trequest = "{check.request}"')
        if check.port is not None and any(check.port != r.port for r in reals):
            out.append(f"\tcheckport = {check.port}")
            if check.checktype == "negotiate" and service.port != check.port:
                warnings.append(warning(table.file, service.line,
                                        f"{service.key} is checked over {check.service} on port {check.port}, as "
                                        "mon's alerts did; give it its own check to notice a failure of this port"))
        if len(intervals) > 1 and check.interval is not None:
            out.append(f"\tcheckinterval = {_number(check.interval)}")
        if len(timeouts) > 1 and check.timeout is not None:
            out.append(f"\tchecktimeout = {_number(check.timeout)}")
        if len(counts) > 1 and check.failurecount is not None:
            out.append(f"\tfailurecount = {check.failurecount}")
        sections.append(out)
    body = "\n".join(lines) + "\n"
    for section in sections:
        body += "\n" + "\n".join(section) + "\n"
    return body


# ---------------------------------------------------------------- haresources and the CIB


def _config_path(args: tuple[str, ...]) -> str | None:
    if not args or not args[0]:
        return None
    name = args[0]
    return name if name.startswith("/") else f"{HEARTBEAT_DIR}/{name}"


def _ip_of(token_args: tuple[str, ...]) -> str:
    return token_args[0].split("/", 1)[0] if token_args else ""


def place_director(haresources_text: str, file: str, vips: list[str], warnings: list[Diagnostic],
                   ) -> tuple[str, str | None]:
    """The haresources text with ``ldirectord`` as a bare word on the right line, and the
    configuration file its ``::`` argument named."""
    parsed = parse_haresources(haresources_text, file=file)
    lines = [e for e in parsed.entries if isinstance(e, ResourceLine)]
    named = [(e, t) for e in lines for t in e.resources if t.type == "ldirectord"]
    physical = haresources_text.splitlines()
    if len(named) > 1:
        raise MigrationError([error(file, named[1][0].line, "ldirectord is named twice; one director per cluster")])
    if named:
        entry, token = named[0]
        if len(token.args) > 1:
            raise MigrationError([error(file, entry.line, f"{token.text!r}: ldirectord takes one argument, "
                                                          "its configuration file")])
        if token.args:
            pattern = re.compile(r"(?<!\S)" + re.escape(token.text) + r"(?!\S)")
            ends = _physical_range(haresources_text, entry.line)
            for index in range(entry.line - 1, ends):
                if pattern.search(physical[index]):
                    physical[index] = pattern.sub("ldirectord", physical[index], count=1)
                    break
        return "\n".join(physical) + "\n", _config_path(token.args)
    for entry in lines:
        addresses = [_ip_of(t.args) for t in entry.resources if t.type in ("IPaddr", "IPaddr2")]
        if any(a in vips for a in addresses):
            last = _physical_range(haresources_text, entry.line) - 1
            physical[last] = physical[last].rstrip() + " ldirectord"
            warnings.append(warning(file, entry.line, "no ldirectord on this line: the director joins the line of "
                                                      "its virtual address (one group: address first)"))
            return "\n".join(physical) + "\n", None
    if not vips:
        raise MigrationError([error(file, 0, "the rules have only firewall-mark services, whose addresses the "
                                             "packet filter decides: name ldirectord on the haresources line of "
                                             "their addresses")])
    raise MigrationError([error(file, 0, f"no haresources line holds a virtual address ({', '.join(vips)}) or "
                                         "names ldirectord; add 'ldirectord' to the line of the address")])


def _physical_range(text: str, first: int) -> int:
    """The (1-based, inclusive) last physical line of the logical line starting at ``first``."""
    physical = text.splitlines()
    index = first - 1
    while index < len(physical) - 1 and physical[index].rstrip().endswith("\\"):
        index += 1
    return index + 1


def _resource_parent_group(element: etree._Element) -> str | None:
    parent = element.getparent()
    return parent.get("id") if parent is not None and parent.tag == "group" else None


def _elements(node: etree._Element, path: str) -> list[etree._Element]:
    found = node.xpath(path)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


def finish_cib(cib: etree._Element, configfile: str, vips: list[str], file: str,
               warnings: list[Diagnostic]) -> None:
    directors = _elements(cib, "//primitive[@class='ocf'][@provider='pacer'][@type='ldirectord']")
    if len(directors) != 1:
        raise MigrationError([error(file, 0, "the converted CIB has no ldirectord resource")])
    director = directors[0]
    rid = director.get("id") or ""
    ids = {e.get("id") for e in cib.iter() if e.get("id")}
    attrs_id = f"{rid}-instance_attributes"
    nv_id = f"{attrs_id}-configfile"
    if attrs_id in ids or nv_id in ids:
        raise MigrationError([error(file, 0, f"id {attrs_id} is already used")])
    attrs = etree.Element("instance_attributes", id=attrs_id)
    etree.SubElement(attrs, "nvpair", id=nv_id, name="configfile", value=configfile)
    director.insert(0, attrs)
    constraints = cib.find("configuration/constraints")
    assert constraints is not None
    group = _resource_parent_group(director)
    for vip in vips:
        ips = [p for p in _elements(cib, "//primitive[@type='IPaddr2']")
               if [nv.get("value") for nv in p.iterfind("instance_attributes/nvpair[@name='ip']")] == [vip]]
        if not ips:
            warnings.append(warning(file, 0, f"virtual address {vip} is not managed by the cluster (no IP address "
                                             "resource for it in haresources)"))
            continue
        ip = ips[0]
        if group is not None and _resource_parent_group(ip) == group:
            continue
        ip_anchor = _resource_parent_group(ip) or ip.get("id") or ""
        director_anchor = group or rid
        for tag, cid, attrib in (
            ("rsc_colocation", f"col_{director_anchor}_with_{ip_anchor}",
             {"rsc": director_anchor, "with-rsc": ip_anchor, "score": "INFINITY"}),
            ("rsc_order", f"ord_{ip_anchor}_before_{director_anchor}",
             {"first": ip_anchor, "then": director_anchor, "kind": "Mandatory"}),
        ):
            if cid in ids:
                raise MigrationError([error(file, 0, f"id {cid} is already used")])
            etree.SubElement(constraints, tag, id=cid, attrib=attrib)
            ids.add(cid)


def convert_lvs(
    haresources_text: str,
    hacf_text: str,
    rules_text: str,
    mon_text: str | None = None,
    *,
    configfile: str | None = None,
    quiescent: bool = False,
    fallback: str | None = None,
    haresources_name: str = "haresources",
    hacf_name: str = "ha.cf",
    rules_name: str = "ipvsadm rules",
    mon_name: str = "mon.cf",
    cluster_name: str | None = None,
    monitor: bool = True,
    resource_dir: Path = Path("/etc/ha.d/resource.d"),
    initd_dir: Path = Path("/etc/init.d"),
    agent_map: Mapping[str, str] | None = None,
) -> LvsConversion:
    """Convert the LVS director setup; raise MigrationError (``file:line: reason``) on bad input."""
    warnings: list[Diagnostic] = []
    table = parse_ipvsadm_script(rules_text, file=rules_name)
    warnings.extend(table.warnings)
    mon = parse_mon_cf(mon_text, file=mon_name) if mon_text is not None else None
    if mon is not None:
        warnings.extend(mon.warnings)
    forward = table.sysctls.get("net.ipv4.ip_forward")
    masq = any(r.forwarding == "masq" for reals in table.reals.values() for r in reals.values())
    if forward is not None or masq:
        line = forward[1] if forward else 0
        warnings.append(warning(rules_name, line, "ldirectord does not set net.ipv4.ip_forward; NAT (masq) needs it "
                                                  "on every director: set it in /etc/sysctl.d"))
    redirects = [name for name, (value, _) in table.sysctls.items() if "send_redirects" in name and value == "0"]
    if redirects:
        warnings.append(warning(rules_name, table.sysctls[redirects[0]][1],
                                f"{', '.join(sorted(redirects))}=0 is not set by ldirectord: keep it in /etc/sysctl.d"))
    sources = ", ".join(n for n in (rules_name, mon_name if mon_text is not None else None) if n)
    cf = render_ldirectord_cf(table, mon, quiescent=quiescent, fallback=fallback, sources=sources,
                              warnings=warnings)
    vips = []
    for service in table.services.values():
        if service.protocol != "fwm" and service.address not in vips:
            vips.append(service.address)
    text, named_config = place_director(haresources_text, haresources_name, vips, warnings)
    chosen = configfile or named_config or DEFAULT_CONFIGFILE
    if configfile and named_config and configfile != named_config:
        warnings.append(warning(haresources_name, 0, f"haresources names {named_config}; the director uses "
                                                     f"{configfile} as asked"))
    mapping = dict(agent_map or {})
    mapping["ldirectord"] = AGENT
    result = convert(text, hacf_text, monitor=monitor, resource_dir=resource_dir, initd_dir=initd_dir,
                     haresources_name=haresources_name, hacf_name=hacf_name, cluster_name=cluster_name,
                     agent_map=mapping)
    warnings.extend(result.warnings)
    finish_cib(result.cib, chosen, vips, haresources_name, warnings)
    return LvsConversion(result.cib, cf, chosen, tuple(warnings))


__all__ = ["LvsConversion", "convert_lvs"]
