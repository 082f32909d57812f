"""Derive operation parameters from the conformance CIBs, to check recorded digests.

For every ``lrm_rsc_op`` of a primitive whose parameters are plain (no rules, no
templates), rebuild what the controller passed to the agent: the primitive's
instance attributes, the matching ``<op>``'s own instance attributes and, for a
recurring op, ``CRM_meta_timeout`` (the op's timeout, else ``op_defaults``, else
20 s) and ``CRM_meta_interval``.  The recorded ``op-digest`` was computed by
Pacemaker from the parameters at the time, so configuration changes made by a
scheduler case make some entries differ: ``data/digest_golden.json`` lists the
entries known to match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

DATA = Path(__file__).resolve().parents[1] / "conformance" / "data" / "xml"
_DUR = re.compile(r"^\s*(\d+)\s*(ms|msec|s|sec|m|min|h|hr)?\s*$")
_SCALE = {None: 1000, "s": 1000, "sec": 1000, "ms": 1, "msec": 1, "m": 60000, "min": 60000, "h": 3600000, "hr": 3600000}


def to_ms(text: str | None) -> int | None:
    if text is None:
        return None
    m = _DUR.match(text)
    if not m:
        return None
    return int(m.group(1)) * _SCALE[m.group(2)]


@dataclass(frozen=True)
class DigestCase:
    file: str
    node: str
    history_id: str
    params: dict[str, str]
    op_digest: str
    force_restart: str | None
    restart_digest: str | None
    secure_params: str | None
    secure_digest: str | None
    feature_set: str
    agent_class: str

    @property
    def key(self) -> str:
        return f"{self.file}|{self.node}|{self.history_id}"


def _plain_pairs(element: etree._Element, tag: str) -> dict[str, str] | None:
    values: dict[str, str] = {}
    for attr_set in element.findall(tag):
        if attr_set.find("rule") is not None or attr_set.get("id-ref"):
            return None
        for pair in attr_set.findall("nvpair"):
            if pair.get("value") is None:
                return None
            values.setdefault(pair.get("name", ""), pair.get("value", ""))
    return values


def cases(path: Path) -> Iterator[DigestCase]:
    try:
        root = etree.parse(str(path)).getroot()
    except etree.XMLSyntaxError:
        return
    op_defaults = root.find("configuration/op_defaults")
    default_timeout = None
    if op_defaults is not None:
        pairs = _plain_pairs(op_defaults, "meta_attributes") or {}
        default_timeout = to_ms(pairs.get("timeout"))
    prims: dict[str, etree._Element] = {}
    for prim in root.iterfind(".//resources//primitive"):
        if prim.get("template") is None:
            prims[prim.get("id", "")] = prim
    for state in root.iterfind("status/node_state"):
        node = state.get("uname", "")
        for lrm_rsc in state.iterfind("lrm/lrm_resources/lrm_resource"):
            prim = prims.get(lrm_rsc.get("id", "").split(":")[0])
            if prim is None:
                continue
            base = _plain_pairs(prim, "instance_attributes")
            if base is None:
                continue
            for op in lrm_rsc.iterfind("lrm_rsc_op"):
                digest = op.get("op-digest")
                task = op.get("operation", "")
                if not digest or op.get("op-status") == "-1" or task in ("notify", "meta-data"):
                    continue
                interval = int(op.get("interval", "0") or 0)
                params = dict(base)
                config_op = None
                for candidate in prim.findall("operations/op"):
                    if candidate.get("name") == task and (to_ms(candidate.get("interval", "0")) or 0) == interval:
                        config_op = candidate
                        break
                if config_op is not None:
                    extra = _plain_pairs(config_op, "instance_attributes")
                    if extra is None:
                        continue
                    params.update(extra)
                if interval:
                    timeout = to_ms(config_op.get("timeout")) if config_op is not None else None
                    if timeout is None:
                        timeout = default_timeout if default_timeout is not None else 20000
                    params["CRM_meta_timeout"] = str(timeout)
                    params["CRM_meta_interval"] = str(interval)
                yield DigestCase(
                    file=path.name,
                    node=node,
                    history_id=op.get("id", ""),
                    params=params,
                    op_digest=digest,
                    force_restart=op.get("op-force-restart"),
                    restart_digest=op.get("op-restart-digest"),
                    secure_params=op.get("op-secure-params"),
                    secure_digest=op.get("op-secure-digest"),
                    feature_set=op.get("crm_feature_set", ""),
                    agent_class=prim.get("class", ""),
                )


def all_cases() -> list[DigestCase]:
    out: list[DigestCase] = []
    for path in sorted(DATA.glob("*.xml")):
        out.extend(cases(path))
    return out


GOLDEN = Path(__file__).resolve().parent / "data" / "digest_golden.json"


def regenerate() -> None:
    """Record which entries reproduce Pacemaker's recorded digests (run after review only)."""
    import json

    from crm.common.digest import op_digest, restart_digest_from_list, secure_digest_from_list

    found = all_cases()
    golden = {
        "source": "tests/conformance/data/xml (Pacemaker 2.1.5 scheduler regression inputs)",
        "op_digest": sorted(c.key for c in found if op_digest(c.params) == c.op_digest),
        "restart_digest": sorted(
            c.key
            for c in found
            if c.restart_digest and c.force_restart is not None
            and restart_digest_from_list(c.params, c.force_restart) == c.restart_digest
        ),
        "secure_digest": sorted(
            c.key
            for c in found
            if c.secure_digest and c.secure_params is not None
            and secure_digest_from_list(c.params, c.secure_params, c.feature_set, c.agent_class) == c.secure_digest
        ),
    }
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(golden, separators=(",", ":")).replace('","', '",\n"') + "\n")


if __name__ == "__main__":
    regenerate()
