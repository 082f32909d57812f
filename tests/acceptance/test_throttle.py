"""The DC's load throttle on a live sandbox, on both transports: each node reports its load
mode to the DC, which runs at most that node's job limit of resource actions there at once."""

from __future__ import annotations

import os
import time
from pathlib import Path

from lxml import etree
from sandbox_harness import Cluster, cluster, copies, eventually, sampled

__all__ = ["cluster"]

NAMES = ("d1", "d2", "d3")


def _agents_running(node_dir: str) -> int:
    """Dummy actions of NAMES running now for the node whose state is under ``node_dir``."""
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes()
            if b"Dummy" not in cmdline:
                continue
            environ = Path(entry.path, "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        instance = next((v[len(b"OCF_RESOURCE_INSTANCE="):] for v in environ
                         if v.startswith(b"OCF_RESOURCE_INSTANCE=")), b"").decode()
        here = any(v.startswith(b"HA_RSCTMP=") and node_dir.encode() in v for v in environ)
        if here and instance in NAMES:
            count += 1
    return count


def test_a_node_under_high_load_runs_one_action_at_a_time(cluster: Cluster) -> None:
    """``load-threshold`` so low that any load is high: every node reports high load, and the
    DC runs one action at a time on node1 where three slow resources go (without the
    throttle the probes and starts run side by side; a node the DC has not heard from
    would count as under low load and run half its maximum)."""
    for name, value in (("stonith-enabled", "false"), ("load-threshold", "0.0001%")):
        assert cluster.on(1, "crm_attribute", "-t", "crm_config", "-n", name, "-v", value).returncode == 0
    time.sleep(3)  # the nodes report again when the configuration changes
    config = etree.fromstring(cluster.on(1, "cibadmin", "-Q", "-o", "configuration").stdout.encode())
    resources, constraints = config.find("resources"), config.find("constraints")
    assert resources is not None and constraints is not None
    for name in NAMES:
        primitive = etree.SubElement(resources, "primitive", id=name, attrib={"class": "ocf"}, provider="pacer",
                                     type="Dummy")
        params = etree.SubElement(primitive, "instance_attributes", id=f"{name}-i")
        etree.SubElement(params, "nvpair", id=f"{name}-sleep", name="op_sleep", value="1")
        etree.SubElement(constraints, "rsc_location", id=f"{name}-on-1", rsc=name, node="node1", score="INFINITY")
    node1 = str(Path(cluster.directory) / "node1") + "/"
    with sampled(lambda: _agents_running(node1)) as seen:
        assert cluster.on(1, "cibadmin", "--replace", "-o", "configuration", "-X",
                          etree.tostring(config).decode()).returncode == 0
        eventually("the resources on node1", lambda: all(copies(cluster, name) == [1] for name in NAMES),
                   timeout=150)
    assert max(seen) == 1, sorted(set(seen))
