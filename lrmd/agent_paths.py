"""Where agents live on disk.

* OCF: ``$OCF_ROOT/resource.d/<provider>/<type>`` with ``OCF_ROOT`` defaulting to
  ``/usr/lib/ocf``.  The project's own provider ``pacer`` is searched, in order, in
  ``$PACER_AGENTS_DIR``, ``<sys.prefix>/lib/ocf/resource.d/pacer`` and the source
  tree's ``agents/`` directory.  ``ocf:heartbeat:X`` with no system agent falls back
  to pacer's agent of the same name (logged).
* LSB: ``/etc/init.d/<type>`` (directory configurable); an absolute type is used as is.
* Heartbeat v1: ``/etc/ha.d/resource.d/<type>`` (configurable), then the LSB directory,
  as heartbeat's ResourceManager searched.
* stonith: fence-agents' ``/usr/sbin/fence_<name>`` (configurable).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lrmd.codes import AgentClass

log = logging.getLogger(__name__)

DEFAULT_OCF_ROOT = Path("/usr/lib/ocf")
DEFAULT_LSB_DIR = Path("/etc/init.d")
DEFAULT_HEARTBEAT_DIR = Path("/etc/ha.d/resource.d")
DEFAULT_STONITH_DIR = Path("/usr/sbin")
PACER_PROVIDER = "pacer"
SOURCE_TREE_AGENTS = Path(__file__).resolve().parent.parent / "agents"


@dataclass(frozen=True)
class AgentRef:
    """A resolved agent: which file runs, and for which class/provider/type."""

    agent_class: str
    provider: str | None
    agent_type: str
    path: Path
    fallback: bool = False


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def stonith_agent_dirs(env: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """Where fence agents (``fence_*``) are looked for, in order: ``PACER_FENCE_AGENT_PATH``
    (colon-separated), ``PACER_STONITH_DIR``, the system's sbin directories, the install
    prefix's ``sbin`` (our own agents), and the source tree's ``agents/``.  The lrmd (device
    monitors) and the fencer (fencing) both use this list."""
    env = os.environ if env is None else env
    dirs = [Path(p) for p in (env.get("PACER_FENCE_AGENT_PATH") or "").split(os.pathsep) if p]
    if env.get("PACER_STONITH_DIR"):
        dirs.append(Path(env["PACER_STONITH_DIR"]))
    dirs += [DEFAULT_STONITH_DIR, Path("/sbin"), Path(sys.prefix) / "sbin", SOURCE_TREE_AGENTS]
    return tuple(dict.fromkeys(dirs))


def pacer_agent_dirs(env: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """The directories searched for the ``pacer`` provider, in order."""
    env = os.environ if env is None else env
    dirs: list[Path] = []
    override = env.get("PACER_AGENTS_DIR")
    if override:
        dirs.append(Path(override))
    dirs.append(Path(sys.prefix) / "lib" / "ocf" / "resource.d" / PACER_PROVIDER)
    dirs.append(SOURCE_TREE_AGENTS)
    return tuple(dirs)


@dataclass(frozen=True)
class AgentLocator:
    """Resolves ``class:provider:type`` to an executable path."""

    ocf_root: Path = DEFAULT_OCF_ROOT
    pacer_dirs: tuple[Path, ...] = field(default_factory=pacer_agent_dirs)
    lsb_dir: Path = DEFAULT_LSB_DIR
    heartbeat_dir: Path = DEFAULT_HEARTBEAT_DIR
    stonith_dirs: tuple[Path, ...] = field(default_factory=stonith_agent_dirs)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AgentLocator:
        env = os.environ if env is None else env
        return cls(
            ocf_root=Path(env.get("OCF_ROOT") or DEFAULT_OCF_ROOT),
            pacer_dirs=pacer_agent_dirs(env),
            lsb_dir=Path(env.get("PACER_LSB_DIR") or DEFAULT_LSB_DIR),
            heartbeat_dir=Path(env.get("HA_RESOURCEDIR") or DEFAULT_HEARTBEAT_DIR),
            stonith_dirs=stonith_agent_dirs(env),
        )

    def _pacer_agent(self, agent_type: str) -> Path | None:
        for directory in self.pacer_dirs:
            candidate = directory / agent_type
            if _is_executable(candidate):
                return candidate
        return None

    def resolve(self, agent_class: str, provider: str | None, agent_type: str) -> AgentRef | None:
        """Find the agent, or None when it is not installed."""
        if not agent_type or "\0" in agent_type:
            return None
        if agent_class == AgentClass.OCF:
            return self._resolve_ocf(provider or "heartbeat", agent_type)
        if agent_class == AgentClass.LSB:
            return self._first(agent_class, None, agent_type, [self.lsb_dir])
        if agent_class == AgentClass.HEARTBEAT:
            return self._first(agent_class, None, agent_type, [self.heartbeat_dir, self.lsb_dir])
        if agent_class == AgentClass.STONITH:
            if not agent_type.startswith("fence_") or "/" in agent_type:
                return None
            return self._first(agent_class, None, agent_type, list(self.stonith_dirs))
        return None

    def _first(
        self, agent_class: str, provider: str | None, agent_type: str, dirs: list[Path]
    ) -> AgentRef | None:
        if agent_type.startswith("/"):
            path = Path(agent_type)
            return AgentRef(agent_class, provider, agent_type, path) if _is_executable(path) else None
        if "/" in agent_type:
            return None
        for directory in dirs:
            candidate = directory / agent_type
            if _is_executable(candidate):
                return AgentRef(agent_class, provider, agent_type, candidate)
        return None

    def _resolve_ocf(self, provider: str, agent_type: str) -> AgentRef | None:
        if "/" in agent_type or "/" in provider:
            return None
        if provider == PACER_PROVIDER:
            path = self._pacer_agent(agent_type)
            if path is None:
                path = self.ocf_root / "resource.d" / PACER_PROVIDER / agent_type
                if not _is_executable(path):
                    return None
            return AgentRef(AgentClass.OCF, provider, agent_type, path)
        path = self.ocf_root / "resource.d" / provider / agent_type
        if _is_executable(path):
            return AgentRef(AgentClass.OCF, provider, agent_type, path)
        if provider == "heartbeat":
            ours = self._pacer_agent(agent_type)
            if ours is not None:
                log.info("ocf:heartbeat:%s not installed; using pacer's agent %s", agent_type, ours)
                return AgentRef(AgentClass.OCF, provider, agent_type, ours, fallback=True)
        return None

    def list_agents(self, agent_class: str, provider: str | None = None) -> list[str]:
        """Names of installed agents of a class (and provider for OCF)."""
        dirs: list[Path]
        if agent_class == AgentClass.OCF:
            if provider == PACER_PROVIDER:
                dirs = [*self.pacer_dirs, self.ocf_root / "resource.d" / PACER_PROVIDER]
            else:
                dirs = [self.ocf_root / "resource.d" / (provider or "heartbeat")]
        elif agent_class == AgentClass.LSB:
            dirs = [self.lsb_dir]
        elif agent_class == AgentClass.HEARTBEAT:
            dirs = [self.heartbeat_dir]
        elif agent_class == AgentClass.STONITH:
            dirs = list(self.stonith_dirs)
        else:
            return []
        names: set[str] = set()
        for directory in dirs:
            if directory.is_dir():
                names.update(
                    p.name
                    for p in directory.iterdir()
                    if _is_executable(p) and (agent_class != AgentClass.STONITH or p.name.startswith("fence_"))
                )
        return sorted(names)

    def list_providers(self) -> list[str]:
        base = self.ocf_root / "resource.d"
        found = {p.name for p in base.iterdir() if p.is_dir()} if base.is_dir() else set()
        found.add(PACER_PROVIDER)
        return sorted(found)
