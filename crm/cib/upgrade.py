"""Upgrade of an old CIB to the current schema, as ``cibadmin --upgrade`` does.

``upgrade(doc)`` returns a new document with ``validate-with="pacemaker-3.9"``; the input is
never modified.  Two steps, each applied when the document needs it:

Heartbeat 2 / pacemaker-0.6 (``validate-with`` absent, ``pacemaker-0.6``, ``transitional-0.6``,
or legacy elements present):

* ``<attributes>`` wrappers removed (their nvpairs move up one level);
* underscore spellings become dashes: cluster options, resource options, ``on_fail``,
  ``start_delay``, ``boolean_op``, ``score_attribute``, ``have_quorum``, ``dc_uuid`` ...;
* resource options written as XML attributes (``is_managed="false"``) or as instance
  attributes (``clone_max``, ``target_role``, ...) become meta attributes;
* ``master_slave`` becomes ``clone`` with meta attribute ``promotable=true``
  (``master_max`` -> ``promoted-max``, ``master_node_max`` -> ``promoted-node-max``);
* ``rsc_order from/to/type/action/to_action`` becomes ``first/then/first-action/then-action``.
  ``from="A" type="after" to="B"`` (the default type) means A starts after B, so
  ``first=B then=A``; ``type="before"`` keeps the direction;
* ``rsc_colocation from/to/from_role/to_role`` becomes ``rsc/with-rsc/rsc-role/with-rsc-role``
  (``from`` is the dependent resource, placed relative to ``to``);
* ``op prereq`` becomes the resource meta attribute ``requires`` (from the start
  operation, which is the one that mattered), ``disabled`` becomes ``enabled``, an op
  without interval gets ``interval="0"``; ``provider`` is dropped from non-OCF resources;
* node ``type="normal"`` becomes ``member``; roles are capitalized;
* the status section is emptied: its old format is not readable by current tools and the
  cluster rebuilds it from the resource agents' probes.

pacemaker-1.x / 2.x (what schema 3.0 dropped):

* old cluster option names renamed; ``default-resource-stickiness``, ``is-managed-default``
  and ``default-migration-threshold`` move to ``rsc_defaults``, ``default-action-timeout``
  to ``op_defaults``; options without a current meaning (``default-resource-failure-
  stickiness``, ``expected-quorum-votes``, ``notification-agent``, ``notification-recipient``)
  are dropped;
* ``<op requires=...>`` becomes the resource meta attribute ``requires``;
* ACLs: ``acl_user`` -> ``acl_target``, ``role_ref`` -> ``role``, ``read``/``write``/``deny``
  -> ``acl_permission kind=...``.

Finally ``admin_epoch`` is incremented and ``epoch`` / ``num_updates`` restart at 0, so that
the upgraded CIB supersedes the old one everywhere.  Pacemaker-1.x ACLs are rewritten in the
current syntax.  Not converted: colocation ``score-attribute`` (the result then fails
validation with a clear error).
"""

from __future__ import annotations

import copy
from typing import Final, overload

from lxml import etree

from crm.cib.schema import CURRENT_SCHEMA, Grammar, UnknownSchema, grammar_for, has_legacy_syntax
from crm.common.booleans import is_true

__all__ = ["UpgradeError", "needs_upgrade", "upgrade"]


class UpgradeError(ValueError):
    """The document cannot be upgraded (the message says what, where and why)."""

RESOURCE_TAGS: Final = frozenset(
    {"primitive", "group", "clone", "master", "master_slave", "template", "bundle"}
)

# Options that Heartbeat 2 wrote as XML attributes of resources (or as instance attributes)
# and that are meta attributes today.  Values: the current name.
LEGACY_META: Final[dict[str, str]] = {
    "is_managed": "is-managed",
    "restart_type": "restart-type",
    "multiple_active": "multiple-active",
    "resource_stickiness": "resource-stickiness",
    "resource_failure_stickiness": "resource-failure-stickiness",
    "target_role": "target-role",
    "globally_unique": "globally-unique",
    "ordered": "ordered",
    "notify": "notify",
    "interleave": "interleave",
    "collocated": "collocated",
    "clone_max": "clone-max",
    "clone_node_max": "clone-node-max",
    "master_max": "promoted-max",
    "master_node_max": "promoted-node-max",
    "migration_threshold": "migration-threshold",
    "failure_timeout": "failure-timeout",
    "allow_migrate": "allow-migrate",
    "priority": "priority",
    "requires": "requires",
}
# Dashed names that are meta attributes when they appear in a resource's instance attributes.
META_NAMES: Final = frozenset(LEGACY_META.values()) | {"master-max", "master-node-max", "promotable"}

