"""The demo's real services, run as root: the migrated address, file system and web server.

The live demo's nodes each run in a network namespace of their own (``pacer-sandbox up
--netns``), plugged into one switch, so that:

* the floating address is real: ``ocf:pacer:IPaddr2`` adds it to the holder's ``eth0`` on
  the sandbox's subnet (the migrated ``192.168.122.100`` would be another network's);
* the file system is real: ``ocf:pacer:Filesystem`` mounts an ext4 image on a loop device,
  the stand-in for the shared disk (``/dev/drbd0`` in the migrated configuration: DRBD
  itself stays modelled here, by ``ocf:pacer:Stateful``).  Each node's namespace has its own
  mount table, so a crashed node's mount goes with its processes, as a machine's does;
* apache is Debian's ``apache2`` binary under ``ocf:pacer:apache``, with a configuration of
  its own serving the page stored on that file system, on port 80 of whichever node holds
  the address.

:func:`prepare` builds the disk image, the loop device and the web server's configuration;
:func:`configure` points the migrated primitives at them; :func:`release` detaches the loop
device.  Nothing outside the demo's directory is written, apart from the loop device and the
mount point (a new directory under the system's temporary directory).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

HTTPD = Path("/usr/sbin/apache2")
APACHE_MODULES = Path("/usr/lib/apache2/modules")
PAGE = "pacer demo: this page lives on the cluster's shared file system"
IMAGE_MB = 16


@dataclass(frozen=True)
class Services:
    directory: Path
    image: Path
    device: str  # the loop device
    mountpoint: Path
    address: str  # the floating address
    apache_config: Path

    @property
    def url(self) -> str:
        return f"http://{self.address}/"


def missing() -> list[str]:
    """What this machine lacks for the real services (empty when they can run)."""
    lacking = []
    if os.geteuid() != 0:
        lacking.append("root")
    for tool, package in (("ip", "iproute2"), ("losetup", "mount"), ("mount", "mount"), ("mkfs.ext4", "e2fsprogs")):
        if shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
            lacking.append(f"{tool} ({package})")
    if not HTTPD.exists() or not (APACHE_MODULES / "mod_mpm_event.so").exists():
        lacking.append("apache2 (apache2-bin)")
    return lacking


def _run(*argv: str) -> str:
    proc = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {(proc.stderr or proc.stdout).strip() or f'exit code {proc.returncode}'}")
    return proc.stdout


def prepare(directory: Path, subnet: str) -> Services:
    """The disk image with the web page, its loop device, and apache's configuration."""
    directory.mkdir(parents=True, exist_ok=True)
    content = directory / "disk-content"
    content.mkdir(exist_ok=True)
    content.chmod(0o755)
    (content / "index.html").write_text(f"<html><body><p>{PAGE}</p></body></html>\n")
    (content / "index.html").chmod(0o644)
    image = directory / "shared-disk.img"
    image.unlink(missing_ok=True)
    with open(image, "wb") as f:
        f.truncate(IMAGE_MB * 1024 * 1024)
    _run("mkfs.ext4", "-q", "-F", "-L", "pacer-demo", "-d", str(content), str(image))
    device = _run("losetup", "--find", "--show", str(image)).strip()
    # apache's workers (www-data) must be able to reach the mount point: the demo's own
    # directory may sit below one they cannot enter (/root, a 0700 temporary directory)
    mountpoint = Path(tempfile.mkdtemp(prefix="pacer-demo-www-"))
    mountpoint.chmod(0o755)
    return Services(directory, image, device, mountpoint, f"{subnet}.100", _apache_config(directory, mountpoint))


