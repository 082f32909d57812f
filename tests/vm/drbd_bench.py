"""Run DRBD resource agents on real DRBD 8.4 in two guests (node1, node2 of the ``vms`` set).

Each guest has ``/dev/vda`` as the backing disk of resource ``r0`` (protocol C, internal
meta data, short ping/connect intervals so that link loss shows within seconds).  There is
no cluster in the guests: small shell stand-ins for ``crm_attribute`` (and so
``crm_master``) and ``crm_resource --locate`` keep the promotion scores the agents set in
``/run/drbd-cl/attrs/<name>`` and answer with the cluster view a test hands over; every
call is logged in ``/run/drbd-cl/calls``.  An action killed at its timeout counts as rc 1,
as the executor records it.
"""

from __future__ import annotations

import concurrent.futures
import shlex
from pathlib import Path

from vm_harness import Guest, VMSet

REPO = Path(__file__).resolve().parents[2]
AGENTS = {"pacer": str(REPO / "agents" / "drbd"), "linbit": "/usr/lib/ocf/resource.d/linbit/drbd"}
NODES = ("node1", "node2")
TIMEOUT_RC = 1
CL = "/run/drbd-cl"

DRBD_CONF = """global { usage-count no; }
resource r0 {
  net { protocol C; ping-int 2; ping-timeout 10; connect-int 2; }
  disk { resync-rate 100M; c-max-rate 200M; }
  device /dev/drbd0; disk /dev/vda; meta-disk internal;
  on node1 { address 10.99.0.1:7789; }
  on node2 { address 10.99.0.2:7789; }
}
"""

CRM_ATTRIBUTE = r"""#!/bin/sh
# crm_attribute stand-in: transient attributes of this node in $CL/attrs/<name>
echo "crm_attribute $*" >> @CL@/calls
node=$(hostname) name= value= op=
while [ $# -gt 0 ]; do
  case $1 in
    -N|--node) node=$2; shift;;
    -n|--name) name=$2; shift;;
    -v|--update) value=$2; op=set; shift;;
    -l|--lifetime|-r|--resource|-i|--id|-d) shift;;
    --node=*) node=${1#*=};; --name=*) name=${1#*=};; --update=*) value=${1#*=}; op=set;;
    -D|--delete) op=del;;
    -G|--query) op=get;;
  esac
  shift
done
[ "$node" = "$(hostname)" ] || { echo "crm_attribute stand-in: node $node is not this one" >&2; exit 1; }
case $op in
  set) printf '%s\n' "$value" > @CL@/attrs/"$name";;
  del) rm -f @CL@/attrs/"$name";;
  get) [ -f @CL@/attrs/"$name" ] || { echo "Error performing operation: No such device or address" >&2; exit 105; }
       cat @CL@/attrs/"$name";;
  *) exit 2;;
esac
"""

CRM_RESOURCE = r"""#!/bin/sh
# crm_resource --locate stand-in: the cluster view handed over in CLUSTER_ACTIVE/CLUSTER_PROMOTED
echo "crm_resource $*" >> @CL@/calls
rsc=
for a in "$@"; do case $prev in -r|--resource) rsc=$a;; esac; prev=$a; done
case " $* " in *" --locate "*|*" -W "*) ;; *) exit 0;; esac
for n in $CLUSTER_ACTIVE; do
  case " $CLUSTER_PROMOTED " in *" $n "*) echo "resource $rsc is running on: $n Promoted";;
                                 *) echo "resource $rsc is running on: $n";; esac
done
"""