OP_RENAMES: Final = {"on_fail": "on-fail", "start_delay": "start-delay", "interval_origin": "interval-origin"}
RULE_RENAMES: Final = {"boolean_op": "boolean-op", "score_attribute": "score-attribute"}
CIB_RENAMES: Final = {"have_quorum": "have-quorum", "dc_uuid": "dc-uuid"}
CIB_DROPPED: Final = (
    "generated",
    "ccm_transition",
    "cib_feature_revision",
    "num_peers",
    "ignore_dtd",
    "remote_access_port",
)

# Cluster options of schema 1.x/2.x that live elsewhere, or nowhere, in schema 3.x.
TO_RSC_DEFAULTS: Final = {
    "default-resource-stickiness": "resource-stickiness",
    "is-managed-default": "is-managed",
    "default-migration-threshold": "migration-threshold",
}
TO_OP_DEFAULTS: Final = {"default-action-timeout": "timeout"}
# Cluster options that schema 1.x/2.x still accepted with underscores.
UNDERSCORE_OPTIONS: Final = frozenset(
    {
        "cluster_recheck_interval",
        "dc_deadtime",
        "default_action_timeout",
        "default_migration_threshold",
        "default_resource_failure_stickiness",
        "default_resource_stickiness",
        "election_timeout",
        "is_managed_default",
        "no_quorum_policy",
        "remove_after_stop",
        "shutdown_escalation",
        "startup_fencing",
        "stonith_action",
        "stonith_enabled",
        "stop_orphan_actions",
        "stop_orphan_resources",
        "symmetric_cluster",
        "transition_idle_timeout",
    }
)
DROPPED_OPTIONS: Final = frozenset(
    {
        "default-resource-failure-stickiness",
        "expected-quorum-votes",
        "notification-agent",
        "notification-recipient",
        "transition-idle-timeout",
    }
)


def _capitalize_role(value: str) -> str:
    return value[:1].upper() + value[1:].lower() if value else value


def _grammar(root: etree._Element) -> Grammar | None:
    try:
        return grammar_for(root.get("validate-with"))
    except UnknownSchema:
        return None


def _is_legacy(root: etree._Element) -> bool:
    if root.get("validate-with") in ("pacemaker-0.6", "transitional-0.6"):
        return True
    return has_legacy_syntax(root)


def needs_upgrade(doc: etree._Element | etree._ElementTree) -> bool:
    """True unless the document already names the current schema."""
    root = doc.getroot() if isinstance(doc, etree._ElementTree) else doc
    return root.get("validate-with") != CURRENT_SCHEMA


# --------------------------------------------------------------------------- helpers


def _pop(element: etree._Element, name: str) -> str | None:
    """Remove an attribute and return its value (``None`` if it was not there)."""
    value = element.get(name)
    if value is not None:
        del element.attrib[name]
    return value


def _elements(root: etree._Element, path: str) -> list[etree._Element]:
    found = root.xpath(path)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


def _unique_id(root: etree._Element, wanted: str) -> str:
    taken = {element.get("id") for element in root.iter() if isinstance(element.tag, str)}
    candidate, n = wanted, 0
    while candidate in taken:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def _meta_set(root: etree._Element, resource: etree._Element) -> etree._Element:
    """The resource's first meta_attributes set, created if needed."""
    existing = resource.find("meta_attributes")
    if existing is not None:
        return existing
    meta = etree.Element("meta_attributes", id=_unique_id(root, f"{resource.get('id')}-meta_attributes"))
    resource.insert(0, meta)
    return meta


def _add_meta(
    root: etree._Element, resource: etree._Element, name: str, value: str, ident: str | None = None
) -> None:
    meta = _meta_set(root, resource)
    for nvpair in meta.findall("nvpair"):
        if nvpair.get("name") == name:
            nvpair.set("value", value)
            return
    nv_id = ident if ident is not None else _unique_id(root, f"{resource.get('id')}-meta_attributes-{name}")
    etree.SubElement(meta, "nvpair", id=nv_id, name=name, value=value)


