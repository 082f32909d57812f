"""``convert()``: haresources + ha.cf text -> CIB element, in default or compatibility mode."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from lxml import etree

from crm.migrate.agents import AgentDirs
from crm.migrate.diagnostics import Diagnostic
from crm.migrate.hacf import parse_hacf
from crm.migrate.haresources import parse_haresources
from crm.migrate.legacy_cib import build_legacy_cib
from crm.migrate.minidom_format import minidom_pretty
from crm.migrate.modern_cib import build_modern_cib
from crm.migrate.stonith import StonithParams, stonith_parameter_names


class Mode(Enum):
    DEFAULT = "default"
    COMPAT = "compat"


@dataclass(frozen=True)
class ConversionResult:
    """The converted CIB and the warnings found on the way.

    In compatibility mode ``warnings`` are the historical stderr lines (no location).
    """

    cib: etree._Element
    warnings: tuple[Diagnostic, ...]
    mode: Mode

    def to_xml(self) -> str:
        """The CIB as text: minidom style in compatibility mode, 2-space indented otherwise."""
        if self.mode is Mode.COMPAT:
            return minidom_pretty(self.cib)
        return etree.tostring(self.cib, pretty_print=True, encoding="unicode")


def convert(
    haresources_text: str,
    hacf_text: str,
    *,
    mode: Mode = Mode.DEFAULT,
    ocf: bool = True,
    monitor: bool = True,
    resource_dir: Path = Path("/etc/ha.d/resource.d"),
    initd_dir: Path = Path("/etc/init.d"),
    haresources_name: str = "haresources",
    hacf_name: str = "ha.cf",
    cluster_name: str | None = None,
    agent_map: Mapping[str, str] | None = None,
    stonith_params: StonithParams = stonith_parameter_names,
) -> ConversionResult:
    """Convert Heartbeat v1 ``haresources`` and ``ha.cf`` texts to a CIB.

    ``mode=Mode.COMPAT`` reproduces haresources2cib.py of Pacemaker 0.6.6-1.0.3 (``ocf`` and
    ``monitor`` are its ``--no-ocf``/``--no-monitor`` switches, inverted); the default mode
    builds a current-schema CIB (``ocf`` is ignored there).  ``resource_dir`` and
    ``initd_dir`` decide the class of a bare word; ``agent_map`` (default mode) overrides it,
    e.g. ``{"httpd": "systemd:httpd", "myapp": "ocf:acme:myapp"}``.  Errors raise
    :class:`~crm.migrate.diagnostics.MigrationError` (``file:line: reason`` diagnostics);
    compatibility mode only fails where the historical tool did.
    """
    dirs = AgentDirs(resource_dir, initd_dir)
    strict = mode is Mode.DEFAULT
    haresources = parse_haresources(haresources_text, file=haresources_name, strict=strict)
    hacf = parse_hacf(hacf_text, file=hacf_name, strict=strict)
    if mode is Mode.COMPAT:
        cib, messages = build_legacy_cib(
            haresources, hacf, dirs=dirs, use_ocf=ocf, monitor=monitor, stonith_params=stonith_params
        )
        return ConversionResult(cib, messages, mode)
    cib, warnings = build_modern_cib(
        haresources, hacf, dirs=dirs, monitor=monitor, stonith_params=stonith_params, cluster_name=cluster_name,
        agent_map=agent_map,
    )
    return ConversionResult(cib, warnings, mode)