# ra AGENT ACTION TIMEOUT_S INTERVAL_MS [VAR=value ...]: one action as the executor runs it.
# Without CLUSTER_ACTIVE/CLUSTER_PROMOTED given, the cluster view is the truth as DRBD shows
# it here: this node if r0 is up, the peer if connected, with their roles.
RUN_AGENT = r"""#!/bin/sh
agent=$1 action=$2 tmo=$3 interval=$4; shift 4
me=$(hostname)
case " $* " in
  *" CLUSTER_ACTIVE="*) ;;
  *) peer=node1; [ "$me" = node1 ] && peer=node2
     ev=$(drbdsetup events2 --now r0 2>/dev/null)
     active= promoted= unpromoted=
     role=$(echo "$ev" | sed -n 's/^exists resource .*role:\([A-Za-z]*\).*/\1/p')
     if [ -n "$role" ]; then
       active=$me; [ "$role" = Primary ] && promoted=$me || unpromoted=$me
       if echo "$ev" | grep -q "^exists connection .*connection:Connected"; then
         active="$active $peer"
         echo "$ev" | grep -q "^exists connection .*role:Primary" && promoted="$promoted $peer" || unpromoted="$unpromoted $peer"
       fi
     fi
     set -- CLUSTER_ACTIVE="$active" CLUSTER_PROMOTED="$promoted" \
       OCF_RESKEY_CRM_meta_notify_active_uname="${active:- }" \
       OCF_RESKEY_CRM_meta_notify_promoted_uname="${promoted:- }" OCF_RESKEY_CRM_meta_notify_master_uname="${promoted:- }" \
       OCF_RESKEY_CRM_meta_notify_unpromoted_uname="${unpromoted:- }" OCF_RESKEY_CRM_meta_notify_slave_uname="${unpromoted:- }" "$@";;
esac
set -- OCF_RESKEY_CRM_meta_interval=$interval "$@"
env -i PATH=@CL@/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 OCF_ROOT=/usr/lib/ocf \
  OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 OCF_RESOURCE_INSTANCE=drbd_r0 \
  OCF_EXIT_REASON_PREFIX=ocf-exit-reason: OCF_RESKEY_drbd_resource=r0 \
  OCF_RESKEY_CRM_meta_timeout=$((tmo * 1000)) OCF_RESKEY_crm_feature_set=3.16.2 \
  OCF_RESKEY_CRM_meta_on_node=$me OCF_RESKEY_CRM_meta_on_node_uuid=$me \
  OCF_RESKEY_CRM_meta_clone_max=2 OCF_RESKEY_CRM_meta_clone_node_max=1 \
  OCF_RESKEY_CRM_meta_master_max=1 OCF_RESKEY_CRM_meta_master_node_max=1 \
  OCF_RESKEY_CRM_meta_promoted_max=1 OCF_RESKEY_CRM_meta_promoted_node_max=1 \
  OCF_RESKEY_CRM_meta_notify=true "$@" \
  timeout -s KILL "$tmo" "$agent" "$action" >>@CL@/agent.log 2>&1
rc=$?
[ $rc -eq 137 ] && rc=@TIMEOUT_RC@
exit $rc
"""


