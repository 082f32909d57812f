"""Resource agents known to the migration: positional parameter names, IP specs, classes.

``OCF_PARAMETERS`` is the table haresources2cib.py (Pacemaker 0.6.6 - 1.0.3) used to map
``Type::a::b`` arguments onto OCF parameter names.  The lists of the first types are the
historical ones; for the agents the historical tool listed "in agent order", the order is
taken from the agents' meta-data (resource-agents 4.12 / Pacemaker 2.1), which agrees on
the leading parameters, the only ones a haresources line ever used.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path

OCF_PARAMETERS: dict[str, tuple[str, ...]] = {
    "apache": ("configfile", "httpd", "port", "statusurl", "options", "testregex"),
    "IPaddr": ("ip", "nic", "cidr_netmask", "broadcast", "iflabel", "lvs_support",
               "local_stop_script", "local_start_script", "ARP_INTERVAL_MS", "ARP_REPEAT",
               "ARP_BACKGROUND", "ARP_NETMASK"),
    "IPaddr2": ("ip", "nic", "cidr_netmask", "broadcast", "iflabel", "lvs_support", "mac",
                "clusterip_hash", "arp_interval", "arp_count", "arp_bg", "arp_mac"),
    "Filesystem": ("device", "directory", "fstype", "options", "ocfs2_cluster", "ocfs2_configfs"),
    "MailTo": ("email", "subject"),
    "Delay": ("startdelay", "stopdelay", "mondelay"),
    "IPsrcaddr": ("ipaddress",),
    "IPv6addr": ("ipv6addr",),
    "LVM": ("volgrpname",),
    "Raid1": ("raidconf", "raiddev", "homehost"),
    "LinuxSCSI": ("scsi",),
    "portblock": ("protocol", "portno", "action"),
    "Xinetd": ("service",),
    "WinPopup": ("hostfile",),
    "AudibleAlarm": ("nodelist",),
    "ICP": ("driveid", "device"),
    "ServeRAID": ("serveraid", "mergegroup"),
    "db2": ("instance", "admin"),
    "oracle": ("sid", "home", "user", "ipcrm", "clear_backupmode", "shutdown_method"),
    "oralsnr": ("sid", "home", "user", "listener"),
    "mysql": ("binary", "config", "datadir", "user", "group", "log", "pid", "socket",
              "test_table", "test_user", "test_passwd", "enable_creation", "additional_parameters"),
    "pgsql": ("pgctl", "start_opt", "ctl_opt", "psql", "pgdata", "pgdba", "pghost", "pgport",
              "pgdb", "logfile", "stop_escalate"),
    "tomcat": ("tomcat_name", "script_log", "tomcat_stop_timeout", "tomcat_suspend_trialcount",
               "tomcat_user", "statusurl", "java_home", "catalina_home", "catalina_pid"),
    "SAPDatabase": ("SID", "DIR_EXECUTABLE", "DBTYPE", "NETSERVICENAME", "DBJ2EE_ONLY", "JAVA_HOME",
                    "STRICT_MONITORING", "AUTOMATIC_RECOVER", "DIR_BOOTSTRAP", "DIR_SECSTORE",
                    "DB_JARS", "PRE_START_USEREXIT", "POST_START_USEREXIT", "PRE_STOP_USEREXIT",
                    "POST_STOP_USEREXIT"),
    "SAPInstance": ("InstanceName", "DIR_EXECUTABLE", "DIR_PROFILE", "START_PROFILE",
                    "START_WAITTIME", "AUTOMATIC_RECOVER", "PRE_START_USEREXIT",
                    "POST_START_USEREXIT", "PRE_STOP_USEREXIT", "POST_STOP_USEREXIT"),
    "Xen": ("xmfile", "allow_migrate", "allow_mem_management", "reserved_Dom0_memory", "monitor_scripts"),
    "drbd": ("drbd_resource", "drbdconf", "clone_overrides_hostname", "ignore_deprecation"),
    "pingd": ("pidfile", "user", "dampen", "set", "name", "section", "multiplier", "host_list"),
    "iscsi": ("portal", "target", "discovery_type", "iscsiadm", "udev"),
    "o2cb": ("netdev", "port", "ocfs2_cluster"),
    "rsyncd": ("binpath", "conffile", "bwlimit"),
    "WAS": ("config", "port"),
    "WAS6": ("profile",),
    "eDir88": ("eDir_config_file", "eDir_monitor_ldap", "eDir_monitor_idm", "eDir_jvm_initial_heap",
               "eDir_jvm_max_heap", "eDir_jvm_options"),
    "ids": ("informixdir", "informixserver", "onconfig", "dbname", "sqltestquery"),
    "ClusterMon": ("user", "update", "extra_options", "pidfile", "htmlfile"),
    "Dummy": ("state",),
    "Stateful": ("state",),
    "SysInfo": ("pidfile", "delay"),
    "SendArp": ("ip", "nic", "background"),
    "VIPArip": ("ip", "nic"),
    "ManageRAID": ("raidname",),
    "ManageVE": ("veid",),
    "Pure-FTPd": ("script", "conffile", "daemon_type", "pidfile"),
    "EvmsSCC": (),
    "Evmsd": (),
}

#: Types whose historical monitor was 5s/5s instead of 120s/60s.
FAST_MONITOR_TYPES = frozenset({"IPaddr", "IPaddr2", "IPsrcaddr", "IPv6addr"})

#: OCF provider of each table type in a current installation (default ``heartbeat``).
MODERN_PROVIDER: dict[str, str] = {
    "drbd": "linbit",
    "ClusterMon": "pacemaker",
    "Stateful": "pacemaker",
    "SysInfo": "pacemaker",
    "o2cb": "pacemaker",
    "Dummy": "pacemaker",
}

#: Historical IP slots: position in the IPaddr/IPaddr2 parameter list.
IP_SLOT, NIC_SLOT, NETMASK_SLOT, BROADCAST_SLOT = 0, 1, 2, 3

_IFACE = re.compile(r"^[A-Za-z0-9_.@-]{1,15}$")


def is_dotted(text: str) -> bool:
    return len(text.split(".")) == 4


def historical_ip_slots(spec: str) -> dict[int, str]:
    """Split ``ip[/bits][/nic][/broadcast]`` the way haresources2cib.py did (no validation)."""
    fields = spec.split("/")
    slots = {IP_SLOT: fields[0]}
    for item in fields[1:]:
        if is_dotted(item):
            slots[BROADCAST_SLOT] = item
            break
        if item.isdigit():
            slots[NETMASK_SLOT] = item
        else:
            slots[NIC_SLOT] = item
    return slots


@dataclass(frozen=True)
class IpSpec:
    ip: str
    cidr_netmask: int | None = None
    nic: str | None = None
    broadcast: str | None = None


class IpSpecError(ValueError):
    pass


def parse_ip_spec(spec: str) -> IpSpec:
    """Validate ``ip[/bits][/nic][/broadcast]`` (bits and nic in any order, broadcast last)."""
    fields = spec.split("/")
    try:
        ip = ipaddress.IPv4Address(fields[0])
    except ValueError:
        raise IpSpecError(f"{fields[0]!r} is not an IPv4 address (in IP spec {spec!r})") from None
    cidr: int | None = None
    nic: str | None = None
    broadcast: str | None = None
    rest = fields[1:]
    for index, item in enumerate(rest):
        if not item:
            raise IpSpecError(f"empty field in IP spec {spec!r}")
        if is_dotted(item):
            try:
                broadcast = str(ipaddress.IPv4Address(item))
            except ValueError:
                raise IpSpecError(f"broadcast {item!r} is not an IPv4 address (in IP spec {spec!r})") from None
            if index != len(rest) - 1:
                raise IpSpecError(f"nothing may follow the broadcast address in IP spec {spec!r}")
        elif item.isdigit():
            if cidr is not None:
                raise IpSpecError(f"two netmask lengths in IP spec {spec!r}")
            cidr = int(item)
            if not 1 <= cidr <= 32:
                raise IpSpecError(f"netmask length {item} out of range 1..32 (in IP spec {spec!r})")
        else:
            if nic is not None:
                raise IpSpecError(f"two interfaces ({nic!r}, {item!r}) in IP spec {spec!r}")
            if not _IFACE.match(item):
                raise IpSpecError(f"{item!r} is not a network interface name (in IP spec {spec!r})")
            nic = item
    if broadcast is not None and cidr is not None:
        network = ipaddress.IPv4Network(f"{ip}/{cidr}", strict=False)
        if ipaddress.IPv4Address(broadcast) not in network:
            raise IpSpecError(f"broadcast {broadcast} is outside {network} (in IP spec {spec!r})")
    return IpSpec(str(ip), cidr, nic, broadcast)


@dataclass(frozen=True)
class AgentDirs:
    """Where a bare word is looked up: Heartbeat resource.d scripts, then init scripts."""

    resource_dir: Path = Path("/etc/ha.d/resource.d")
    initd_dir: Path = Path("/etc/init.d")

    def heartbeat_script(self, name: str) -> bool:
        return "/" not in name and (self.resource_dir / name).is_file()

    def init_script(self, name: str) -> bool:
        return "/" not in name and (self.initd_dir / name).is_file()
