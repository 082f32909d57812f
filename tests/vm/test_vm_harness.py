"""The VM harness itself: guests boot the stock kernel, run commands, and their links cut."""

from __future__ import annotations

import pytest
from vm_harness import VMError, VMSet

pytestmark = [pytest.mark.vm, pytest.mark.xdist_group("vm")]


def test_vm_guests_run_the_stock_kernel_with_drbd_and_ipvs(vms: VMSet) -> None:
    node1 = vms["node1"]
    assert node1.check("uname -r").strip() == vms.files.release
    assert node1.check("hostname").strip() == "node1"
    node1.check("modprobe drbd && modprobe ip_vs")
    assert node1.check("head -1 /proc/drbd").startswith("version: 8.4")
    assert "IP Virtual Server" in node1.check("cat /proc/net/ip_vs")
    res = node1.run("echo out; echo err >&2; exit 3")
    assert (res.rc, res.out, res.err) == (3, "out\n", "err\n")
    with pytest.raises(VMError):
        node1.check("false")
    node1.write_file("/run/probe", "a\nb\n")
    assert node1.read_file("/run/probe") == "a\nb\n"
    assert node1.run("sleep 5", timeout=1).rc == 137  # killed at its timeout


def test_vm_switch_cuts_and_heals_links(vms: VMSet) -> None:
    node1 = vms["node1"]
    ping2 = "ping -c1 -W1 10.99.0.2 >/dev/null"
    node1.wait_for(ping2, timeout=20)
    vms.net.cut("node1", "node2")
    try:
        assert node1.run(ping2).rc != 0
        assert node1.run("ping -c1 -W2 node3 >/dev/null").rc == 0  # only that pair is cut
    finally:
        vms.net.heal()
    node1.wait_for(ping2, timeout=20)
    node1.set_link(False)
    try:
        assert node1.run(ping2).rc != 0
    finally:
        node1.set_link(True)
    node1.wait_for(ping2, timeout=20)