class DrbdBench:
    """Resource r0 on node1/node2, driven through one agent ("pacer" or "linbit")."""

    def __init__(self, vms: VMSet, agent: str) -> None:
        self.vms = vms
        self.agent = agent
        self.written: dict[str, str] = {}
        self.attribute_calls: list[str] = []

    def guest(self, node: str) -> Guest:
        return self.vms[node]

    # -- set-up

    def install(self) -> None:
        """DRBD configuration and cluster stand-ins on both guests (once per session)."""
        for node in NODES:
            g = self.guest(node)
            g.check(f"modprobe drbd && mkdir -p {CL}/attrs")
            g.write_file("/etc/drbd.conf", DRBD_CONF)
            for name, text in (("crm_attribute", CRM_ATTRIBUTE), ("crm_resource", CRM_RESOURCE)):
                g.write_file(f"{CL}/bin/{name}", text.replace("@CL@", CL), mode=0o755)
            g.write_file(f"{CL}/ra", RUN_AGENT.replace("@CL@", CL).replace("@TIMEOUT_RC@", str(TIMEOUT_RC)),
                         mode=0o755)

    def fresh(self) -> None:
        """Both sides down, new meta data (Inconsistent), no scores, empty call logs."""
        # udev may still hold the backing device a moment after the last run's "down"
        self.both("drbdadm down r0 2>/dev/null; { udevadm settle || true; } 2>/dev/null; "
                  "drbdadm -- --force create-md r0 >/dev/null 2>&1 && { udevadm settle || true; } 2>/dev/null "
                  f"&& rm -rf {CL}/attrs {CL}/calls {CL}/agent.log && mkdir -p {CL}/attrs")

    def both(self, script: str, timeout: float = 60) -> None:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            for f in [pool.submit(self.guest(n).check, script, timeout) for n in NODES]:
                f.result()

    # -- running agents

    def run(self, node: str, action: str, *, interval_ms: int = 0, timeout: int = 60,
            active: list[str] | None = None, promoted: list[str] | None = None) -> int:
        """One action on ``node``.  The cluster view (``active``, ``promoted``) defaults to
        the truth as DRBD shows it on that node (the peer counts when connected)."""
        view: dict[str, str] = {}
        if active is not None or promoted is not None:
            active = active if active is not None else []
            promoted = promoted if promoted is not None else []
            unpromoted = [n for n in active if n not in promoted]
            view = {
                "CLUSTER_ACTIVE": " ".join(active), "CLUSTER_PROMOTED": " ".join(promoted),
                "OCF_RESKEY_CRM_meta_notify_active_uname": " ".join(active) or " ",
                "OCF_RESKEY_CRM_meta_notify_promoted_uname": " ".join(promoted) or " ",
                "OCF_RESKEY_CRM_meta_notify_master_uname": " ".join(promoted) or " ",
                "OCF_RESKEY_CRM_meta_notify_unpromoted_uname": " ".join(unpromoted) or " ",
                "OCF_RESKEY_CRM_meta_notify_slave_uname": " ".join(unpromoted) or " ",
            }
        if self.agent == "linbit":
            view["OCF_RESKEY_fail_promote_early_if_peer_primary"] = "true"
        args = " ".join(shlex.quote(f"{k}={v}") for k, v in view.items())
        return self.guest(node).run(f"{CL}/ra {AGENTS[self.agent]} {action} {timeout} {interval_ms} {args}",
                                    timeout=timeout + 30).rc

    def run_both(self, action: str, **kwargs: object) -> dict[str, int]:
        """The same action on both nodes at the same time."""
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futures = {n: pool.submit(self.run, n, action, **kwargs) for n in NODES}  # type: ignore[arg-type]
            return {n: f.result() for n, f in futures.items()}

    # -- DRBD's own view

    def state(self, node: str) -> dict[str, str]:
        """role, connection, disk, peer-disk of r0 on ``node`` (role Stopped when down)."""
        out = self.guest(node).run("drbdsetup events2 --now r0").out
        st = {"role": "Stopped", "connection": "-", "disk": "-", "peer-disk": "-"}
        for line in out.splitlines():
            kv = dict(f.split(":", 1) for f in line.split()[2:] if ":" in f)
            if line.startswith("exists resource "):
                st["role"] = kv.get("role", "?")
            elif line.startswith("exists connection "):
                st["connection"] = kv.get("connection", "?")
            elif line.startswith("exists device "):
                st["disk"] = kv.get("disk", "?")
            elif line.startswith("exists peer-device "):
                st["peer-disk"] = kv.get("peer-disk", "?")
        return st

    def roles(self) -> dict[str, str]:
        return {n: self.state(n)["role"] for n in NODES}

    def score(self, node: str) -> int | None:
        res = self.guest(node).run(f"cat {CL}/attrs/master-drbd_r0")
        return int(res.out) if res.rc == 0 else None

    def calls(self, node: str) -> list[str]:
        return self.guest(node).run(f"cat {CL}/calls").out.splitlines()

    def wait(self, node: str, pattern: str, timeout: float = 60) -> None:
        """Wait until ``drbdsetup events2 --now r0`` on ``node`` matches ``pattern`` (ERE)."""
        self.guest(node).wait_for(f"drbdsetup events2 --now r0 | grep -Eq {shlex.quote(pattern)}",
                                  timeout=timeout)

    def connected(self) -> None:
        self.wait("node1", "connection:Connected")
        self.wait("node2", "connection:Connected")

    def disconnected(self) -> None:
        for node in NODES:
            self.wait(node, "connection:(Connecting|StandAlone|WFConnection)")

    def initial_sync(self) -> None:
        """Make node1's data current on both (skips the full sync: both disks are fresh)."""
        self.connected()
        self.guest("node1").check("drbdadm -- --clear-bitmap new-current-uuid r0")
        self.wait("node1", "peer-disk:UpToDate")
        self.wait("node2", "disk:UpToDate")

    def write_data(self, node: str, seed: str) -> str:
        """Write 1 MiB to /dev/drbd0 on ``node`` (must be Primary); returns its sha256."""
        return self.guest(node).check(
            f"yes {shlex.quote(seed)} | head -c 1048576 > /run/data && dd if=/run/data of=/dev/drbd0 bs=1M "
            "oflag=direct 2>/dev/null && sync && sha256sum < /run/data | cut -d' ' -f1").strip()

    def read_data(self, node: str) -> str:
        return self.guest(node).check(
            "dd if=/dev/drbd0 bs=1M count=1 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1").strip()

    def teardown(self) -> None:
        self.both("drbdadm down r0 2>/dev/null; true")