# ------------------------------------------------------------- Heartbeat 2 -> 1.x


def _unwrap_attributes(root: etree._Element) -> None:
    for wrapper in list(root.iter("attributes")):
        parent = wrapper.getparent()
        if parent is None:
            continue
        index = parent.index(wrapper)
        for child in list(wrapper):
            parent.insert(index, child)
            index += 1
        parent.remove(wrapper)


def _upgrade_cib_attributes(root: etree._Element) -> None:
    for old, new in CIB_RENAMES.items():
        value = _pop(root, old)
        if value is not None and root.get(new) is None:
            root.set(new, value)
    for name in CIB_DROPPED:
        _pop(root, name)
    for name in ("admin_epoch", "epoch", "num_updates"):
        if root.get(name) is None:
            root.set(name, "0")


def _dash_cluster_options(root: etree._Element) -> None:
    for nvpair in _elements(root, "/cib/configuration/crm_config/cluster_property_set/nvpair"):
        name = nvpair.get("name")
        if name is not None and "_" in name:
            nvpair.set("name", name.replace("_", "-"))


def _resource_options_to_meta(root: etree._Element) -> None:
    for resource in [e for e in root.iter() if e.tag in RESOURCE_TAGS]:
        for attribute, current in LEGACY_META.items():
            value = _pop(resource, attribute)
            if value is not None:
                _add_meta(root, resource, current, value)
        for instance in resource.findall("instance_attributes"):
            for nvpair in instance.findall("nvpair"):
                name = nvpair.get("name", "")
                meta_name: str | None = LEGACY_META.get(name, name if name in META_NAMES else None)
                if meta_name is None or (
                    resource.tag == "primitive" and name in ("ordered", "notify", "interleave")
                ):
                    continue
                instance.remove(nvpair)
                _add_meta(root, resource, meta_name, nvpair.get("value", ""), nvpair.get("id"))
            if len(instance) == 0:
                resource.remove(instance)


def _master_slave_to_promotable(root: etree._Element) -> None:
    for master in list(root.iter("master_slave")):
        master.tag = "clone"
        _add_meta(root, master, "promotable", "true")


def _upgrade_ops(root: etree._Element) -> None:
    for resource in list(root.iter("primitive", "template")):
        ops = resource.find("operations")
        if ops is None:
            continue
        requires: str | None = None
        for op in ops.findall("op"):
            for old, new in OP_RENAMES.items():
                value = _pop(op, old)
                if value is not None:
                    op.set(new, value)
            disabled = _pop(op, "disabled")
            if is_true(disabled):
                op.set("enabled", "false")
            prereq = _pop(op, "prereq")
            if prereq is not None and (op.get("name") == "start" or requires is None):
                requires = prereq
            if op.get("interval") is None:
                op.set("interval", "0")
            if op.get("on-fail") == "nothing":
                op.set("on-fail", "ignore")
            if op.get("role") is not None:
                op.set("role", _capitalize_role(op.get("role", "")))
        if requires is not None:
            _add_meta(root, resource, "requires", requires)


def _drop_foreign_provider(root: etree._Element) -> None:
    for primitive in root.iter("primitive", "template"):
        if primitive.get("class") != "ocf":
            _pop(primitive, "provider")


def _upgrade_rules(root: etree._Element) -> None:
    for rule in root.iter("rule"):
        for old, new in RULE_RENAMES.items():
            value = _pop(rule, old)
            if value is not None:
                rule.set(new, value)
        if rule.get("role") is not None:
            rule.set("role", _capitalize_role(rule.get("role", "")))


def _upgrade_order(order: etree._Element) -> None:
    source = _pop(order, "from")
    target = _pop(order, "to")
    kind = _pop(order, "type") or "after"
    action = _pop(order, "action")
    to_action = _pop(order, "to_action")
    if source is None or target is None:
        return
    action = action or "start"  # Heartbeat's defaults: start, and the same action for "to"
    to_action = to_action or action
    if kind == "before":
        first, then, first_action, then_action = source, target, action, to_action
    else:
        first, then, first_action, then_action = target, source, to_action, action
    attributes = {str(k): str(v) for k, v in order.attrib.items()}
    order.attrib.clear()
    order.set("id", attributes.pop("id", f"order-{first}-{then}"))
    order.set("first", first)
    order.set("then", then)
    order.set("first-action", first_action)
    order.set("then-action", then_action)
    for name, value in attributes.items():
        order.set(name, value)


