"""What Pacemaker 2.1.5 does with a CIB it loads: validation against Pacemaker's own RelaxNG
schemas (``crm/schemas/pacemaker``, copied from Pacemaker) and the upgrade of old documents.

The rules are those of Pacemaker's ``lib/common/schemas.c``:

* the known schemas are ``pacemaker-1.0`` .. ``pacemaker-3.9`` in version order, then
  ``pacemaker-next`` and ``none``; ``validate-with`` names one of them, compared without
  regard to case (absent means ``none``; anything else is unknown);
* :func:`cli_config_update` (what ``crm_simulate`` and the scheduler do first): a document
  older than ``pacemaker-3.0`` (or naming an unknown schema) is upgraded on a copy by
  :func:`update_validation`, which validates it with each schema from the one it names
  upwards and applies Pacemaker's XSL upgrade between major versions; if that does not reach
  ``pacemaker-3.0`` the document is refused ("Cannot upgrade configuration ...").
  ``none`` (or no ``validate-with``) disables validation, with a warning;
* :func:`validate_xml`: the document validates with the schema it names; without
  ``validate-with`` it is tried with every schema and the last that fits is recorded (which
  is always ``none``).

Validation errors are libxml2's lines, as Pacemaker prints them on standard error:
``FILE:LINE: element NAME: Relax-NG validity error : MESSAGE`` (``Entity: line N:`` for a
document that is a converted copy, ``unknown.xml`` for standard input) and the ``IDREF``
lines of libxml2's final pass.  Each function appends the lines it would print to a list
(``out``); ``None`` means quiet (what Pacemaker logs instead of printing).

Known differences (``tests/cib_damage/known_differences.md``): libxml2 lists the ``IDREF``
errors in its hash table's order, here they come in document order.
"""

from __future__ import annotations

import copy
import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

from lxml import etree

from crm.common.booleans import is_true

__all__ = [
    "KnownSchema",
    "LoadResult",
    "cli_config_update",
    "known_schemas",
    "latest_index",
    "load_check",
    "minimum_index",
    "schema_index",
    "schema_name",
    "update_validation",
    "validate_schema",
    "validate_xml",
]

NONE: Final = "none"
NEXT: Final = "pacemaker-next"
STDIN_LABEL: Final = "unknown.xml"
"""The file name libxml2 reports for a document read from standard input."""

DISABLED_WARNING: Final = (
    "Schema validation of configuration is disabled (enabling is encouraged and prevents "
    "common misconfigurations)"
)

_FILE_RE: Final = re.compile(r"pacemaker-(\d+)\.(\d+)\.rng")


def schema_dir() -> Path:
    """The directory of Pacemaker's schemas and upgrade stylesheets."""
    return Path(str(resources.files("crm").joinpath("schemas", "pacemaker")))


@dataclass(frozen=True, slots=True)
class KnownSchema:
    name: str
    file: str | None
    """The ``.rng`` file; ``None`` for ``none`` (no validation)."""
    transform: str | None = None
    """The upgrade stylesheet to the next major version (``upgrade-2.10``)."""
    transform_enter: str | None = None
    transform_onleave: bool = False
    after_transform: int = -1
    """Index of the schema to try next; ``-1``: none (the last stable one)."""


@cache
def known_schemas() -> tuple[KnownSchema, ...]:
    """Pacemaker's list of schemas, as ``crm_schema_init`` builds it from the directory."""
    directory = schema_dir()
    versions = sorted(
        (int(m.group(1)), int(m.group(2)))
        for m in (_FILE_RE.fullmatch(p.name) for p in directory.iterdir())
        if m is not None
    )
    schemas: list[KnownSchema] = []
    for index, (major, minor) in enumerate(versions):
        name = f"pacemaker-{major}.{minor}"
        last = index + 1 == len(versions)
        transform = enter = None
        onleave = False
        if not last and versions[index + 1][0] > major:
            transform = f"upgrade-{major}.{minor}"
            if not (directory / f"{transform}.xsl").exists():
                break  # Pacemaker stops at a missing upgrade
            for candidate in (f"{transform}-enter", "upgrade-enter"):
                if (directory / f"{candidate}.xsl").exists():
                    enter = candidate
                    onleave = (directory / f"{candidate[: -len('enter')]}leave.xsl").exists()
                    break
        schemas.append(
            KnownSchema(
                name=name,
                file=f"{name}.rng",
                transform=transform,
                transform_enter=enter,
                transform_onleave=onleave,
                after_transform=-1 if last else index + 1,
            )
        )
    schemas.append(KnownSchema(name=NEXT, file=f"{NEXT}.rng"))
    schemas.append(KnownSchema(name=NONE, file=None))
    return tuple(schemas)