def _apache_config(directory: Path, docroot: Path) -> Path:
    root = directory / "apache"
    (root / "logs").mkdir(parents=True, exist_ok=True)
    modules = ["mpm_event", "authz_core", "authz_host", "status", "dir", "mime", "unixd"]
    loads = "\n".join(f"LoadModule {m}_module {APACHE_MODULES}/mod_{m}.so" for m in modules
                      if (APACHE_MODULES / f"mod_{m}.so").exists())
    (root / "mime.types").write_text("text/html\thtml htm\ntext/plain\ttxt\n")
    config = root / "httpd.conf"
    config.write_text(textwrap.dedent(f"""\
        # apache2 for the pacer demo: the page on the shared file system, on port 80 of
        # the node that holds the floating address.
        ServerRoot "{root}"
        ServerName pacer-demo
        @LOADS@
        Listen 80
        # each node's own run-time files, as on separate machines (the lrmd sets HA_RSCTMP)
        PidFile "${{HA_RSCTMP}}/apache-demo.pid"
        Mutex file:${{HA_RSCTMP}} default
        DefaultRuntimeDir "${{HA_RSCTMP}}"
        ErrorLog "{root}/logs/error.log"
        TypesConfig "{root}/mime.types"
        LogLevel warn
        User www-data
        Group www-data
        StartServers 1
        ServerLimit 1
        ThreadsPerChild 8
        MaxRequestWorkers 8
        DocumentRoot "{docroot}"
        DirectoryIndex index.html
        <Directory "{docroot}">
            Require all granted
        </Directory>
        ExtendedStatus On
        <Location /server-status>
            SetHandler server-status
            Require local
        </Location>
        """).replace("@LOADS@", loads))
    return config


def _set_params(primitive: etree._Element, params: dict[str, str]) -> None:
    for attributes in primitive.findall("instance_attributes"):
        primitive.remove(attributes)
    pid = primitive.get("id", "")
    attributes = etree.Element("instance_attributes", id=f"{pid}-instance_attributes")
    for name, value in params.items():
        etree.SubElement(attributes, "nvpair", id=f"{pid}-instance_attributes-{name}", name=name, value=value)
    operations = primitive.find("operations")
    if operations is not None:
        operations.addprevious(attributes)
    else:
        primitive.append(attributes)


def configure(section: etree._Element, services: Services) -> tuple[etree._Element, list[str]]:
    """The migrated configuration with its address, file system and web server pointed at
    ``services``; DRBD as ``ocf:pacer:Stateful``; ping at 127.0.0.1.  Returns the
    configuration and one line per change."""
    config = etree.fromstring(etree.tostring(section))
    notes: list[str] = []
    for primitive in config.iter("primitive"):
        pid, agent = primitive.get("id", ""), primitive.get("type", "")
        if agent in ("IPaddr", "IPaddr2"):
            primitive.set("type", "IPaddr2")
            _set_params(primitive, {"ip": services.address, "cidr_netmask": "24", "nic": "eth0"})
            notes.append(f"{pid}: the real IPaddr2, address {services.address} on the sandbox's switch")
        elif agent == "Filesystem":
            _set_params(primitive, {"device": services.device, "directory": str(services.mountpoint),
                                    "fstype": "ext4"})
            notes.append(f"{pid}: the real Filesystem, ext4 on {services.device} (the shared disk's stand-in) "
                         f"mounted on {services.mountpoint}")
        elif agent == "apache":
            _set_params(primitive, {"configfile": str(services.apache_config)})
            notes.append(f"{pid}: the real apache (Debian's apache2), serving the shared file system on port 80")
        elif agent == "drbd":
            primitive.set("type", "Stateful")
            for attributes in primitive.findall("instance_attributes"):
                primitive.remove(attributes)
            notes.append(f"{pid}: DRBD stays modelled here (ocf:pacer:Stateful): this kernel has no drbd module")
        elif agent == "ping":
            for nvpair in primitive.iter("nvpair"):
                if nvpair.get("name") == "host_list":
                    notes.append(f"{pid} pings 127.0.0.1 instead of {nvpair.get('value')}")
                    nvpair.set("value", "127.0.0.1")
        else:
            continue
        primitive.set("class", "ocf")
        primitive.set("provider", "pacer")
    return config, notes


def release(services: Services) -> None:
    """Detach the loop device and remove the mount point (the nodes' mounts went with their
    namespaces)."""
    subprocess.run(["losetup", "-d", services.device], capture_output=True, check=False)
    with contextlib.suppress(OSError):
        services.mountpoint.rmdir()
