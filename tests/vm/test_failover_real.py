"""End to end on real kernels: a two-node pacer cluster over Corosync between two guests,
running the seed documents' stack (a DRBD promotable clone, a Filesystem on /dev/drbd0,
IPaddr2 and apache serving a file from the DRBD disk), and a third guest as the client.

The guest running the services is hard-killed (SIGKILL to its QEMU process): the services
come up on the other node, the client reaches the VIP again and gets the same bytes
(checksums), and the time from the kill to the first good answer is reported.  The killed
guest then boots again, rejoins, and DRBD resyncs it while the services stay put.
"""

from __future__ import annotations

import hashlib
import shlex
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from drbd_bench import DRBD_CONF
from vm_harness import Guest, VMSet

pytestmark = [pytest.mark.vm, pytest.mark.xdist_group("vm")]

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
NODES = ("node1", "node2")
VIP = "10.99.0.100"

COROSYNC_CONF = """totem {
    version: 2
    cluster_name: vmfail
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: 3000
}
nodelist {
    node {
        ring0_addr: 10.99.0.1
        name: node1
        nodeid: 1
    }
    node {
        ring0_addr: 10.99.0.2
        name: node2
        nodeid: 2
    }
}
quorum {
    provider: corosync_votequorum
    two_node: 1
}
logging {
    to_syslog: no
    to_logfile: yes
    logfile: /var/log/corosync.log
    to_stderr: no
}
"""

HTTPD_CONF = """ServerRoot /etc/apache2
PidFile /run/www/httpd.pid
ErrorLog /run/www/error.log
Mutex file:/run/www
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule status_module /usr/lib/apache2/modules/mod_status.so
User www-data
Group www-data
Listen 80
ServerName vmfail
DocumentRoot /srv/www
<Directory /srv/www>
    Require all granted
</Directory>
<Location /server-status>
    SetHandler server-status
    Require all granted
</Location>
"""

CIB_RESOURCES = f"""<resources>
  <clone id="ms_drbd">
    <meta_attributes id="ms_drbd-meta">
      <nvpair id="ms_drbd-promotable" name="promotable" value="true"/>
      <nvpair id="ms_drbd-promoted-max" name="promoted-max" value="1"/>
      <nvpair id="ms_drbd-clone-max" name="clone-max" value="2"/>
      <nvpair id="ms_drbd-notify" name="notify" value="true"/>
    </meta_attributes>
    <primitive id="drbd_r0" class="ocf" provider="pacer" type="drbd">
      <instance_attributes id="drbd_r0-params">
        <nvpair id="drbd_r0-res" name="drbd_resource" value="r0"/>
      </instance_attributes>
      <operations>
        <op id="drbd_r0-mon-p" name="monitor" interval="9s" role="Promoted" timeout="60s"/>
        <op id="drbd_r0-mon-u" name="monitor" interval="11s" role="Unpromoted" timeout="60s"/>
        <op id="drbd_r0-start" name="start" interval="0" timeout="120s"/>
        <op id="drbd_r0-promote" name="promote" interval="0" timeout="120s"/>
        <op id="drbd_r0-demote" name="demote" interval="0" timeout="120s"/>
        <op id="drbd_r0-stop" name="stop" interval="0" timeout="120s"/>
        <op id="drbd_r0-notify" name="notify" interval="0" timeout="60s"/>
      </operations>
    </primitive>
  </clone>
  <group id="web">
    <primitive id="fs" class="ocf" provider="pacer" type="Filesystem">
      <instance_attributes id="fs-params">
        <nvpair id="fs-dev" name="device" value="/dev/drbd0"/>
        <nvpair id="fs-dir" name="directory" value="/srv/www"/>
        <nvpair id="fs-type" name="fstype" value="ext4"/>
      </instance_attributes>
      <operations><op id="fs-mon" name="monitor" interval="20s" timeout="60s"/>
        <op id="fs-start" name="start" interval="0" timeout="120s"/>
        <op id="fs-stop" name="stop" interval="0" timeout="120s"/></operations>
    </primitive>
    <primitive id="vip" class="ocf" provider="pacer" type="IPaddr2">
      <instance_attributes id="vip-params">
        <nvpair id="vip-ip" name="ip" value="{VIP}"/>
        <nvpair id="vip-mask" name="cidr_netmask" value="24"/>
        <nvpair id="vip-nic" name="nic" value="eth0"/>
      </instance_attributes>
      <operations><op id="vip-mon" name="monitor" interval="10s" timeout="60s"/>
        <op id="vip-start" name="start" interval="0" timeout="120s"/>
        <op id="vip-stop" name="stop" interval="0" timeout="120s"/></operations>
    </primitive>
    <primitive id="www" class="ocf" provider="pacer" type="apache">
      <instance_attributes id="www-params">
        <nvpair id="www-conf" name="configfile" value="/etc/vmfail/httpd.conf"/>
        <nvpair id="www-url" name="statusurl" value="http://127.0.0.1/server-status"/>
        <nvpair id="www-env" name="envfiles" value=""/>
      </instance_attributes>
      <operations><op id="www-mon" name="monitor" interval="10s" timeout="60s"/>
        <op id="www-start" name="start" interval="0" timeout="120s"/>
        <op id="www-stop" name="stop" interval="0" timeout="120s"/></operations>
    </primitive>
  </group>
</resources>"""

