"""Fixtures for tests on real kernels in QEMU guests (see vm_harness.py).

* ``vms``        three guests (node1 10.99.0.1, node2 10.99.0.2, node3 10.99.0.3) booted once
                 per test session and shared by every ``vm`` test module.  A module that
                 changes a guest (DRBD resources, IPVS rules, addresses, processes) undoes it
                 when it finishes; a test that kills or cuts guests uses ``vm_factory``.
* ``vm_factory`` ``vm_factory(["a", "b"], mem_mb=384)`` boots a private set of guests,
                 powered off at the end of the test (module-scoped variant: ``VMSet`` in a
                 module fixture of your own, closed in its teardown).

Test modules carry ``pytestmark = [pytest.mark.vm, pytest.mark.xdist_group("vm")]``
(the group is also added here to every ``vm`` test under this directory): under
``pytest -n 2 --dist loadgroup`` all guests then live in one worker, one set at a time.
Tests skip, with the reason, only when QEMU or a Debian kernel is missing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from vm_harness import VMSet, cleanup_workdir, vm_unavailable

SHARED_GUESTS = ("node1", "node2", "node3")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.get_closest_marker("vm") and here in Path(str(item.fspath)).parents \
                and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group("vm"))


def _need_vms() -> None:
    reason = vm_unavailable()
    if reason:
        pytest.skip(f"QEMU guests cannot run here: {reason}")


def _workdir(tag: str) -> Path:
    base = os.environ.get("PACER_VM_WORKDIR") or None
    return Path(tempfile.mkdtemp(prefix=f"pacer-vm-{tag}-", dir=base))


@pytest.fixture(scope="session")
def vms() -> Iterator[VMSet]:
    _need_vms()
    workdir = _workdir("shared")
    try:
        guests = VMSet(workdir, SHARED_GUESTS)
    except BaseException:
        cleanup_workdir(workdir)
        raise
    try:
        yield guests
    finally:
        guests.close()
        cleanup_workdir(workdir)


@pytest.fixture
def vm_factory() -> Iterator[Callable[..., VMSet]]:
    _need_vms()
    made: list[tuple[VMSet, Path]] = []

    def make(names: list[str], **kwargs: Any) -> VMSet:
        workdir = _workdir("own")
        try:
            guests = VMSet(workdir, names, **kwargs)
        except BaseException:
            cleanup_workdir(workdir)
            raise
        made.append((guests, workdir))
        return guests

    try:
        yield make
    finally:
        for guests, workdir in made:
            guests.close()
            cleanup_workdir(workdir)
