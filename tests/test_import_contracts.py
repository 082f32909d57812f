"""Import contracts of the live-cluster packages (read from the source, not by importing):
protocol machines do no I/O, daemon packages do not import each other, the scheduler stays
pure, and the transport layer knows nothing of the daemons above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DAEMONS = ("crm.based", "crm.attrd", "crm.controld", "crm.fenced", "crm.pacerd")
IO_MODULES = ("asyncio", "socket", "subprocess", "selectors", "crm.cluster", "crm.ipc")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def sources(package: str) -> list[Path]:
    base = ROOT.joinpath(*package.split("."))
    return sorted(base.rglob("*.py")) if base.is_dir() else []


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("machine", [p for d in DAEMONS for p in sources(d) if p.name == "machine.py"], ids=module_name)
def test_protocol_machines_do_no_io(machine: Path) -> None:
    bad = {name for name in imports_of(machine) if _under(name, IO_MODULES) and name != "crm.cluster.transport"}
    assert not bad, f"{module_name(machine)} imports {sorted(bad)}"


@pytest.mark.parametrize("daemon", DAEMONS)
def test_daemon_packages_do_not_import_each_other(daemon: str) -> None:
    others = tuple(d for d in DAEMONS if d != daemon)
    for path in sources(daemon):
        bad = {name for name in imports_of(path) if _under(name, others)}
        assert not bad, f"{module_name(path)} imports {sorted(bad)}"


def test_the_transport_layer_knows_nothing_of_the_daemons() -> None:
    for path in sources("crm.cluster") + sources("crm.ipc"):
        bad = {name for name in imports_of(path) if _under(name, (*DAEMONS, "crm.cli", "pengine", "lrmd"))}
        assert not bad, f"{module_name(path)} imports {sorted(bad)}"


def test_the_scheduler_does_no_io_and_ignores_the_cluster() -> None:
    for path in sources("pengine"):
        bad = {name for name in imports_of(path) if _under(name, (*IO_MODULES, *DAEMONS, "crm.cli"))}
        assert not bad, f"{module_name(path)} imports {sorted(bad)}"