CIB_CONSTRAINTS = """<constraints>
  <rsc_colocation id="web-on-drbd" rsc="web" with-rsc="ms_drbd" with-rsc-role="Promoted" score="INFINITY"/>
  <rsc_order id="drbd-before-web" first="ms_drbd" first-action="promote" then="web" then-action="start"/>
</constraints>"""

CIB_PROPERTIES = """<crm_config><cluster_property_set id="cib-bootstrap-options">
  <nvpair id="opt-stonith" name="stonith-enabled" value="false"/>
  <nvpair id="opt-quorum" name="no-quorum-policy" value="ignore"/>
</cluster_property_set></crm_config>"""


def step(what: str) -> None:
    print(f"[{time.strftime('%T')}] {what}", flush=True)


def pacer(guest: Guest, command: str, timeout: float = 60) -> str:
    """A pacer command in the guest, with pacer's tools first on PATH."""
    return guest.check(f"export PATH={BIN}:$PATH; {command}", timeout=timeout)


def prepare_node(guest: Guest) -> None:
    """Configuration on a freshly booted guest (its root is a throwaway overlay)."""
    guest.check("modprobe drbd && modprobe ext4")
    guest.write_file("/etc/drbd.conf", DRBD_CONF)
    guest.write_file("/etc/corosync/corosync.conf", COROSYNC_CONF)
    guest.write_file("/etc/vmfail/httpd.conf", HTTPD_CONF)
    guest.check("mkdir -p /run/www /srv/www /var/log /var/lib/pacer /run/pacer && chown www-data /run/www")


def start_cluster_node(guest: Guest) -> None:
    guest.check("corosync && for i in $(seq 90); do corosync-cfgtool -s >/dev/null 2>&1 && exit 0; sleep 1; done; "
                "tail -20 /var/log/corosync.log; exit 1", timeout=120)
    guest.spawn(f"export PATH={BIN}:$PATH; exec pacerd", log="/var/log/pacerd.log")


def diagnostics(guests: list[Guest]) -> str:
    parts = []
    for g in guests:
        if g.alive():
            res = g.run(f"export PATH={BIN}:$PATH; crm_mon -1 2>&1 | head -40; cat /proc/drbd | tail -2; "
                        "tail -25 /var/log/pacerd.log; ls /run/pacer", timeout=60)
            parts.append(f"---- {g.name}:\n{res.out}{res.err}")
    return "\n".join(parts)


def wait_until(what: str, probe: Callable[[], bool], timeout: float, interval: float = 1.0,
               guests: list[Guest] | None = None) -> float:
    start = time.monotonic()
    while not probe():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout}s: {what}\n{diagnostics(guests or [])}")
        time.sleep(interval)
    took = time.monotonic() - start
    print(f"[{time.strftime('%T')}] {what}: {took:.1f} s", flush=True)
    return took


def web_location(guest: Guest) -> str | None:
    res = guest.run(f"export PATH={BIN}:$PATH; crm_resource --resource www --locate 2>/dev/null", timeout=60)
    for line in res.out.splitlines():
        if "is running on:" in line:
            return line.split("is running on:")[1].split()[0]
    return None


