"""A live sandbox driven only through the commands a user has (``pacer-sandbox``, the CLIs):
shared by the acceptance tests."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")
BIN = Path(sys.executable).parent
DUMMY = (
    '<primitive id="d1" class="ocf" provider="pacer" type="Dummy">'
    '<meta_attributes id="d1-m"><nvpair id="d1-s" name="resource-stickiness" value="100"/></meta_attributes>'
    '<operations><op id="d1-mon" name="monitor" interval="2s"/></operations></primitive>'
)


def sandbox(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    result = subprocess.run([str(BIN / "pacer-sandbox"), *args], capture_output=True, text=True, env=env,
                            timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"pacer-sandbox {' '.join(args)} exited {result.returncode}: {result.stdout}{result.stderr}")
    return result


class Cluster:
    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.alive = {1, 2, 3}

    def on(self, k: int, *cmd: str) -> subprocess.CompletedProcess[str]:
        return sandbox("run", "--dir", self.directory, str(k), "--", *cmd, check=False, timeout=60)

    def any_alive(self, but: int | None = None) -> int:
        return min(k for k in self.alive if k != but)

    def dc(self, timeout: float = 30) -> str:
        """The DC crm_mon shows (the new DC records itself as it takes over: wait for it)."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.on(self.any_alive(), "crm_mon", "-1").stdout
            match = re.search(r"Current DC: (node\d)", out)
            if match:
                return match.group(1)
            assert time.monotonic() < deadline, out
            time.sleep(0.2)

    def locate(self, k: int) -> list[str]:
        out = self.on(k, "crm_resource", "--locate", "-r", "d1").stdout
        match = re.search(r"is running on: (.*)", out)
        return match.group(1).split() if match else []

    def wait_running(self, where: set[str] | None = None, timeout: float = 30) -> list[str]:
        deadline = time.monotonic() + timeout
        nodes: list[str] = []
        while time.monotonic() < deadline:
            nodes = self.locate(self.any_alive())
            if len(nodes) == 1 and (where is None or nodes[0] in where):
                return nodes
            time.sleep(0.2)
        raise AssertionError(f"d1 runs on {nodes}, expected one of {where}")

    def move(self, node: str) -> None:
        if self.locate(self.any_alive()) == [node]:
            return
        assert self.on(self.any_alive(), "crm_resource", "--move", "-r", "d1", "-N", node).returncode == 0
        self.wait_running({node})
        assert self.on(self.any_alive(), "crm_resource", "--clear", "-r", "d1").returncode == 0

    def kill(self, k: int) -> None:
        sandbox("kill", "--dir", self.directory, str(k))
        self.alive.discard(k)

    def restart(self, k: int) -> None:
        sandbox("start", "--dir", self.directory, str(k))
        self.alive.add(k)
        deadline = time.monotonic() + 30
        while "node" + str(k) not in self.on(self.any_alive(but=k), "crm_node", "-p").stdout:
            assert time.monotonic() < deadline
            time.sleep(0.2)


def _cluster(request: pytest.FixtureRequest, *extra: str) -> Iterator[Cluster]:
    transport = request.param
    if transport == "corosync" and (os.geteuid() != 0 or shutil.which("corosync") is None):
        pytest.skip("the corosync sandbox needs root and corosync")
    directory = tempfile.mkdtemp(prefix="pfo", dir="/tmp")
    try:
        sandbox("up", "3", "--dir", directory, "--transport", transport, "--token", "1000", *extra)
        yield Cluster(directory)
    finally:
        sandbox("down", "--dir", directory, check=False)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=["embedded", pytest.param("corosync", marks=pytest.mark.root)])
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    yield from _cluster(request)


@pytest.fixture(params=["embedded", pytest.param("corosync", marks=pytest.mark.root)])
def fenced_cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """A sandbox with fencing on: the sandbox-fence device kills and restarts a lost node."""
    yield from _cluster(request, "--fencing")


def copies(cluster: Cluster, rsc: str = "d1") -> list[int]:
    """Nodes whose agent state says ``rsc`` (a Dummy) runs there, read from their disks."""
    return [k for k in (1, 2, 3) if (Path(cluster.directory) / f"node{k}" / "state" / "rsctmp" /
                                     f"Dummy-{rsc}.state").exists()]


def sampled_copies(cluster: Cluster, rsc: str = "d1") -> contextlib.AbstractContextManager[list[list[int]]]:
    """``copies`` sampled every 50 ms while the block runs: the list of what each sample saw."""
    return sampled(lambda: copies(cluster, rsc))


@contextlib.contextmanager
def sampled(look: Callable[[], T]) -> Iterator[list[T]]:
    """``look()`` called every 50 ms while the block runs: the list of what it returned."""
    seen: list[T] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            seen.append(look())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        yield seen
    finally:
        stop.set()
        sampler.join()


def eventually(what: str, predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(0.2)
