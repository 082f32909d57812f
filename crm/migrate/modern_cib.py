"""Default mode: the CIB a Pacemaker 2.1 user would write today for a Heartbeat v1 cluster.

Mapping (see docs in :mod:`crm.migrate`):

* IP shorthand, ``IPaddr::``, ``IPaddr2::`` -> ``ocf:heartbeat:IPaddr2`` (ip, cidr_netmask,
  nic, broadcast validated);
* ``drbddisk::R`` / ``datadisk::R`` -> a promotable ``ocf:linbit:drbd`` clone
  (``drbd_resource=R``), with the line's group colocated with the Promoted role and
  started after the promotion;
* ``Filesystem::dev::dir::fstype[::options]`` and the other historical OCF types ->
  ``ocf:<provider>:<type>`` with named parameters;
* other words -> ``heartbeat:`` (a script in the resource.d directory) or ``lsb:`` (an init
  script); an unknown word without arguments becomes ``lsb:WORD`` with a warning naming
  ``--map`` (with arguments it is an error);
* one location preference (score 100) per haresources line; ``auto_failback`` ->
  ``resource-stickiness``; ``ping``/``ping_group`` + ``respawn pingd|ipfail`` -> an
  ``ocf:pacemaker:ping`` clone and a -INFINITY rule for nodes without connectivity;
  ``stonith_host`` -> ``stonith:`` resources; ``node`` lines -> ``<nodes>`` (ids 1..N, the
  same numbering as the generated corosync.conf).

Resource ids keep the historical scheme (``group_1``, ``IPaddr_10_0_0_1``,
``Filesystem_3``) that admins' scripts know; new objects get descriptive ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from crm.cib.document import FEATURE_SET
from crm.migrate.agents import MODERN_PROVIDER, OCF_PARAMETERS, AgentDirs, IpSpecError, parse_ip_spec
from crm.migrate.diagnostics import Diagnostic, MigrationError, error, warning
from crm.migrate.hacf import AutoFailback, HaCf, Respawn
from crm.migrate.haresources import (
    ColocationDirective,
    Haresources,
    OrderDirective,
    ResourceLine,
    ResourceToken,
    Unparsable,
)
from crm.migrate.stonith import StonithParams

SCHEMA = "pacemaker-3.9"
LOCATION_SCORE = 100
STICKY = 200
DRBD_TYPES = frozenset({"drbddisk", "datadisk"})
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_SCORE = re.compile(r"^[+-]?(\d+|INFINITY|inf)$", re.IGNORECASE)


@dataclass(frozen=True)
class Op:
    name: str
    interval: str
    timeout: str
    role: str | None = None


#: Operations per agent kind: (monitor ops, start timeout, stop timeout).
_OPS: dict[str, tuple[tuple[Op, ...], str, str]] = {
    "IPaddr2": ((Op("monitor", "10s", "20s"),), "20s", "20s"),
    "Filesystem": ((Op("monitor", "20s", "40s"),), "60s", "60s"),
    "apache": ((Op("monitor", "10s", "20s"),), "40s", "60s"),
    "mysql": ((Op("monitor", "20s", "30s"),), "120s", "120s"),
    "pgsql": ((Op("monitor", "30s", "30s"),), "120s", "120s"),
    "drbd": (
        (Op("monitor", "29s", "20s", "Promoted"), Op("monitor", "31s", "20s", "Unpromoted")),
        "240s",
        "100s",
    ),
    "ping": ((Op("monitor", "10s", "60s"),), "60s", "20s"),
    "stonith": ((Op("monitor", "60s", "20s"),), "60s", "20s"),
}
_DEFAULT_OPS: tuple[tuple[Op, ...], str, str] = ((Op("monitor", "30s", "30s"),), "60s", "60s")


@dataclass(frozen=True)
class Agent:
    rclass: str
    type: str
    provider: str | None
    params: tuple[tuple[str, str], ...]


def _sanitize(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else f"_{cleaned}"


@dataclass
class _Builder:
    haresources: Haresources
    hacf: HaCf
    dirs: AgentDirs
    monitor: bool
    stonith_params: StonithParams
    cluster_name: str | None
    agent_map: Mapping[str, str] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    resource_ids: set[str] = field(default_factory=set)
    drbd_clones: dict[str, str] = field(default_factory=dict)
    anchors: list[tuple[str, str | None]] = field(default_factory=list)
    ip_lines: dict[str, int] = field(default_factory=dict)
    id_index: int = 1
    group_index: int = 1

    # ------------------------------------------------------------------ helpers
    @property
    def hr_file(self) -> str:
        return self.haresources.file

    def fail(self, line: int, message: str, file: str | None = None) -> None:
        self.errors.append(error(file or self.hr_file, line, message))

    def warn(self, line: int, message: str, file: str | None = None) -> None:
        self.warnings.append(warning(file or self.hr_file, line, message))

    def claim(self, wanted: str, line: int, *, explicit: bool = False) -> str:
        """Reserve an XML id; explicit ids must be unique, generated ones get a suffix."""
        if explicit and not _ID.match(wanted):
            self.fail(line, f"id {wanted!r} is not a valid XML id (letters, digits, '_', '.', '-')")
            wanted = _sanitize(wanted)
        candidate = wanted if _ID.match(wanted) else _sanitize(wanted)
        if candidate in self.ids:
            if explicit:
                first = self.ids[candidate]
                self.fail(line, f"id {candidate!r} is already used (line {first})")
            suffix = 2
            while f"{candidate}-{suffix}" in self.ids:
                suffix += 1
            if not explicit and line:
                self.warn(line, f"id {candidate!r} is already taken; using {candidate}-{suffix}")
            candidate = f"{candidate}-{suffix}"
        self.ids[candidate] = line
        return candidate

    def nvset(self, parent: etree._Element, tag: str, owner: str, items: Iterable[tuple[str, str]]) -> None:
        pairs = tuple(items)
        if not pairs:
            return
        set_id = self.claim(f"{owner}-{tag}", 0)
        holder = etree.SubElement(parent, tag, id=set_id)
        for name, value in pairs:
            etree.SubElement(holder, "nvpair", id=self.claim(f"{set_id}-{name}", 0), name=name, value=value)

    def operations(self, parent: etree._Element, rid: str, kind: str) -> None:
        if not self.monitor:
            return
        monitors, start, stop = _OPS.get(kind, _DEFAULT_OPS)
        ops = etree.SubElement(parent, "operations")
        for op in monitors:
            suffix = f"-{op.role}" if op.role else ""
            element = etree.SubElement(
                ops, "op", id=self.claim(f"{rid}-monitor-{op.interval}{suffix}", 0), name="monitor",
                interval=op.interval, timeout=op.timeout,
            )
            if op.role:
                element.set("role", op.role)
        etree.SubElement(ops, "op", id=self.claim(f"{rid}-start-0", 0), name="start", interval="0s", timeout=start)
        etree.SubElement(ops, "op", id=self.claim(f"{rid}-stop-0", 0), name="stop", interval="0s", timeout=stop)
        if kind == "drbd":
            for action in ("promote", "demote"):
                etree.SubElement(
                    ops, "op", id=self.claim(f"{rid}-{action}-0", 0), name=action, interval="0s", timeout="90s"
                )

    def primitive_element(self, rid: str, agent: Agent) -> etree._Element:
        element = etree.Element("primitive", id=rid)
        element.set("class", agent.rclass)
        if agent.provider:
            element.set("provider", agent.provider)
        element.set("type", agent.type)
        self.nvset(element, "instance_attributes", rid, agent.params)
        kind = "stonith" if agent.rclass == "stonith" else agent.type
        self.operations(element, rid, kind)
        return element

    # ------------------------------------------------------------------ agents
    def mapped_agent(self, token: ResourceToken, line: int) -> Agent | None:
        spec = self.agent_map[token.type]
        parts = spec.split(":")
        if len(parts) == 3 and parts[0] == "ocf" and all(parts):
            rclass, provider, rtype = parts
        elif len(parts) == 2 and parts[0] in ("lsb", "systemd", "service", "heartbeat") and parts[1]:
            rclass, provider, rtype = parts[0], None, parts[1]
        else:
            self.fail(line, f"agent map {token.type}={spec}: expected ocf:PROVIDER:TYPE or "
                            "lsb|systemd|service|heartbeat:TYPE")
            return None
        names = OCF_PARAMETERS.get(rtype, ()) if rclass == "ocf" else ()
        if rclass == "heartbeat":
            return Agent(rclass, rtype, None, tuple((str(i), v) for i, v in enumerate(token.args, 1)))
        if len(token.args) > len(names):
            self.fail(line, f"{token.text!r}: arguments cannot be mapped onto {spec} parameters")
            return None
        return Agent(rclass, rtype, provider, tuple((n, v) for n, v in zip(names, token.args, strict=False) if v))

    def agent_for(self, token: ResourceToken, line: int) -> Agent | None:
        rtype, args = token.type, token.args
        if rtype in self.agent_map:
            return self.mapped_agent(token, line)
        if rtype in ("IPaddr", "IPaddr2"):
            if not args or not args[0]:
                self.fail(line, f"{token.text!r}: {rtype} needs an IP address ({rtype}::10.0.0.1/24/eth0)")
                return None
            try:
                spec = parse_ip_spec(args[0])
            except IpSpecError as exc:
                self.fail(line, f"bad IP spec: {exc}")
                return None
            if spec.ip in self.ip_lines:
                self.fail(line, f"IP address {spec.ip} is already managed (line {self.ip_lines[spec.ip]})")
                return None
            self.ip_lines[spec.ip] = line
            params = [("ip", spec.ip)]
            if spec.cidr_netmask is not None:
                params.append(("cidr_netmask", str(spec.cidr_netmask)))
            if spec.nic is not None:
                params.append(("nic", spec.nic))
            if spec.broadcast is not None:
                params.append(("broadcast", spec.broadcast))
            return Agent("ocf", "IPaddr2", "heartbeat", tuple(params))
        if rtype == "Filesystem" and len(args) < 3:
            self.fail(line, f"{token.text!r}: Filesystem needs device, directory and fstype "
                            "(Filesystem::/dev/sdb1::/srv::ext4)")
            return None
        if rtype in OCF_PARAMETERS:
            names = OCF_PARAMETERS[rtype]
            if len(args) > len(names):
                self.fail(line, f"{token.text!r}: {rtype} takes at most {len(names)} positional "
                                f"arguments ({', '.join(names) or 'none'}), got {len(args)}")
                return None
            provider = MODERN_PROVIDER.get(rtype, "heartbeat")
            return Agent("ocf", rtype, provider, tuple((n, v) for n, v in zip(names, args, strict=False) if v))
        if self.dirs.heartbeat_script(rtype):
            self.warn(line, f"{rtype}: Heartbeat resource.d script kept as class heartbeat (pacer's lrmd runs "
                            "it; Pacemaker 2 does not, prefer an OCF agent or a service unit there)")
            return Agent("heartbeat", rtype, None, tuple((str(i), v) for i, v in enumerate(args, 1)))
        if self.dirs.init_script(rtype):
            if args:
                self.fail(line, f"{token.text!r}: init script {rtype} takes no arguments")
                return None
            return Agent("lsb", rtype, None, ())
        if args:
            self.fail(
                line,
                f"unknown resource agent {rtype!r}: not a known OCF type, and neither "
                f"{self.dirs.resource_dir / rtype} nor {self.dirs.initd_dir / rtype} exists here; "
                f"name its agent with --map {rtype}=CLASS:[PROVIDER:]TYPE",
            )
            return None
        # the cluster being migrated is usually another machine: its init script (httpd,
        # mysqld...) is simply not installed here
        self.warn(
            line,
            f"{rtype}: no OCF type, {self.dirs.resource_dir / rtype} or {self.dirs.initd_dir / rtype} here; "
            f"converted to lsb:{rtype} (give another agent with --map {rtype}=systemd:{rtype} or "
            f"--map {rtype}=ocf:PROVIDER:TYPE)",
        )
        return Agent("lsb", rtype, None, ())

    def drbd_clone(self, resources: etree._Element, token: ResourceToken, line: int) -> str | None:
        if len(token.args) != 1 or not token.args[0]:
            self.fail(line, f"{token.text!r}: {token.type} needs exactly one DRBD resource name ({token.type}::r0)")
            return None
        name = token.args[0]
        if token.type == "datadisk":
            self.warn(line, f"datadisk::{name} (DRBD 0.6) becomes ocf:linbit:drbd drbd_resource={name}; "
                            "check the resource name in drbd.conf")
        if name in self.drbd_clones:
            return self.drbd_clones[name]
        safe = _sanitize(name)
        clone_id = self.claim(f"ms_drbd_{safe}", line)
        clone = etree.SubElement(resources, "clone", id=clone_id)
        self.nvset(
            clone, "meta_attributes", clone_id,
            (("promotable", "true"), ("promoted-max", "1"), ("promoted-node-max", "1"),
             ("clone-max", "2"), ("clone-node-max", "1"),
             ("notify", "true")),
        )
        rid = self.claim(f"p_drbd_{safe}", line)
        self.resource_ids.add(rid)
        clone.append(self.primitive_element(rid, Agent("ocf", "drbd", "linbit", (("drbd_resource", name),))))
        self.resource_ids.add(clone_id)
        self.drbd_clones[name] = clone_id
        return clone_id

    # ------------------------------------------------------------------ lines
    def legacy_id(self, token: ResourceToken, number: int) -> str:
        if token.type == "IPaddr" and token.args:
            return "IPaddr_" + token.args[0].split("/", 1)[0].replace(".", "_")
        return f"{token.type}_{number}"

    def resource_line(self, entry: ResourceLine, resources: etree._Element, constraints: etree._Element) -> None:
        if entry.node not in self.hacf.nodes:
            known = ", ".join(self.hacf.nodes) or "none"
            self.warn(entry.line, f"node {entry.node!r} is not a node of {self.hacf.file} (nodes: {known})")
        single = len(entry.resources) == 1 and not entry.clone
        base = self.id_index if single else self.group_index
        if entry.clone:
            self.clone_line(entry, resources)
            self.id_index += 1
            self.group_index += 10
            return
        drbd: list[str] = []
        members: list[etree._Element] = []
        for position, token in enumerate(entry.resources):
            if token.type in DRBD_TYPES:
                clone_id = self.drbd_clone(resources, token, entry.line)
                if clone_id and clone_id not in drbd:
                    drbd.append(clone_id)
                continue
            agent = self.agent_for(token, entry.line)
            if agent is None:
                continue
            number = base if single else base + position
            explicit = entry.explicit_id if single else None
            rid = self.claim(explicit or self.legacy_id(token, number), entry.line, explicit=bool(explicit))
            self.resource_ids.add(rid)
            members.append(self.primitive_element(rid, agent))
        if single:
            self.id_index += 1
        else:
            self.id_index += len(entry.resources) + 1
            self.group_index += 10

        anchor: str | None
        if len(members) >= 2 or (len(members) == 1 and len(entry.resources) > 1 and entry.explicit_id):
            group_id = self.claim(entry.explicit_id or f"group_{base}", entry.line, explicit=bool(entry.explicit_id))
            group = etree.SubElement(resources, "group", id=group_id)
            for member in members:
                group.append(member)
            self.resource_ids.add(group_id)
            anchor = group_id
        elif members:
            resources.append(members[0])
            anchor = members[0].get("id")
        else:
            anchor = None

        if anchor is None:
            # Only DRBD on this line: prefer the node for the Promoted role.
            for clone_id in drbd:
                self.location(constraints, clone_id, entry.node, role="Promoted")
                self.anchors.append((clone_id, "Promoted"))
            return
        self.location(constraints, anchor, entry.node)
        self.anchors.append((anchor, None))
        for clone_id in drbd:
            etree.SubElement(
                constraints, "rsc_colocation", id=self.claim(f"col_{anchor}_with_{clone_id}", entry.line),
                rsc=anchor, attrib={"with-rsc": clone_id, "with-rsc-role": "Promoted", "score": "INFINITY"},
            )
            etree.SubElement(
                constraints, "rsc_order", id=self.claim(f"ord_{clone_id}_before_{anchor}", entry.line),
                first=clone_id, attrib={"first-action": "promote", "then": anchor, "then-action": "start",
                                        "kind": "Mandatory"},
            )

    def clone_line(self, entry: ResourceLine, resources: etree._Element) -> None:
        if len(entry.resources) != 1:
            self.fail(entry.line, "a '#clone:' line holds exactly one resource "
                                  "(haresources2cib.py silently cloned only the first)")
            return
        token = entry.resources[0]
        if token.type in DRBD_TYPES:
            self.fail(entry.line, f"{token.text!r} cannot be cloned with '#clone:'; it already becomes a promotable clone")
            return
        agent = self.agent_for(token, entry.line)
        if agent is None:
            return
        clone_id = self.claim(entry.explicit_id or f"clone_{self.group_index}", entry.line,
                              explicit=bool(entry.explicit_id))
        clone = etree.SubElement(resources, "clone", id=clone_id)
        self.nvset(clone, "meta_attributes", clone_id, (("clone-node-max", "1"),))
        rid = self.claim(self.legacy_id(token, self.group_index), entry.line)
        clone.append(self.primitive_element(rid, agent))
        self.resource_ids.update((rid, clone_id))

    def location(self, constraints: etree._Element, rid: str, node: str, role: str | None = None) -> None:
        if role is None:
            etree.SubElement(
                constraints, "rsc_location", id=self.claim(f"rsc_location_{rid}", 0), rsc=rid,
                node=node, score=str(LOCATION_SCORE),
            )
            return
        loc_id = self.claim(f"rsc_location_{rid}", 0)
        loc = etree.SubElement(constraints, "rsc_location", id=loc_id, rsc=rid)
        rule = etree.SubElement(loc, "rule", id=self.claim(f"{loc_id}-rule", 0), score=str(LOCATION_SCORE), role=role)
        etree.SubElement(rule, "expression", id=self.claim(f"{loc_id}-rule-expr", 0), attribute="#uname",
                         operation="eq", value=node)

    def directive(self, entry: OrderDirective | ColocationDirective, constraints: etree._Element) -> None:
        if isinstance(entry, OrderDirective):
            names = (entry.first, entry.then)
        else:
            names = (entry.rsc, entry.with_rsc)
        missing = [name for name in names if name not in self.resource_ids]
        if missing:
            self.fail(entry.line, f"unknown resource id(s) {', '.join(map(repr, missing))} "
                                  "(directives may only name resources defined on earlier lines)")
            return
        if isinstance(entry, OrderDirective):
            action = entry.action.lower()
            if action not in ("start", "stop", "promote", "demote"):
                self.fail(entry.line, f"unknown action {entry.action!r} (start, stop, promote, demote)")
                return
            kind = entry.kind.lower()
            if kind not in ("before", "after"):
                self.fail(entry.line, f"order type must be 'before' or 'after', not {entry.kind!r}")
                return
            first, then = (entry.first, entry.then) if kind == "before" else (entry.then, entry.first)
            etree.SubElement(
                constraints, "rsc_order", id=self.claim(f"rsc_order_{entry.first}_{entry.then}", entry.line),
                first=first, then=then,
                attrib={"first-action": action, "then-action": action, "kind": "Mandatory"},
            )
            return
        if not _SCORE.match(entry.score):
            self.fail(entry.line, f"colocation score must be an integer or [+-]INFINITY, not {entry.score!r}")
            return
        score = re.sub(r"(?i)inf(inity)?$", "INFINITY", entry.score)
        etree.SubElement(
            constraints, "rsc_colocation", id=self.claim(f"rsc_colocation_{entry.rsc}_{entry.with_rsc}", entry.line),
            rsc=entry.rsc, attrib={"with-rsc": entry.with_rsc, "score": score},
        )

    # ------------------------------------------------------------------ ha.cf features
    def connectivity(self, resources: etree._Element, constraints: etree._Element) -> None:
        hacf = self.hacf
        daemons = [r for r in hacf.respawns if r.program in ("pingd", "ipfail")]
        if not hacf.pings and not daemons:
            return
        if not daemons:
            for ping in hacf.pings:
                self.warn(ping.line, "ping nodes without 'respawn ... ipfail' or 'respawn ... pingd' did not "
                                     "influence placement; not converted", hacf.file)
            return
        daemon = daemons[0]
        options = self.pingd_options(daemon) if daemon.program == "pingd" else {}
        hosts: list[str] = []
        for ping in hacf.pings:
            if ping.name:
                self.warn(ping.line, f"ping_group {ping.name}: ocf:pacemaker:ping counts each host "
                                     "separately (a group counted as one reachable node)", hacf.file)
            hosts.extend(h for h in ping.hosts if h not in hosts)
        hosts.extend(h for h in options.get("hosts", "").split() if h not in hosts)
        if not hosts:
            self.warn(daemon.line, f"{daemon.program} is respawned but there are no 'ping' nodes; not converted",
                      hacf.file)
            return
        attribute = options.get("name", "pingd")
        multiplier = options.get("multiplier", "1000" if daemon.program == "ipfail" else "1")
        params = [("host_list", " ".join(hosts)), ("multiplier", multiplier),
                  ("dampen", options.get("dampen", "5s")), ("name", attribute)]
        clone_id = self.claim("cl_ping", daemon.line)
        clone = etree.SubElement(resources, "clone", id=clone_id)
        rid = self.claim("p_ping", daemon.line)
        clone.append(self.primitive_element(rid, Agent("ocf", "ping", "pacemaker", tuple(params))))
        self.resource_ids.update((rid, clone_id))
        for anchor, role in self.anchors:
            loc_id = self.claim(f"loc_{anchor}_connected", 0)
            loc = etree.SubElement(constraints, "rsc_location", id=loc_id, rsc=anchor)
            rule = etree.SubElement(loc, "rule", id=self.claim(f"{loc_id}-rule", 0), score="-INFINITY",
                                    attrib={"boolean-op": "or"})
            if role:
                rule.set("role", role)
            etree.SubElement(rule, "expression", id=self.claim(f"{loc_id}-rule-expr", 0), attribute=attribute,
                             operation="not_defined")
            etree.SubElement(rule, "expression", id=self.claim(f"{loc_id}-rule-expr-1", 0), attribute=attribute,
                             operation="lte", value="0", type="number")

    def pingd_options(self, daemon: Respawn) -> dict[str, str]:
        argv = list(daemon.argv[1:])
        result: dict[str, str] = {}
        keys = {"-m": "multiplier", "-d": "dampen", "-a": "name", "-h": "hosts"}
        index = 0
        while index < len(argv):
            arg = argv[index]
            key = arg[:2]
            if key in keys and arg.startswith("-"):
                value = arg[2:] if len(arg) > 2 else (argv[index + 1] if index + 1 < len(argv) else "")
                index += 1 if len(arg) > 2 else 2
                name = keys[key]
                result[name] = f"{result[name]} {value}".strip() if name == "hosts" and name in result else value
            else:
                index += 1
        if "multiplier" in result and not re.match(r"^\d+$", result["multiplier"]):
            self.fail(daemon.line, f"pingd -m needs a number, got {result['multiplier']!r}", self.hacf.file)
        if "dampen" in result and not re.match(r"^\d+(ms|s|m)?$", result["dampen"]):
            self.fail(daemon.line, f"pingd -d needs a time (5s), got {result['dampen']!r}", self.hacf.file)
        return result

    def fencing(self, resources: etree._Element, constraints: etree._Element) -> None:
        for host in self.hacf.stonith_hosts:
            names = self.stonith_params(host.type)
            if names is None:
                self.fail(host.line, f"unknown STONITH device type {host.type!r} (cluster-glue 'stonith -L' "
                                     "lists them)", self.hacf.file)
                continue
            if len(host.values) > len(names) and names:
                values = (*host.values[: len(names) - 1], " ".join(host.values[len(names) - 1 :]))
            else:
                values = host.values
            if len(values) > len(names):
                self.fail(host.line, f"{host.type} takes no parameters", self.hacf.file)
                continue
            rid = self.claim(f"stonith_{self.id_index}", host.line)
            self.id_index += 1
            self.resource_ids.add(rid)
            resources.append(
                self.primitive_element(rid, Agent("stonith", host.type, None, tuple(zip(names, values, strict=False))))
            )
            if host.host != "*":
                if host.host not in self.hacf.nodes:
                    self.fail(host.line, f"stonith_host {host.host!r} is not a node of {self.hacf.file}", self.hacf.file)
                    continue
                self.location(constraints, rid, host.host)
            if host.type == "null":
                self.warn(host.line, "STONITH type 'null' is a test device that fences nothing", self.hacf.file)
            else:
                self.warn(host.line, f"cluster-glue plugin {host.type} runs through fence_legacy "
                                     "(cluster-glue must be installed); consider a fence_* agent", self.hacf.file)

    # ------------------------------------------------------------------ document
    def build(self) -> etree._Element:
        hacf = self.hacf
        # crm_feature_set as Pacemaker 2.1.5 writes it: without it Pacemaker reads the status
        # with old rules (no per-operation fail counts) and would behave differently from pacer
        cib = etree.Element("cib", attrib={"crm_feature_set": FEATURE_SET, "validate-with": SCHEMA,
                                           "admin_epoch": "0", "epoch": "1", "num_updates": "0"})
        configuration = etree.SubElement(cib, "configuration")
        crm_config = etree.SubElement(configuration, "crm_config")
        nodes = etree.SubElement(configuration, "nodes")
        resources = etree.SubElement(configuration, "resources")
        constraints = etree.SubElement(configuration, "constraints")
        self.claim("cib-bootstrap-options", 0)
        self.claim("rsc-options", 0)
        if not hacf.nodes:
            self.warn(0, "no 'node' lines: <nodes> stays empty", hacf.file)
        for number, name in enumerate(hacf.nodes, 1):
            etree.SubElement(nodes, "node", id=str(number), uname=name)

        for entry in self.haresources.entries:
            if isinstance(entry, ResourceLine):
                self.resource_line(entry, resources, constraints)
            elif isinstance(entry, OrderDirective | ColocationDirective):
                self.directive(entry, constraints)
            elif isinstance(entry, Unparsable):  # pragma: no cover - strict parsing rejects these
                self.fail(entry.line, f"cannot parse {entry.text!r}")
        self.fencing(resources, constraints)
        self.connectivity(resources, constraints)

        props = etree.SubElement(crm_config, "cluster_property_set", id="cib-bootstrap-options")
        fencing = bool(hacf.stonith_hosts)
        if not fencing:
            props.append(etree.Comment(
                " No stonith_host in ha.cf: fencing is off. A cluster without fencing is unsafe: "
                "after a split both sides may run the services. Configure a fence device and set "
                "stonith-enabled=true. "
            ))
            self.warnings.append(warning(hacf.file, 0, "no stonith_host lines: stonith-enabled=false; a cluster "
                                                       "without fencing is unsafe (both sides of a split may "
                                                       "run the services)"))
        self.prop(props, "stonith-enabled", "true" if fencing else "false")
        if hacf.two_node:
            props.append(etree.Comment(
                " Two nodes: losing one means losing quorum. corosync.conf sets two_node: 1 "
                "(votequorum keeps the survivor quorate, wait_for_all protects the first start), "
                "so Pacemaker need not stop anything here; fencing decides who survives a split. "
            ))
            self.prop(props, "no-quorum-policy", "ignore")
        elif len(hacf.nodes) < 2:
            props.append(etree.Comment(" One node: it always holds its own vote, so quorum is never lost. "))
            self.prop(props, "no-quorum-policy", "ignore")
        else:
            self.prop(props, "no-quorum-policy", "stop")
        if self.cluster_name:
            self.prop(props, "cluster-name", self.cluster_name)

        failback = hacf.auto_failback or AutoFailback.LEGACY
        stickiness = STICKY if failback is AutoFailback.OFF else 0
        defaults = etree.SubElement(configuration, "rsc_defaults")
        meta = etree.SubElement(defaults, "meta_attributes", id="rsc-options")
        if failback is AutoFailback.OFF:
            meta.append(etree.Comment(
                f" auto_failback off: resources stay where they run; stickiness {STICKY} outweighs "
                f"the location preference ({LOCATION_SCORE}) for the haresources node. "
            ))
        else:
            setting = f"auto_failback {failback.value}" if hacf.auto_failback else "no auto_failback (legacy)"
            meta.append(etree.Comment(
                f" {setting}: resources move back to their haresources node "
                f"(location preference {LOCATION_SCORE}) when it returns. "
            ))
            if failback is AutoFailback.LEGACY and hacf.auto_failback is not None:
                self.warn(hacf.auto_failback_line, "auto_failback legacy is treated as 'on'", hacf.file)
        etree.SubElement(meta, "nvpair", id="rsc-options-resource-stickiness", name="resource-stickiness",
                         value=str(stickiness))
        etree.SubElement(cib, "status")
        return cib

    def prop(self, props: etree._Element, name: str, value: str) -> None:
        etree.SubElement(props, "nvpair", id=self.claim(f"cib-bootstrap-options-{name}", 0), name=name, value=value)


def build_modern_cib(
    haresources: Haresources,
    hacf: HaCf,
    *,
    dirs: AgentDirs,
    monitor: bool,
    stonith_params: StonithParams,
    cluster_name: str | None = None,
    agent_map: Mapping[str, str] | None = None,
) -> tuple[etree._Element, tuple[Diagnostic, ...]]:
    """Build a current-schema CIB; raise MigrationError listing every problem found.

    ``agent_map`` maps a haresources word to an agent (``{"httpd": "systemd:apache2"}``),
    ahead of every built-in rule.
    """
    builder = _Builder(haresources, hacf, dirs, monitor, stonith_params, cluster_name, dict(agent_map or {}))
    cib = builder.build()
    if builder.errors:
        raise MigrationError(builder.errors)
    return cib, (*hacf.warnings, *haresources.warnings, *builder.warnings)