def latest_index() -> int:
    """The newest stable schema (``pacemaker-3.9``)."""
    return len(known_schemas()) - 3


def minimum_index() -> int:
    """The oldest schema accepted without an upgrade: the first of the latest major version."""
    schemas = known_schemas()
    best = latest_index()
    major = schemas[best].name.split("-")[1].split(".")[0]
    while best > 0 and schemas[best - 1].name.split("-")[1].split(".")[0] == major:
        best -= 1
    return best


def schema_index(name: str | None) -> int:
    """The index of a ``validate-with`` value (case-insensitive); absent is ``none``; -1: unknown."""
    wanted = (NONE if name is None else name).lower()
    for index, schema in enumerate(known_schemas()):
        if schema.name.lower() == wanted:
            return index
    return -1


def schema_name(index: int) -> str:
    schemas = known_schemas()
    return schemas[index].name if 0 <= index < len(schemas) else "unknown"


@cache
def _relaxng(file: str) -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(schema_dir() / file)))


@cache
def _xslt(name: str) -> etree.XSLT:
    return etree.XSLT(etree.parse(str(schema_dir() / f"{name}.xsl")))


# ----------------------------------------------------------------------------- messages

_IDREF_RE: Final = re.compile(r'IDREF attribute (\S+) references an unknown ID "([^"]*)"')