def fetch(client: Guest, path: str = "/data.bin") -> bytes | None:
    res = client.run(f"curl -fsS --max-time 3 http://{VIP}{path} | base64 -w0", timeout=30)
    if res.rc != 0 or not res.out.strip():
        return None
    import base64
    return base64.b64decode(res.out.strip())


def test_failover_after_hard_kill_drbd_filesystem_ip_apache(vm_factory: Callable[..., VMSet]) -> None:
    vms = vm_factory(["node1", "node2", "client"], mem_mb=768, root_mb=256)
    nodes = {n: vms[n] for n in NODES}
    client = vms["client"]
    for g in nodes.values():
        prepare_node(g)
        g.check("drbdadm -- --force create-md r0 >/dev/null 2>&1 && drbdadm up r0")
    # initial data: node1's fresh disk is declared current (both are zeros), a filesystem
    # and a file of random bytes go on it, then DRBD is handed to the cluster
    n1 = nodes["node1"]
    n1.wait_for("drbdsetup events2 --now r0 | grep -q connection:Connected", timeout=60)
    n1.check("drbdadm -- --clear-bitmap new-current-uuid r0 && drbdadm primary r0 && mkfs.ext4 -q -F /dev/drbd0 "
             "&& mount /dev/drbd0 /srv/www && head -c 262144 /dev/urandom > /srv/www/data.bin "
             "&& echo '<html>vmfail</html>' > /srv/www/index.html && umount /srv/www && drbdadm secondary r0",
             timeout=120)
    n1.wait_for("drbdsetup events2 --now r0 | grep -q peer-disk:UpToDate", timeout=60)
    for g in nodes.values():
        g.check("drbdadm down r0")
    step("DRBD ready; starting corosync and pacerd")
    for g in nodes.values():
        start_cluster_node(g)
    step("started")
    wait_until("both nodes online in crm_mon",
               lambda: "Online: [ node1 node2 ]" in n1.run(f"export PATH={BIN}:$PATH; crm_mon -1 2>&1").out,
               timeout=240, interval=3, guests=list(nodes.values()))
    step("loading the configuration")
    # one write, so that the scheduler never sees the resources without their constraints
    node_list = pacer(n1, "cibadmin -Q -o nodes").strip()
    configuration = f"<configuration>{CIB_PROPERTIES}{node_list}{CIB_RESOURCES}{CIB_CONSTRAINTS}</configuration>"
    pacer(n1, f"cibadmin --replace -o configuration -X {shlex.quote(configuration)}")
    wait_until("the web group answers on the VIP", lambda: fetch(client) is not None, timeout=300, interval=3,
               guests=list(nodes.values()))
    original = fetch(client)
    assert original is not None and len(original) == 262144
    digest = hashlib.sha256(original).hexdigest()
    owner = web_location(n1)
    assert owner in NODES
    survivor = "node2" if owner == "node1" else "node1"

    killed_at = time.monotonic()
    nodes[owner].kill()
    recovery = wait_until("the VIP answers again after the hard kill", lambda: fetch(client) is not None,
                          timeout=300, interval=1, guests=[nodes[survivor]])
    after = fetch(client)
    assert after is not None and hashlib.sha256(after).hexdigest() == digest
    assert web_location(nodes[survivor]) == survivor
    step(f"failover: {owner} hard-killed, the VIP served the same bytes from {survivor} "
         f"{recovery:.1f} s after the kill (checked {time.monotonic() - killed_at:.1f} s after it)")

    # the killed guest comes back, rejoins, and DRBD resyncs it; the services stay put
    back = nodes[owner]
    back.start()
    prepare_node(back)
    start_cluster_node(back)
    back.wait_for("drbdsetup events2 --now r0 | grep -q 'disk:UpToDate' && "
                  "drbdsetup events2 --now r0 | grep -q 'connection:Connected'", timeout=300)
    assert nodes[survivor].check("drbdadm role r0").startswith("Primary")
    assert back.check("drbdadm role r0").startswith("Secondary")
    again = fetch(client)
    assert again is not None and hashlib.sha256(again).hexdigest() == digest