def _upgrade_colocation(colocation: etree._Element) -> None:
    if colocation.get("from") is None:
        return
    attributes = {str(k): str(v) for k, v in colocation.attrib.items()}
    colocation.attrib.clear()
    colocation.set("id", attributes.pop("id", ""))
    colocation.set("rsc", attributes.pop("from", ""))
    colocation.set("with-rsc", attributes.pop("to", ""))
    for old, new in (("from_role", "rsc-role"), ("to_role", "with-rsc-role")):
        value = attributes.pop(old, None)
        if value is not None:
            colocation.set(new, _capitalize_role(value))
    node_attribute = attributes.pop("node_attribute", None)
    if node_attribute is not None:
        colocation.set("node-attribute", node_attribute)
    attributes.pop("symmetrical", None)
    for name, value in attributes.items():
        colocation.set(name, value)


def _upgrade_nodes(root: etree._Element) -> None:
    for node in _elements(root, "/cib/configuration/nodes/node"):
        if node.get("type") == "normal":
            node.set("type", "member")


def _reset_status(root: etree._Element) -> None:
    status = root.find("status")
    if status is not None:
        for child in list(status):
            status.remove(child)
        status.attrib.clear()
        status.text = None


def _upgrade_heartbeat2(root: etree._Element) -> None:
    _upgrade_cib_attributes(root)
    _unwrap_attributes(root)
    _dash_cluster_options(root)
    _master_slave_to_promotable(root)
    _resource_options_to_meta(root)
    _upgrade_ops(root)
    _drop_foreign_provider(root)
    _upgrade_rules(root)
    for order in list(root.iter("rsc_order")):
        _upgrade_order(order)
    for colocation in list(root.iter("rsc_colocation")):
        _upgrade_colocation(colocation)
    _upgrade_nodes(root)
    _reset_status(root)
    for element in root.iter():
        if element.tail is not None and not element.tail.strip():
            element.tail = None
        if len(element) and element.text is not None and not element.text.strip():
            element.text = None
    etree.indent(root, space="  ")


# ------------------------------------------------------------------- 1.x/2.x -> 3


def _upgrade_cluster_options(root: etree._Element) -> None:
    moved: dict[str, list[etree._Element]] = {"op_defaults": [], "rsc_defaults": []}
    for nvpair in _elements(root, "/cib/configuration/crm_config/cluster_property_set/nvpair"):
        name = nvpair.get("name", "")
        if name in UNDERSCORE_OPTIONS:
            name = name.replace("_", "-")
            nvpair.set("name", name)
        parent = nvpair.getparent()
        if parent is None:
            continue
        if name in DROPPED_OPTIONS:
            parent.remove(nvpair)
        elif name in TO_RSC_DEFAULTS or name in TO_OP_DEFAULTS:
            parent.remove(nvpair)
            section = "rsc_defaults" if name in TO_RSC_DEFAULTS else "op_defaults"
            new_name = TO_RSC_DEFAULTS.get(name) or TO_OP_DEFAULTS[name]
            if not any(nv.get("name") == new_name for nv in moved[section]):
                nvpair.tail = None
                nvpair.set("name", new_name)
                moved[section].append(nvpair)
    configuration = root.find("configuration")
    if configuration is None:
        return
    # as Pacemaker's upgrade: new sets "_2TO3_-op-defaults" and "_2TO3_-rsc-defaults"
    for section in ("op_defaults", "rsc_defaults"):
        if not moved[section]:
            continue
        defaults = configuration.find(section)
        if defaults is None:
            defaults = etree.SubElement(configuration, section)
        suffix = section.replace("_", "-")
        meta = etree.SubElement(defaults, "meta_attributes", id=_unique_id(root, f"_2TO3_-{suffix}"))
        meta.extend(moved[section])