def _element_name(path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    return last.split("[", 1)[0].split(":")[-1]


# Elements whose ``id`` refers to another element (everywhere else ``id`` defines one).
_ID_REFERENCES: Final = frozenset({"resource_ref", "obj_ref", "role"})
# How many times libxml2 registers one reference of these elements (their grammar offers the
# attribute in two branches); every other reference counts once.
_REGISTERED_TWICE: Final = frozenset({"rsc_colocation"})


def _referring(root: etree._Element, attribute: str, value: str) -> list[etree._Element]:
    if not re.fullmatch(r"[\w.-]+", attribute):
        return []
    try:
        found = root.xpath(
            f"//*[@{attribute}=$v or contains(concat(' ', normalize-space(@{attribute}), ' '), "
            f"concat(' ', $v, ' '))]",
            v=value,
        )
    except etree.XPathError:
        return []
    elements = [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []
    if attribute == "id":
        elements = [e for e in elements if e.tag in _ID_REFERENCES]
    return elements


def _spread(elements: list[etree._Element], count: int) -> list[etree._Element]:
    """Which element each of ``count`` identical IDREF errors is about."""
    weighted = [e for e in elements for _ in range(2 if e.tag in _REGISTERED_TWICE else 1)]
    if len(weighted) == count:
        return weighted
    return [elements[n * len(elements) // count] for n in range(count)]


def _line_of(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) and line > 0 else 0


def _error_lines(log: etree._ListErrorLog, root: etree._Element, label: str | None) -> list[str]:
    """libxml2's report of a failed validation, line by line as it prints them."""
    lines: list[str] = []
    idrefs: Counter[tuple[str, str]] = Counter()
    for entry in log:
        message = entry.message.rstrip("\n")
        idref = _IDREF_RE.fullmatch(message)
        if idref is not None and entry.path is None:
            idrefs[(idref.group(1), idref.group(2))] += 1
            continue
        if entry.path is None:
            lines.append(f"Relax-NG validity error : {message}")
            continue
        prefix = ""
        if label is not None:
            prefix = f"{label}:{entry.line}: "
        elif entry.line:
            prefix = f"Entity: line {entry.line}: "
        lines.append(f"{prefix}element {_element_name(entry.path)}: Relax-NG validity error : {message}")
    # libxml2's final pass: references to ids that were never registered (the validation
    # stopped before their definition, or they do not exist)
    for (attribute, value), count in idrefs.items():
        message = f'IDREF attribute {attribute} references an unknown ID "{value}"'
        elements = _referring(root, attribute, value)
        if not elements:
            lines.extend([f"validity error : {message}"] * count)
            continue
        for element in _spread(elements, count):
            where = f"{label}:{_line_of(element)}: " if label is not None else ""
            lines.append(f"{where}element {element.tag}: validity error : {message}")
    return lines


# ------------------------------------------------------------------------------ tracing


class _Trace:
    """Pacemaker's log lines of one function (``FUNCTION <TAB>LEVEL: MESSAGE``), added to the
    printed lines when ``PCMK_trace_functions`` names the function and ``PCMK_stderr`` sends
    the log to standard error, as Pacemaker's tools print them then."""

    def __init__(self, function: str, out: list[str] | None) -> None:
        traced = os.environ.get("PCMK_trace_functions", "")  # noqa: SIM112 (Pacemaker's name)
        to_stderr = is_true(os.environ.get("PCMK_stderr"))  # noqa: SIM112
        self.out = out if to_stderr and function in {f.strip() for f in traced.split(",")} else None
        self.function = function

    def __call__(self, level: str, message: str) -> None:
        if self.out is not None:
            self.out.append(f"{self.function} \t{level}: {message}")


# --------------------------------------------------------------------------- validation


def validate_schema(root: etree._Element, index: int, label: str | None, out: list[str] | None) -> bool:
    """Pacemaker's ``validate_with``: does the document fit the schema at ``index``?

    ``label`` is the file name libxml2 would report (``None`` for an in-memory copy); the
    error lines are appended to ``out`` unless it is ``None``."""
    schemas = known_schemas()
    if index < 0 or index >= len(schemas):
        return False
    schema = schemas[index]
    if schema.file is None:
        return True
    relaxng = _relaxng(schema.file)
    if relaxng.validate(root.getroottree()):
        return True
    if out is not None:
        out.extend(_error_lines(relaxng.error_log, root, label))
    return False


def _apply_transformation(root: etree._Element, name: str, out: list[str] | None) -> etree._Element | None:
    transform = _xslt(name)
    try:
        result = transform(root.getroottree())
    except etree.XSLTApplyError:
        result = None
    if out is not None:
        out.extend(entry.message for entry in transform.error_log)  # type: ignore[attr-defined]
    if result is None:
        return None
    new_root = result.getroot()
    if new_root is None:
        return None
    return copy.deepcopy(new_root)


def _apply_upgrade(root: etree._Element, schema: KnownSchema, out: list[str] | None) -> etree._Element | None:
    log = _Trace("apply_upgrade", out)
    onleave = schema.transform_onleave
    upgrade: etree._Element | None = None
    if schema.transform_enter is not None:
        log("debug", f"Upgrading {schema.name}-style configuration, pre-upgrade phase with "
                     f"{schema.transform_enter}.xsl")
        upgrade = _apply_transformation(root, schema.transform_enter, out)
        if upgrade is None:
            onleave = False
    if upgrade is None:
        upgrade = root
    assert schema.transform is not None
    log("debug", f"Upgrading {schema.name}-style configuration, main phase with {schema.transform}.xsl")
    final = _apply_transformation(upgrade, schema.transform, out)
    if final is not None and onleave and schema.transform_enter is not None:
        leave = schema.transform_enter[: -len("enter")] + "leave"
        log("debug", f"Upgrading {schema.name}-style configuration, post-upgrade phase with {leave}.xsl")
        left = _apply_transformation(final, leave, out)
        if left is not None:
            final = left
    return final


def update_validation(
    root: etree._Element, out: list[str] | None, *, transform: bool = True, label: str | None = None
) -> tuple[etree._Element, int, bool]:
    """Pacemaker's ``update_validation``: the newest schema the document (upgraded with the
    stylesheets when ``transform``) validates with.

    Returns the document (a new one when a stylesheet ran), the index of that schema and
    whether the last step succeeded.  ``validate-with`` is updated when it went up."""
    schemas = known_schemas()
    max_stable = latest_index()
    log = _Trace("update_validation", out)
    best = 0
    match = -1
    lpc = 0
    nxt = -1  # the schema an upgrade step went to, until its validation is reported
    ok = True
    value = root.get("validate-with")
    if value is not None:
        match = schema_index(value)
        lpc = match
        if lpc >= 0 and not transform:
            best = lpc
            lpc += 1
        elif lpc < 0:
            log("debug", "Unknown validation schema")
            lpc = 0
    if match >= max_stable:
        return root, match, True
    while lpc <= max_stable:
        log("debug", f"Testing '{schemas[lpc].name}' validation ({lpc} of {max_stable})")
        if not validate_schema(root, lpc, label, out):
            if nxt != -1:
                log("info", f"Configuration not valid for schema: {schemas[lpc].name}")
                nxt = -1
            else:
                log("trace", f"{schemas[lpc].name} validation failed")
            if best:
                break  # an earlier schema fits: no need to go on
            ok = False
        else:
            if nxt != -1:
                log("debug", f"Configuration valid for schema: {schemas[nxt].name}")
                nxt = -1
            ok = True
        if ok:
            best = lpc
        if ok and transform:
            nxt = schemas[lpc].after_transform
            if nxt <= lpc:
                log("trace", f"Stopping at {schemas[lpc].name}")
                break
            if schemas[lpc].transform is None or validate_schema(root, nxt, label, None):
                log("debug", f"{schemas[lpc].name}-style configuration is also valid for {schemas[nxt].name}")
                lpc = nxt
            else:
                step = schemas[lpc]
                log("debug", f"Upgrading {step.name}-style configuration to {schemas[nxt].name} "
                             f"with {step.transform}.xsl")
                upgraded = _apply_upgrade(root, step, out)
                if upgraded is None:
                    log("error", f"Transformation {step.transform}.xsl failed")
                    ok = False
                elif validate_schema(upgraded, nxt, None, out):
                    log("info", f"Transformation {step.transform}.xsl successful")
                    lpc = nxt
                    best = nxt
                    root = upgraded
                    label = None
                    ok = True
                else:
                    log("error", f"Transformation {step.transform}.xsl did not produce a valid configuration")
                    ok = False
                nxt = -1
        if not transform or not ok:
            lpc += 1
    if best > match and best:
        log("info", f"{'Transformed' if transform else 'Upgraded'} the configuration from "
                    f"{value if value is not None else '<none>'} to {schemas[best].name}")
        root.set("validate-with", schemas[best].name)
    return root, best, ok


def cli_config_update(
    root: etree._Element, out: list[str] | None
) -> tuple[etree._Element | None, int]:
    """Pacemaker's ``cli_config_update``: ``root`` itself when its schema is current (or
    validation is off), else an upgraded copy; ``None`` when it cannot be upgraded to the
    current major version.  Also returns the index of the schema reached."""
    value = root.get("validate-with")
    orig_value = "(none)" if value is None else value
    version = schema_index(value)
    orig_version = version
    min_version = minimum_index()
    if version < min_version:
        converted, version, _ = update_validation(copy.deepcopy(root), out)
        if version < min_version:
            if out is not None:
                if version < orig_version or orig_version == -1:
                    out.append(
                        f"Cannot upgrade configuration (claiming schema {orig_value}) to at least "
                        f"{schema_name(min_version)} because it does not validate with any schema "
                        f"from {schema_name(orig_version)} to {schema_name(latest_index())}"
                    )
                else:
                    out.append(
                        f"Cannot upgrade configuration (claiming schema {orig_value}) to at least "
                        f"{schema_name(min_version)} because it would not upgrade past "
                        f"{schema_name(version)}"
                    )
            return None, version
        return converted, version
    if version >= schema_index(NONE) and out is not None:
        out.append(DISABLED_WARNING)
    return root, version


def validate_xml(
    root: etree._Element, label: str | None, out: list[str] | None, *, record: bool = True
) -> bool:
    """Pacemaker's ``validate_xml``: the document validates with the schema it names.

    Without ``validate-with``, every schema is tried (each failure printed, as Pacemaker
    does even when it otherwise logs) and the name of the last that fits is recorded in
    the document when ``record`` (it is always ``none``)."""
    validation = root.get("validate-with")
    if validation is None and out is None and not record:
        return True  # "none" always fits: only the errors and the recorded name need the loop
    if validation is None:
        valid = False
        for index, schema in enumerate(known_schemas()):
            if validate_schema(root, index, label, out):
                valid = True
                root.set("validate-with", schema.name)
        if not record and root.get("validate-with") is not None:
            del root.attrib["validate-with"]
        return valid
    if validation == NONE:
        return True
    return validate_schema(root, schema_index(validation), label, out)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What loading a CIB gave: the document to work on (upgraded when it was old), or
    ``None`` when it is refused; and the lines Pacemaker prints on standard error."""

    document: etree._Element | None
    messages: tuple[str, ...]

    @property
    def refused(self) -> bool:
        return self.document is None


def load_check(root: etree._Element, label: str | None) -> LoadResult:
    """What ``crm_simulate`` (and the scheduler's input handling) does with a CIB it
    reads: :func:`cli_config_update`, then :func:`validate_xml`.

    ``label``: the file name as given (``unknown.xml`` for standard input, ``None`` for a
    document that did not come from a file).  ``root`` is not modified when the document
    is upgraded (the result is a copy)."""
    out: list[str] = []
    converted, _ = cli_config_update(root, out)
    if converted is None:
        return LoadResult(None, tuple(out))
    if not validate_xml(converted, label if converted is root else None, out):
        return LoadResult(None, tuple(out))
    return LoadResult(converted, tuple(out))
