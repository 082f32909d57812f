"""The ABI guard: pycorosync's hand-written cffi declarations against the real Corosync headers.

A small C program is compiled with gcc against ``<corosync/*.h>``:

* our function prototypes and callback typedefs are pasted after the real headers, so any
  difference is a "conflicting types" compile error;
* it prints ``sizeof``/``offsetof`` of every struct and field we declare, the value of every
  enumerator of our enums and of the ``#define`` constants we mirror; these are compared with
  what pycorosync's ABI-mode FFI computes.

Needs gcc and the -dev packages (Debian: ``gcc libcorosync-common-dev libcpg-dev
libquorum-dev libvotequorum-dev libcmap-dev libcfg-dev``); skips with that reason otherwise.
"""

from __future__ import annotations

import enum
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import pycorosync as pc
from pycorosync import _ffi, _handle, abi
from pycorosync.cmap import CmapMap, CmapType
from pycorosync.cpg import FlowControl, Guarantee

PACKAGES = "gcc libcorosync-common-dev libcpg-dev libquorum-dev libvotequorum-dev libcmap-dev libcfg-dev"

INCLUDES = "#include <stddef.h>\n#include <stdio.h>\n#include <sys/uio.h>\n" + "".join(
    f"#include <{h}>\n" for h in abi.HEADERS
)

#: Python enums and the C prefix of their enumerators
PY_ENUMS: list[tuple[type[enum.IntEnum], str]] = [
    (pc.CsError, "CS_"),
    (pc.CpgReason, "CPG_REASON_"),
    (Guarantee, "CPG_TYPE_"),
    (FlowControl, "CPG_FLOW_CONTROL_"),
    (CmapType, "CMAP_VALUETYPE_"),
    (CmapMap, "CMAP_MAP_"),
    (pc.ShutdownFlags, "COROSYNC_CFG_SHUTDOWN_FLAG_"),
]


def function_names() -> list[str]:
    return re.findall(r"^\s*cs_error_t\s+(\w+)\s*\(", abi.FUNCTIONS, re.M)


def _compile(tmp_path: Path, name: str, source: str) -> subprocess.CompletedProcess[str]:
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    return subprocess.run(
        ["gcc", "-std=gnu11", "-Wall", "-Werror=incompatible-pointer-types", "-o", str(tmp_path / name), str(src)],
        capture_output=True, text=True,
    )


@pytest.fixture(scope="module")
def c_layout(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """``{key: value}`` printed by the probe compiled against the real headers."""
    if shutil.which("gcc") is None:
        pytest.skip(f"gcc not installed (ABI guard needs: apt-get install {PACKAGES})")
    tmp = tmp_path_factory.mktemp("abi")
    if _compile(tmp, "headers", INCLUDES + "int main(void) { return 0; }\n").returncode != 0:
        pytest.skip(f"Corosync headers not installed (ABI guard needs: apt-get install {PACKAGES})")
    lines = ["int main(void) {"]
    for ctype, fields in abi.TYPES.items():
        lines.append(f'    printf("sizeof {ctype}=%zu\\n", sizeof({ctype}));')
        for field in fields:
            lines.append(f'    printf("offsetof {ctype}.{field}=%zu\\n", offsetof({ctype}, {field}));')
    for name in abi.enum_values():
        lines.append(f'    printf("{name}=%lld\\n", (long long)({name}));')
    for name in abi.CONSTANTS:
        lines.append(f'    printf("{name}=%lld\\n", (long long)({name}));')
    lines.append("    return 0;\n}\n")
    source = (
        INCLUDES
        + "\n/* pycorosync's declarations: a mismatch is a 'conflicting types' error */\n"
        + abi.CALLBACK_TYPEDEFS + abi.FUNCTIONS
        + "\n".join(lines)
    )
    built = _compile(tmp, "probe", source)
    assert built.returncode == 0, f"pycorosync's declarations do not match the headers:\n{built.stderr}"
    out = subprocess.run([str(tmp / "probe")], capture_output=True, text=True, check=True).stdout
    return {k: int(v) for k, v in (line.split("=", 1) for line in out.splitlines())}


def test_struct_sizes_and_offsets(c_layout: dict[str, int]) -> None:
    mismatches = []
    for ctype, (size, offsets) in abi.layout().items():
        if c_layout[f"sizeof {ctype}"] != size:
            mismatches.append(f"sizeof({ctype}): C {c_layout[f'sizeof {ctype}']}, pycorosync {size}")
        for field, offset in offsets.items():
            c = c_layout[f"offsetof {ctype}.{field}"]
            if c != offset:
                mismatches.append(f"offsetof({ctype}, {field}): C {c}, pycorosync {offset}")
    assert not mismatches, "\n".join(mismatches)


def test_enum_values(c_layout: dict[str, int]) -> None:
    ours = abi.enum_values()
    assert {k: c_layout[k] for k in ours} == ours


def test_defines(c_layout: dict[str, int]) -> None:
    assert {k: c_layout[k] for k in abi.CONSTANTS} == abi.CONSTANTS


def test_prototypes_compile_against_headers(c_layout: dict[str, int]) -> None:
    # the fixture compiled them; this test names the check
    assert len(function_names()) > 50


# ----------------------------------------------------------------------- no compiler needed
def test_python_enums_match_the_cdef() -> None:
    cvalues = abi.enum_values()
    for py_enum, prefix in PY_ENUMS:
        for member in py_enum:
            assert cvalues[prefix + member.name] == member.value, f"{py_enum.__name__}.{member.name}"
    assert cvalues["CS_DISPATCH_ALL"] == _handle.CS_DISPATCH_ALL
    assert cvalues["CS_DISPATCH_ONE_NONBLOCKING"] == _handle.CS_DISPATCH_ONE_NONBLOCKING
    assert cvalues["CPG_MODEL_V1"] == 1 and cvalues["QUORUM_MODEL_V1"] == 1


def test_every_declared_type_is_in_the_table() -> None:
    declared = set(re.findall(r"^struct (\w+) \{", abi.CDEF, re.M))
    declared |= set(re.findall(r"^\} (\w+_t);", abi.CDEF, re.M))
    declared -= set(abi.ENUMS)
    table = {t.removeprefix("struct ") for t in abi.TYPES}
    assert declared <= table, declared - table


def test_libraries_export_every_declared_function() -> None:
    try:
        libs = {name: _ffi.load(name) for name in abi.SONAMES}
    except pc.CorosyncUnavailable as exc:
        pytest.skip(f"Corosync client libraries not installed (apt-get install corosync): {exc}")
    prefixes = {"cpg_": "cpg", "quorum_": "quorum", "votequorum_": "votequorum", "cmap_": "cmap",
                "corosync_cfg_": "cfg"}
    missing = []
    for fn in function_names():
        lib = next(libs[v] for p, v in prefixes.items() if fn.startswith(p))
        try:
            getattr(lib, fn)
        except AttributeError:
            missing.append(fn)
    assert not missing
