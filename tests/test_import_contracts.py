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


# -- the bottom layer and the scheduler ---------------------------------------------------------

OURS = ("crm", "pengine", "lrmd", "pycorosync", "tools", "agents")

# What pengine may import of ours: the bottom layer only (no lrmd, no CLIs, no daemons).
PENGINE_MAY_IMPORT = ("crm.common",)

# Import cycles among pengine modules still allowed (each set is one strongly connected
# component of the module graph, imports inside functions included, annotation-only imports
# under TYPE_CHECKING not). None is left: a new cycle fails the test.
KNOWN_PENGINE_CYCLES: tuple[frozenset[str], ...] = ()


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def all_imports_of(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Absolute names of every import in the file (relative ones resolved, inside functions too);
    ``from a import b`` gives both ``a`` and ``a.b``. ``runtime_only`` leaves out the imports
    under ``if TYPE_CHECKING:``."""
    name = module_name(path)
    package = name.removesuffix(".__init__") if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    skipped = _type_checking_only(tree) if runtime_only else set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_bottom_layer_imports_nothing_of_ours() -> None:
    assert sources("crm.common"), "crm/common is missing"
    for path in sources("crm.common"):
        bad = {name for name in all_imports_of(path) if _under(name, OURS) and not _under(name, ("crm.common",))}
        assert not bad, f"{module_name(path)} imports {sorted(bad)}"


def test_the_scheduler_imports_only_the_bottom_layer_of_ours() -> None:
    for path in sources("pengine"):
        bad = {
            name
            for name in all_imports_of(path)
            if _under(name, OURS) and not _under(name, ("pengine", *PENGINE_MAY_IMPORT))
        }
        assert not bad, f"{module_name(path)} imports {sorted(bad)}"


def test_the_scheduler_imports_neither_asyncio_nor_lrmd_nor_the_clis() -> None:
    for path in sources("pengine"):
        bad = {name for name in all_imports_of(path) if _under(name, ("asyncio", "lrmd", "crm.cli"))}
        assert not bad, f"{module_name(path)} imports {sorted(bad)}"


def _module_graph(package: str, *, runtime_only: bool = True) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports (``pkg/__init__.py`` is ``pkg``; imports
    inside functions count; those under ``if TYPE_CHECKING:`` count unless ``runtime_only``)."""
    names = {module_name(path).removesuffix(".__init__"): path for path in sources(package)}

    def owner(name: str) -> str | None:
        while name and name not in names:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        targets = {owner(imported) for imported in all_imports_of(path, runtime_only=runtime_only)}
        graph[name] = {t for t in targets if t is not None and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_cycle_finder_sees_cycles_through_function_level_imports() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert _cycles(graph) == [frozenset({"a", "b", "c"})]
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from x import y\ndef f():\n    import z\n")
    assert len(_type_checking_only(tree)) == 2  # the ImportFrom and its alias


def test_no_new_import_cycles_in_the_scheduler() -> None:
    cycles = _cycles(_module_graph("pengine"))
    allowed = set(KNOWN_PENGINE_CYCLES)
    new = [sorted(c) for c in cycles if not any(c <= known for known in allowed)]
    assert not new, f"import cycles among pengine modules: {new}"


def _function_level_imports(path: Path) -> list[tuple[int, str]]:
    """(line, ``module.name``) of what ``from pengine... import`` statements inside functions import."""
    found: list[tuple[int, str]] = []
    for function in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and _under(node.module or "", ("pengine",)):
                    found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return sorted(set(found))


def test_scheduler_imports_inside_functions_only_to_break_a_cycle() -> None:
    graph = _module_graph("pengine")
    cycles = _cycles(graph)
    for path in sources("pengine"):
        importer = module_name(path).removesuffix(".__init__")
        for line, module in _function_level_imports(path):
            target = module
            while target and target not in graph:
                target = target.rpartition(".")[0]
            assert any(importer in cycle and target in cycle for cycle in cycles), (
                f"{importer}:{line} imports {module} inside a function, but no cycle forces it: move it to the top"
            )


def test_no_import_cycles_in_the_project() -> None:
    """No strongly connected component of more than one module anywhere (imports inside
    functions count, and so do annotation-only imports under ``if TYPE_CHECKING:``, which a type
    checker or any tool reading the source follows; a package importing its own submodule
    through ``from pkg import mod`` counts as importing the package)."""
    found = [
        c
        for package in ("crm", "pengine", "lrmd", "pycorosync", "tools")
        for c in _cycles(_module_graph(package, runtime_only=False))
    ]
    assert not found, f"import cycles: {[sorted(c) for c in found]}"