def _op_requires_to_meta(root: etree._Element) -> None:
    """``<op requires>`` (schema 1.x/2.x) becomes the resource meta attribute ``requires``,
    in a new set named as Pacemaker's upgrade names it."""
    for resource in list(root.iter("primitive", "template")):
        requires: tuple[str, str] | None = None
        for op in resource.iterfind("operations/op"):
            value = _pop(op, "requires")
            if value is not None and (op.get("name") == "start" or requires is None):
                requires = (op.get("id", ""), value)
        if requires is not None:
            rid = resource.get("id", "")
            meta = etree.SubElement(resource, "meta_attributes", id=_unique_id(root, f"_2TO3_{rid}-meta"))
            etree.SubElement(
                meta,
                "nvpair",
                id=_unique_id(root, f"_2TO3_{requires[0]}-meta-requires"),
                name="requires",
                value=requires[1],
            )


def _acl_permission(old: etree._Element) -> etree._Element:
    """``<read|write|deny id xpath|ref|tag [attribute]>`` of schema 1.x as ``acl_permission``."""
    permission = etree.Element("acl_permission", id=old.get("id", ""), kind=str(old.tag))
    if old.get("xpath") is not None:
        permission.set("xpath", old.get("xpath", ""))
    elif old.get("ref") is not None:
        permission.set("reference", old.get("ref", ""))
    elif old.get("tag") is not None:
        permission.set("object-type", old.get("tag", ""))
        if old.get("attribute") is not None:
            permission.set("attribute", old.get("attribute", ""))
    return permission


def _upgrade_acls(root: etree._Element) -> None:
    """Schema 1.x ACLs (``acl_user``, ``role_ref``, ``read``/``write``/``deny``) in the
    current syntax, as Pacemaker's upgrade writes them: a user's own permissions go to a
    new role ``auto-<user>``."""
    acls = root.find("configuration/acls")
    if acls is None:
        return
    new_roles: list[etree._Element] = []
    for entry in list(acls):
        if entry.tag == "acl_role":
            for index, child in enumerate(list(entry)):
                if child.tag in ("read", "write", "deny"):
                    entry.remove(child)
                    entry.insert(index, _acl_permission(child))
        elif entry.tag == "acl_user":
            entry.tag = "acl_target"
            permissions = [c for c in entry if c.tag in ("read", "write", "deny")]
            for child in list(entry):
                if child.tag == "role_ref":
                    child.tag = "role"
                elif child in permissions:
                    entry.remove(child)
            if permissions:
                role = etree.Element("acl_role", id=_unique_id(root, f"auto-{entry.get('id')}"))
                role.extend(_acl_permission(p) for p in permissions)
                etree.SubElement(entry, "role", id=role.get("id", ""))
                new_roles.append(role)
    acls.extend(new_roles)


def _upgrade_pacemaker2(root: etree._Element) -> None:
    _upgrade_cluster_options(root)
    _op_requires_to_meta(root)
    _upgrade_acls(root)


# ------------------------------------------------------------------------- entry


@overload
def upgrade(doc: etree._ElementTree) -> etree._ElementTree: ...
@overload
def upgrade(doc: etree._Element) -> etree._Element: ...
def upgrade(doc: etree._Element | etree._ElementTree) -> etree._Element | etree._ElementTree:
    """A copy of ``doc`` upgraded to the current schema (see the module documentation).

    A document that already names the current schema is returned as an unchanged copy.
    """
    source = doc.getroot() if isinstance(doc, etree._ElementTree) else doc
    root = copy.deepcopy(source)
    if root.tag != "cib":
        raise UpgradeError(f"cannot upgrade <{root.tag}>: the document element must be <cib>")
    admin_epoch = root.get("admin_epoch", "0") or "0"
    if not admin_epoch.isdigit():
        raise UpgradeError(
            f"cannot upgrade: admin_epoch={admin_epoch!r} of <cib> (line {source.sourceline}) "
            "is not a non-negative integer"
        )
    if needs_upgrade(root):
        legacy = _is_legacy(root)
        if legacy:
            _upgrade_heartbeat2(root)
        if legacy or _grammar(root) is not Grammar.CURRENT:
            _upgrade_pacemaker2(root)
        root.set("validate-with", CURRENT_SCHEMA)
        root.set("admin_epoch", str(int(admin_epoch) + 1))
        root.set("epoch", "0")
        root.set("num_updates", "0")
    if isinstance(doc, etree._ElementTree):
        return etree.ElementTree(root)
    return root
