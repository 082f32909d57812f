"""``<resources>``: primitives, groups, clones, bundles; templates, defaults and operations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from lxml import etree

from crm.common.booleans import is_false, is_true
from crm.common.durations import parse_interval_ms
from pengine.bundles.unpack import BundleError, bundle_xml, taken_before
from pengine.model import Bundle, BundleReplica, Clone, Group, OpConfig, Primitive, Resource, Role
from pengine.result import CibError
from pengine.rules import RuleContext
from pengine.unpack.nvpairs import unpack_sets


class ResourceUnpacker:
    """Turns ``<resources>`` into model resources."""

    def __init__(
        self,
        root: etree._Element,
        now: datetime,
        rsc_defaults_el: etree._Element | None,
        op_defaults_el: etree._Element | None,
        idmap: dict[str, etree._Element],
    ) -> None:
        self.now = now
        self.idmap = idmap
        self.rsc_defaults_el = rsc_defaults_el
        self.op_defaults_el = op_defaults_el
        self.templates: dict[str, etree._Element] = {}
        resources = root.find("configuration/resources")
        if resources is not None:
            for t in resources.iter("template"):
                if t.get("id"):
                    self.templates[t.get("id", "")] = t
        self.messages: list[str] = []

    # -- meta / params -------------------------------------------------------------------------
    def _ctx(self, rclass: str | None = None, provider: str | None = None, rtype: str | None = None,
             op: str | None = None, interval: int | None = None) -> RuleContext:
        return RuleContext(now=self.now, rsc_class=rclass, rsc_provider=provider, rsc_type=rtype,
                           op_name=op, op_interval_ms=interval)

    def _meta(self, elem: etree._Element, parent_meta: Mapping[str, str] | None, template: etree._Element | None,
              ctx: RuleContext) -> dict[str, str]:
        meta: dict[str, str] = {}
        unpack_sets(elem, "meta_attributes", ctx, into=meta, idmap=self.idmap)
        if template is not None:
            unpack_sets(template, "meta_attributes", ctx, into=meta, idmap=self.idmap)
        if parent_meta:
            for k, v in parent_meta.items():
                meta.setdefault(k, v)
        if self.rsc_defaults_el is not None:
            unpack_sets(self.rsc_defaults_el, "meta_attributes", ctx, into=meta, idmap=self.idmap)
        return meta

    def _params(self, elem: etree._Element, parent_params: Mapping[str, str] | None) -> dict[str, str]:
        """Instance attributes of a group or clone, which its members inherit as parameters
        (``get_rsc_attributes``: a resource's own values first, then its parents')."""
        params: dict[str, str] = {}
        unpack_sets(elem, "instance_attributes", self._ctx(), into=params, idmap=self.idmap)
        for k, v in (parent_params or {}).items():
            params.setdefault(k, v)
        return params

    # -- operations ----------------------------------------------------------------------------
    def _ops(self, elem: etree._Element, template: etree._Element | None, rclass: str, provider: str | None,
             rtype: str) -> tuple[OpConfig, ...]:
        op_elems: list[etree._Element] = []
        seen: set[tuple[str, str]] = set()
        for source in (elem, template):
            if source is None:
                continue
            ops_el = source.find("operations")
            if ops_el is None:
                continue
            if ops_el.get("id-ref") and ops_el.get("id-ref") in self.idmap:
                ops_el = self.idmap[ops_el.get("id-ref", "")]
            for op in ops_el:
                if not isinstance(op.tag, str) or op.tag != "op":
                    continue
                # template operations are overridden per name and role (template_op_key)
                key = (op.get("name", ""), op.get("role") or "Started")
                if source is template and key in seen:
                    continue
                if source is elem:
                    seen.add(key)
                op_elems.append(op)
        result = []
        for op in op_elems:
            name = op.get("name", "")
            interval = parse_interval_ms(op.get("interval"))
            ctx = self._ctx(rclass, provider, rtype, name, interval)
            meta: dict[str, str] = {}
            for attr, value in op.attrib.items():
                if attr == "id":
                    continue
                meta[str(attr)] = str(value)
            unpack_sets(op, "meta_attributes", ctx, into=meta, idmap=self.idmap)
            own_timeout = meta.get("timeout")
            params: dict[str, str] = {}
            unpack_sets(op, "instance_attributes", ctx, into=params, idmap=self.idmap)
            if self.op_defaults_el is not None:
                unpack_sets(self.op_defaults_el, "meta_attributes", ctx, into=meta, idmap=self.idmap)
            enabled = not is_false(meta.get("enabled"))
            result.append(
                OpConfig(
                    id=op.get("id", ""),
                    name=name,
                    interval_ms=interval,
                    role=Role.parse(op.get("role")) if op.get("role") else Role.UNKNOWN,
                    meta=meta,
                    params=params,
                    enabled=enabled,
                    own_timeout=own_timeout,
                )
            )
        return tuple(result)

    # -- variants ------------------------------------------------------------------------------
    def primitive(self, elem: etree._Element, parent: str | None,
                  parent_meta: Mapping[str, str] | None,
                  parent_params: Mapping[str, str] | None = None) -> Primitive:
        rid = elem.get("id")
        if not rid:
            raise CibError("primitive without an id in <resources>")
        template = None
        tname = elem.get("template")
        if tname:
            template = self.templates.get(tname)
            if template is None:
                raise CibError(f"primitive {rid}: template {tname} does not exist")
        source = template if template is not None else elem
        rclass = elem.get("class") or source.get("class")
        rtype = elem.get("type") or source.get("type")
        provider = elem.get("provider") or source.get("provider")
        if not rclass or not rtype:
            raise CibError(f"primitive {rid}: missing class or type")
        ctx = self._ctx(rclass, provider, rtype)
        meta = self._meta(elem, parent_meta, template, ctx)
        params: dict[str, str] = {}
        unpack_sets(elem, "instance_attributes", ctx, into=params, idmap=self.idmap)
        if template is not None:
            unpack_sets(template, "instance_attributes", ctx, into=params, idmap=self.idmap)
        for k, v in (parent_params or {}).items():
            params.setdefault(k, v)  # get_rsc_attributes: then the parents' instance attributes
        utilization: dict[str, str] = {}
        unpack_sets(elem, "utilization", ctx, into=utilization, idmap=self.idmap)
        if template is not None:
            unpack_sets(template, "utilization", ctx, into=utilization, idmap=self.idmap)
        return Primitive(
            id=rid,
            rclass=rclass,
            provider=provider,
            type=rtype,
            meta=meta,
            params=params,
            ops=self._ops(elem, template, rclass, provider, rtype),
            utilization=utilization,
            parent=parent,
            template=tname,
            element=elem,
        )

    def group(self, elem: etree._Element, parent: str | None,
              parent_meta: Mapping[str, str] | None,
              parent_params: Mapping[str, str] | None = None) -> Group:
        gid = elem.get("id", "")
        meta = self._meta(elem, parent_meta, None, self._ctx())
        child_meta = dict(meta)
        params = self._params(elem, parent_params)
        members = tuple(self.primitive(c, gid, child_meta, params) for c in elem if c.tag == "primitive")
        return Group(id=gid, meta=meta, members=members, parent=parent)

    def clone(self, elem: etree._Element, parent: str | None = None,
              parent_meta: Mapping[str, str] | None = None) -> Clone:
        cid = elem.get("id", "")
        meta = self._meta(elem, parent_meta, None, self._ctx())
        promotable = elem.tag == "master" or is_true(meta.get("promotable"))
        child: Primitive | Group | None = None
        params = self._params(elem, None)
        for c in elem:
            if c.tag == "primitive":
                child = self.primitive(c, cid, meta, params)
                break
            if c.tag == "group":
                child = self.group(c, cid, meta, params)
                break
        if child is None:
            raise CibError(f"clone {cid}: no primitive or group inside")
        return Clone(id=cid, meta=meta, child=child, promotable=promotable, parent=parent)

    def bundle(self, elem: etree._Element) -> Bundle:
        """A bundle and its implicit resources (``pengine.bundles.unpack``)."""
        bid = elem.get("id", "")
        meta = self._meta(elem, None, None, self._ctx())
        child = None
        for c in elem:
            if c.tag == "primitive":
                child = self.primitive(c, bid, meta)
        try:
            layout = bundle_xml(elem, taken_before(elem))
        except BundleError as exc:
            self.messages.append(str(exc))
            return Bundle(id=bid, meta=meta, child=child, element=elem)
        replicas = tuple(
            BundleReplica(
                index=r.index,
                container=self.primitive(r.container, bid, meta),
                ip=self.primitive(r.ip, bid, meta) if r.ip is not None else None,
                remote=self.primitive(r.remote, bid, meta) if r.remote is not None else None,
                address=r.address,
            )
            for r in layout.members
        )
        clone = self.clone(layout.clone, bid, meta) if layout.clone is not None else None
        if clone is not None and isinstance(clone.child, Primitive) and is_true(clone.child.meta.get("notify")):
            clone = replace(clone, meta={**clone.meta, "notify": "true"})  # the inner resource's notify
        return Bundle(id=bid, meta=meta, child=child, element=elem, replicas=replicas, clone=clone,
                      runtime=layout.runtime, image=layout.image, replicas_per_host=layout.replicas_per_host,
                      promoted_max=layout.promoted_max)

    def all(self, root: etree._Element) -> tuple[Resource, ...]:
        resources = root.find("configuration/resources")
        if resources is None:
            return ()
        out: list[Resource] = []
        for elem in resources:
            if not isinstance(elem.tag, str):
                continue
            if elem.tag == "primitive":
                out.append(self.primitive(elem, None, None))
            elif elem.tag == "group":
                out.append(self.group(elem, None, None))
            elif elem.tag in ("clone", "master"):
                out.append(self.clone(elem))
            elif elem.tag == "bundle":
                out.append(self.bundle(elem))
        return tuple(out)
