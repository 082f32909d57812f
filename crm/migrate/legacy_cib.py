"""Compatibility mode: the CIB haresources2cib.py of Pacemaker 0.6.6 - 1.0.3 produced.

The output is the Heartbeat 2 / ``pacemaker-0.6`` schema (``<attributes>`` wrappers,
``from``/``to`` constraints, ``provider="heartbeat"`` everywhere) with the historical ids,
counters and messages, so that admins' scripts and diffs keep working.  It is not valid
for a current Pacemaker without ``cibadmin --upgrade``; use the default mode for that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from crm.migrate.agents import (
    FAST_MONITOR_TYPES,
    OCF_PARAMETERS,
    AgentDirs,
    historical_ip_slots,
)
from crm.migrate.diagnostics import Diagnostic, warning
from crm.migrate.hacf import HaCf
from crm.migrate.haresources import (
    ColocationDirective,
    Haresources,
    OrderDirective,
    ResourceLine,
    ResourceToken,
    Unparsable,
)
from crm.migrate.stonith import StonithParams

PROPERTIES: tuple[tuple[str, str], ...] = (
    ("symmetric-cluster", "true"),
    ("no-quorum-policy", "stop"),
    ("default-resource-stickiness", "0"),
    ("default-resource-failure-stickiness", "0"),
    ("stonith-enabled", "false"),
    ("stonith-action", "reboot"),
    ("startup-fencing", "true"),
    ("stop-orphan-resources", "true"),
    ("stop-orphan-actions", "true"),
    ("remove-after-stop", "false"),
    ("short-resource-names", "true"),
    ("transition-idle-timeout", "5min"),
    ("default-action-timeout", "20s"),
    ("is-managed-default", "true"),
    ("cluster-delay", "60s"),
    ("pe-error-series-max", "-1"),
    ("pe-warn-series-max", "-1"),
    ("pe-input-series-max", "-1"),
)

UNKNOWN_AGENT = "{} is an unknown Resource Agent. Please refer to http://www.linux-ha.org/ResourceAgent"


@dataclass
class _Builder:
    hacf: HaCf
    haresources_file: str
    dirs: AgentDirs
    use_ocf: bool
    monitor: bool
    stonith_params: StonithParams
    messages: list[Diagnostic] = field(default_factory=list)
    id_index: int = 1
    group_index: int = 1

    def say(self, line: int, text: str) -> None:
        # Historical messages carry no location: keep the exact text, remember the line.
        self.messages.append(warning("", 0, text))

    def attributes(self, parent: etree._Element, owner: str, pairs: list[tuple[int, str, str]]) -> None:
        inst = etree.SubElement(parent, "instance_attributes", id=f"{owner}_inst_attr")
        attrs = etree.SubElement(inst, "attributes")
        for index, name, value in pairs:
            etree.SubElement(attrs, "nvpair", id=f"{owner}_attr_{index}", name=name, value=value)

    def primitive(self, token: ResourceToken, rid_number: int, explicit: str | None, line: int) -> etree._Element:
        rtype = token.type
        if explicit:
            rid = explicit
        elif rtype == "IPaddr" and token.args:
            rid = "IPaddr_" + token.args[0].split("/", 1)[0].replace(".", "_")
        else:
            rid = f"{rtype}_{rid_number}"
        if self.use_ocf and rtype in OCF_PARAMETERS:
            rclass = "ocf"
        elif self.dirs.heartbeat_script(rtype):
            rclass = "heartbeat"
        elif self.dirs.init_script(rtype):
            rclass = "lsb"
        else:
            rclass = "UNKNOWN"
            self.say(line, UNKNOWN_AGENT.format(rtype))
        element = etree.Element("primitive", id=rid, type=rtype, provider="heartbeat")
        element.set("class", rclass)
        if self.monitor:
            ops = etree.SubElement(element, "operations")
            fast = rtype in FAST_MONITOR_TYPES
            etree.SubElement(
                ops, "op", id=f"{rid}_mon", name="monitor",
                interval="5s" if fast else "120s", timeout="5s" if fast else "60s",
            )
        pairs: list[tuple[int, str, str]] = []
        if rclass == "ocf":
            names = OCF_PARAMETERS[rtype]
            if rtype in ("IPaddr", "IPaddr2") and token.args:
                slots = historical_ip_slots(token.args[0])
                pairs = [(slot, names[slot], slots[slot]) for slot in sorted(slots)]
            elif names:
                for index, value in enumerate(token.args):
                    if index >= len(names) - 1:
                        pairs.append((len(names) - 1, names[-1], " ".join(token.args[index:])))
                        break
                    pairs.append((index, names[index], value))
        else:
            pairs = [(index, str(index), value) for index, value in enumerate(token.args, 1)]
        if pairs:
            self.attributes(element, rid, pairs)
        return element

    def location(self, constraints: etree._Element, rid: str, node: str) -> None:
        loc = etree.SubElement(constraints, "rsc_location", id=f"rsc_location_{rid}", rsc=rid)
        rule_id = f"prefered_location_{rid}"
        rule = etree.SubElement(loc, "rule", id=rule_id, score="100")
        etree.SubElement(
            rule, "expression", id=f"{rule_id}_expr", attribute="#uname", operation="eq", value=node
        )

    def clone(self, clone_id: str) -> etree._Element:
        element = etree.Element("clone", id=clone_id)
        self.attributes(
            element, clone_id,
            [(1, "clone_max", str(self.hacf.node_name_count)), (2, "clone_node_max", "1")],
        )
        return element

    def build(self, haresources: Haresources) -> etree._Element:
        cib = etree.Element("cib", admin_epoch="0", epoch="0", num_updates="0")
        configuration = etree.SubElement(cib, "configuration")
        crm_config = etree.SubElement(configuration, "crm_config")
        props = etree.SubElement(
            etree.SubElement(crm_config, "cluster_property_set", id="cib-bootstrap-options"), "attributes"
        )
        stonith_enabled = "true" if self.hacf.stonith_hosts else "false"
        for name, value in PROPERTIES:
            if name == "stonith-enabled":
                value = stonith_enabled
            etree.SubElement(props, "nvpair", id=f"cib-bootstrap-options-{name}", name=name, value=value)
        etree.SubElement(configuration, "nodes")
        resources = etree.SubElement(configuration, "resources")
        constraints = etree.SubElement(configuration, "constraints")
        etree.SubElement(cib, "status")

        for entry in haresources.entries:
            if isinstance(entry, Unparsable):
                self.say(entry.line, f"can not parse this line:{entry.text}")
            elif isinstance(entry, OrderDirective):
                etree.SubElement(
                    constraints, "rsc_order", id=f"rsc_order_{entry.first}_{entry.then}",
                    attrib={"from": entry.first, "action": entry.action, "type": entry.kind,
                            "to": entry.then, "symmetrical": "true"},
                )
            elif isinstance(entry, ColocationDirective):
                etree.SubElement(
                    constraints, "rsc_colocation", id=f"rsc_colocation_{entry.rsc}_{entry.with_rsc}",
                    attrib={"from": entry.rsc, "to": entry.with_rsc, "score": entry.score},
                )
            elif isinstance(entry, ResourceLine):
                self.resource_line(entry, resources, constraints)

        for host in self.hacf.stonith_hosts:
            rid = f"stonith_{self.id_index}"
            element = etree.Element("primitive", id=rid, type=host.type, provider="heartbeat")
            element.set("class", "stonith")
            ops = etree.SubElement(element, "operations")
            etree.SubElement(ops, "op", id=f"{rid}_mon", name="monitor", interval="5s", timeout="20s",
                             prereq="nothing")
            etree.SubElement(ops, "op", id=f"{rid}_start", name="start", timeout="20s", prereq="nothing")
            names = self.stonith_params(host.type) or ()
            pairs: list[tuple[int, str, str]] = []
            for index, value in enumerate(host.values):
                if not names:
                    break
                if index >= len(names) - 1:
                    pairs.append((index + 2, names[-1], " ".join(host.values[index:])))
                    break
                pairs.append((index + 2, names[index], value))
            if pairs:
                self.attributes(element, rid, pairs)
            if host.host == "*":
                holder = self.clone(f"clone_{self.id_index}")
                holder.append(element)
                resources.append(holder)
            else:
                resources.append(element)
                self.location(constraints, rid, host.host)
            self.id_index += 1
        return cib

    def resource_line(self, entry: ResourceLine, resources: etree._Element, constraints: etree._Element) -> None:
        if entry.clone:
            clone = self.clone(entry.explicit_id or f"clone_{self.group_index}")
            clone.append(self.primitive(entry.resources[0], self.group_index, None, entry.line))
            resources.append(clone)
            self.id_index += 1
            self.group_index += 10
            return
        if len(entry.resources) == 1:
            element = self.primitive(entry.resources[0], self.id_index, entry.explicit_id, entry.line)
            resources.append(element)
            self.location(constraints, element.get("id", ""), entry.node)
            self.id_index += 1
            return
        group_id = entry.explicit_id or f"group_{self.group_index}"
        group = etree.SubElement(resources, "group", id=group_id)
        for position, token in enumerate(entry.resources):
            group.append(self.primitive(token, self.group_index + position, None, entry.line))
        self.location(constraints, group_id, entry.node)
        self.id_index += len(entry.resources) + 1
        self.group_index += 10


def build_legacy_cib(
    haresources: Haresources,
    hacf: HaCf,
    *,
    dirs: AgentDirs,
    use_ocf: bool,
    monitor: bool,
    stonith_params: StonithParams,
) -> tuple[etree._Element, tuple[Diagnostic, ...]]:
    """Build the historical CIB; the messages are the exact historical stderr lines."""
    builder = _Builder(hacf, haresources.file, dirs, use_ocf, monitor, stonith_params)
    cib = builder.build(haresources)
    return cib, tuple(builder.messages)
