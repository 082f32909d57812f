"""Small QEMU guests running Debian's stock kernel, for tests on real DRBD and IPVS.

Each guest boots the host's ``/boot/vmlinuz-*-amd64`` (Debian's ``linux-image-amd64``,
which ships ``drbd.ko`` 8.4 and ``ip_vs.ko``) with a tiny busybox initramfs that mounts
the HOST root filesystem read-only over virtio-9p and puts a tmpfs overlay on top: the
guest has every host binary (drbdadm, ipvsadm, python, this checkout) and a writable,
throwaway root.  Nothing is written to the host but the guests' work directory.

Usage::

    from vm_harness import VMSet, vm_unavailable

    reason = vm_unavailable()            # None, or why QEMU cannot run here (skip with it)
    with VMSet(workdir, ["node1", "node2"]) as vms:   # boots both guests in parallel
        a, b = vms["node1"], vms["node2"]
        res = a.run("drbdadm up r0; cat /proc/drbd", timeout=30)   # -> Result(rc, out, err)
        a.check("modprobe drbd")          # like run(), raises VMError on a non-zero exit
        a.write_file("/etc/drbd.conf", text)
        a.spawn("busybox httpd -f -p 80 -h /srv")   # background process, output to a log
        vms.net.cut("node1", "node2")     # the switch drops frames between them ...
        vms.net.heal()                    # ... until healed
        a.set_link(False)                 # or pull the guest's virtual cable (carrier down)
        a.kill()                          # hard kill: SIGKILL to the QEMU process
        a.start()                         # power it on again (same disk, fresh root)

Guests sit on one Ethernet segment (``10.99.0.0/24``; the n-th guest is ``10.99.0.<n>``,
names in every guest's ``/etc/hosts``), switched by :class:`Switch`, a hub in a thread of
the test process that QEMU reaches over loopback TCP on ports chosen by the kernel (no
fixed ports: parallel runs do not collide).  Every guest has ``/dev/vda``, a raw disk
file of ``disk_mb`` MiB in the work directory.  ``PACER_VM_ACCEL`` (auto|tcg|kvm)
overrides the accelerator; ``auto`` takes KVM only when ``kvm_intel``/``kvm_amd`` is
loaded and ``/dev/kvm`` is usable, TCG (software emulation) otherwise.  The kernel image
and initramfs are built once into ``PACER_VM_CACHE`` (default ``/var/tmp/pacer-vm``).
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import fcntl
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import selectors
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

QEMU = "qemu-system-x86_64"
SUBNET = "10.99.0"
CACHE = Path(os.environ.get("PACER_VM_CACHE", "/var/tmp/pacer-vm"))
GUEST_MODULES = ("drbd", "ip_vs", "9p", "overlay", "virtio_net", "virtio_blk", "virtio_console")
INITRD_MODULES = ("virtio_pci", "9pnet_virtio", "9p", "overlay")


class VMError(Exception):
    """A guest could not be started, did not answer, or a checked command failed."""


# ---------------------------------------------------------------- what the host offers


def kernel_release() -> str | None:
    """The newest Debian ``-amd64`` kernel that has both an image in /boot and modules."""
    found = [p.name for p in Path("/lib/modules").glob("*-amd64") if Path(f"/boot/vmlinuz-{p.name}").exists()]
    if not found:
        return None

    def key(r: str) -> list[int]:
        return [int(x) for x in re.findall(r"\d+", r)]

    return max(found, key=key)


def vm_unavailable() -> str | None:
    """Why guests cannot run on this machine (a skip reason), or None when they can."""
    if shutil.which(QEMU) is None:
        return f"{QEMU} is not installed (apt-get install qemu-system-x86)"
    release = kernel_release()
    if release is None:
        return "no Debian -amd64 kernel in /boot with its modules (apt-get install linux-image-amd64)"
    for tool in ("modprobe", "modinfo"):
        if shutil.which(tool) is None and not Path(f"/sbin/{tool}").exists():
            return f"{tool} is not installed (apt-get install kmod)"
    if not Path("/bin/busybox").exists():
        return "/bin/busybox is missing (apt-get install busybox-static)"
    for mod in GUEST_MODULES:
        if subprocess.run(["modinfo", "-k", release, mod], capture_output=True, check=False).returncode != 0:
            return f"kernel {release} has no module {mod}"
    return None


def accelerator() -> str:
    wanted = os.environ.get("PACER_VM_ACCEL", "auto")
    if wanted in ("tcg", "kvm"):
        return wanted
    kvm_ok = os.access("/dev/kvm", os.R_OK | os.W_OK) and (
        Path("/sys/module/kvm_intel").exists() or Path("/sys/module/kvm_amd").exists())
    return "kvm" if kvm_ok else "tcg"


# ---------------------------------------------------------------- boot files (built once, cached)

# PID 1 of the initramfs: mount the host root (9p, read-only) under a tmpfs overlay and
# switch_root into the guest init named on the kernel command line.
INITRD_INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod /mods/$m || echo "initrd: insmod $m failed"; done
INIT=/sbin/init; SIZE=128m
for a in $(cat /proc/cmdline); do
  case $a in pvm.init=*) INIT=${a#pvm.init=};; pvm.rootsize=*) SIZE=${a#pvm.rootsize=};; esac
done
i=0
until mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose hostroot /lower; do
  i=$((i+1)); [ $i -gt 100 ] && { echo "initrd: cannot mount the host root"; poweroff -f; }; sleep 0.1
done
mount -t tmpfs -o size=$SIZE,mode=755 rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot \
  || { echo "initrd: overlay failed"; poweroff -f; }
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot "$INIT"
"""

# PID 1 of the guest (on the overlay root): basic mounts, host name, network, then the
# command loop on the virtio-serial port "pacer.ctl".  One line each way:
#   host  -> guest: RUN <id> <timeout s> <base64 sh script>
#   guest -> host : DONE <id> <exit status> <base64 stdout> <base64 stderr>
GUEST_INIT = r"""#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc; mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run; mkdir -p /run/lock /run/pvm
[ -d /sys/kernel/config ] && mount -t configfs configfs /sys/kernel/config 2>/dev/null
HOST=guest NICS= HOSTS=
for a in $(cat /proc/cmdline); do
  case $a in pvm.host=*) HOST=${a#pvm.host=};; pvm.nics=*) NICS=${a#pvm.nics=};; pvm.hosts=*) HOSTS=${a#pvm.hosts=};; esac
done
hostname "$HOST"; echo "$HOST" > /etc/hostname
{ echo "127.0.0.1 localhost"; echo "$HOSTS" | tr ',' '\n' | sed -n 's/^\([^=]*\)=\(.*\)$/\2 \1/p'; } > /etc/hosts
: > /etc/machine-id 2>/dev/null
modprobe -a virtio_net virtio_blk virtio_console
ip link set lo up
for n in $(echo "$NICS" | tr ',' ' '); do
  dev=${n%%=*}; addr=${n#*=}
  ip link set "$dev" up && ip addr add "$addr" dev "$dev"
done
CTL=
for i in $(seq 200); do
  for p in /sys/class/virtio-ports/*; do [ "$(cat $p/name 2>/dev/null)" = pacer.ctl ] && CTL=/dev/${p##*/}; done
  [ -n "$CTL" ] && [ -e "$CTL" ] && break; CTL=; sleep 0.05
done
[ -n "$CTL" ] || { echo "guest init: no control port"; echo o > /proc/sysrq-trigger; }
exec 3<>"$CTL"
echo "READY $HOST $(cut -d' ' -f1 /proc/uptime)" >&3
cd /root 2>/dev/null || cd /
while :; do
  IFS=' ' read -r tag id tmo b64 <&3 || { sleep 0.1; continue; }
  [ "$tag" = RUN ] || continue
  printf '%s' "$b64" | base64 -d > /run/pvm/cmd
  timeout -s KILL "$tmo" sh /run/pvm/cmd </dev/null >/run/pvm/out 2>/run/pvm/err; rc=$?
  printf 'DONE %s %s %s %s\n' "$id" "$rc" "$(base64 -w0 /run/pvm/out)" "$(base64 -w0 /run/pvm/err)" >&3
done
"""


@dataclass(frozen=True)
class BootFiles:
    release: str
    kernel: Path
    initrd: Path
    init: Path


def _unpacked_kernel(bzimage: Path, dest: Path) -> Path:
    """The ELF vmlinux inside an XZ-compressed bzImage (QEMU boots it through its PVH entry,
    which skips a slow decompression under TCG); the bzImage itself when there is none."""
    if dest.exists():
        return dest
    data = bzimage.read_bytes()
    start = data.find(b"\xfd7zXZ\x00")
    while start >= 0:
        try:
            elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
        except lzma.LZMAError:
            elf = b""
        if elf[:4] == b"\x7fELF":
            tmp = dest.with_suffix(".tmp")
            tmp.write_bytes(elf)
            tmp.rename(dest)
            return dest
        start = data.find(b"\xfd7zXZ\x00", start + 1)
    return bzimage


def _cpio_newc(entries: Iterable[tuple[str, int, bytes]]) -> bytes:
    """A cpio archive in the kernel's "newc" format: (name, mode, content) entries."""
    out = io.BytesIO()

    def pad(n: int) -> None:
        out.write(b"\0" * (-n % 4))

    def entry(ino: int, name: str, mode: int, content: bytes) -> None:
        raw = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(content), 0, 0, 0, 0, len(raw), 0]
        out.write(b"070701" + b"".join(b"%08X" % f for f in fields))
        out.write(raw)
        pad(110 + len(raw))
        out.write(content)
        pad(len(content))

    ino = 1
    for name, mode, content in entries:
        entry(ino, name, mode, content)
        ino += 1
    entry(ino, "TRAILER!!!", 0, b"")
    return out.getvalue()


def _initrd_modules(release: str) -> list[Path]:
    paths: list[Path] = []
    for mod in INITRD_MODULES:
        out = subprocess.run(["modprobe", "-S", release, "--show-depends", mod], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "insmod" and Path(words[1]) not in paths:
                paths.append(Path(words[1]))
    return paths


def _build_initrd(release: str, dest: Path) -> None:
    mods = _initrd_modules(release)
    entries: list[tuple[str, int, bytes]] = [(d, 0o40755, b"") for d in (
        "bin", "mods", "proc", "sys", "dev", "lower", "rw", "newroot")]
    entries.append(("bin/busybox", 0o100755, Path("/bin/busybox").read_bytes()))
    for m in mods:
        entries.append((f"mods/{m.name}", 0o100644, m.read_bytes()))
    entries.append(("mods/order", 0o100644, "".join(f"{m.name}\n" for m in mods).encode()))
    entries.append(("init", 0o100755, INITRD_INIT.encode()))
    tmp = dest.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(_cpio_newc(entries), compresslevel=1))
    tmp.rename(dest)


def boot_files(cache: Path = CACHE) -> BootFiles:
    """Kernel, initramfs and guest init for the newest Debian kernel, built once (under a lock)."""
    release = kernel_release()
    if release is None:
        raise VMError("no Debian -amd64 kernel in /boot")
    cache.mkdir(parents=True, exist_ok=True)
    tag = hashlib.sha256((INITRD_INIT + GUEST_INIT).encode()).hexdigest()[:12]
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kernel = _unpacked_kernel(Path(f"/boot/vmlinuz-{release}"), cache / f"vmlinux-{release}")
        initrd = cache / f"initrd-{release}-{tag}.gz"
        if not initrd.exists():
            _build_initrd(release, initrd)
        init = cache / f"guest-init-{tag}.sh"
        if not init.exists():
            tmp = init.with_suffix(".tmp")
            tmp.write_text(GUEST_INIT)
            tmp.chmod(0o755)
            tmp.rename(init)
    return BootFiles(release, kernel, initrd, init)


# ---------------------------------------------------------------- the switch


@dataclass
class _Port:
    name: str
    listener: socket.socket
    conn: socket.socket | None = None
    inbuf: bytearray = field(default_factory=bytearray)
    outbuf: bytearray = field(default_factory=bytearray)


class Switch:
    """An Ethernet hub for QEMU ``-netdev socket`` guests (4-byte length + frame), one
    loopback listening port per guest, with pairs of guests that can be cut apart."""

    OUT_LIMIT = 4 << 20  # a port that does not read this much is dropped from, like a switch

    def __init__(self) -> None:
        self._ports: dict[str, _Port] = {}
        self._cut: set[frozenset[str]] = set()
        self._lock = threading.Lock()
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="vm-switch", daemon=True)
        self._thread.start()

    def add_port(self, name: str) -> int:
        """A listening port for guest ``name``; returns the loopback TCP port number."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        sock.setblocking(False)
        port = _Port(name, sock)
        with self._lock:
            self._ports[name] = port
            self._sel.register(sock, selectors.EVENT_READ, ("accept", port))
        self._wake()
        return int(sock.getsockname()[1])

    def connected(self, name: str) -> bool:
        return self._ports[name].conn is not None

    def cut(self, a: str, b: str) -> None:
        """Drop every frame between guests ``a`` and ``b`` (both ways) until healed."""
        with self._lock:
            self._cut.add(frozenset((a, b)))

    def isolate(self, name: str) -> None:
        for other in self._ports:
            if other != name:
                self.cut(name, other)

    def heal(self, a: str | None = None, b: str | None = None) -> None:
        """Restore the link between ``a`` and ``b`` (every link without arguments)."""
        with self._lock:
            if a is None:
                self._cut.clear()
            elif b is None:
                self._cut = {c for c in self._cut if a not in c}
            else:
                self._cut.discard(frozenset((a, b)))

    def close(self) -> None:
        self._stop = True
        self._wake()
        self._thread.join(timeout=5)
        for port in self._ports.values():
            if port.conn is not None:
                port.conn.close()
            port.listener.close()
        self._wake_r.close()
        self._wake_w.close()
        self._sel.close()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _drop(self, port: _Port) -> None:
        if port.conn is not None:
            self._sel.unregister(port.conn)
            port.conn.close()
        port.conn = None
        port.inbuf.clear()
        port.outbuf.clear()

    def _want_write(self, port: _Port) -> None:
        if port.conn is not None:
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if port.outbuf else 0)
            self._sel.modify(port.conn, events, ("data", port))

    def _forward(self, src: _Port, frame: bytes) -> None:
        with self._lock:
            targets = [p for p in self._ports.values()
                       if p is not src and p.conn is not None and frozenset((src.name, p.name)) not in self._cut]
        for dst in targets:
            if len(dst.outbuf) < self.OUT_LIMIT:
                dst.outbuf += struct.pack(">I", len(frame)) + frame
                self._want_write(dst)

    def _loop(self) -> None:
        while not self._stop:
            for key, events in self._sel.select(timeout=1.0):
                if key.data is None:
                    with contextlib.suppress(OSError):
                        self._wake_r.recv(4096)
                    continue
                kind, port = key.data
                if kind == "accept":
                    try:
                        conn, _ = port.listener.accept()
                    except OSError:
                        continue
                    if port.conn is not None:
                        self._drop(port)
                    conn.setblocking(False)
                    port.conn = conn
                    self._sel.register(conn, selectors.EVENT_READ, ("data", port))
                    continue
                if port.conn is None:
                    continue
                if events & selectors.EVENT_WRITE and port.outbuf:
                    try:
                        sent = port.conn.send(port.outbuf)
                        del port.outbuf[:sent]
                    except BlockingIOError:
                        pass
                    except OSError:
                        self._drop(port)
                        continue
                    self._want_write(port)
                if events & selectors.EVENT_READ:
                    try:
                        data = port.conn.recv(1 << 16)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        self._drop(port)
                        continue
                    port.inbuf += data
                    while len(port.inbuf) >= 4:
                        size = struct.unpack(">I", port.inbuf[:4])[0]
                        if len(port.inbuf) < 4 + size:
                            break
                        frame = bytes(port.inbuf[4:4 + size])
                        del port.inbuf[:4 + size]
                        self._forward(port, frame)


# ---------------------------------------------------------------- one guest


@dataclass
class Result:
    rc: int
    out: str
    err: str

    @property
    def ok(self) -> bool:
        return self.rc == 0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Guest:
    """One QEMU guest: boot, run commands over its control port, cut its link, kill it."""

    def __init__(self, name: str, index: int, workdir: Path, boot: BootFiles, switch: Switch,
                 hosts: dict[str, str], *, mem_mb: int = 256, disk_mb: int = 64, root_mb: int = 128,
                 accel: str | None = None) -> None:
        self.name = name
        self.index = index
        self.ip = hosts[name]
        self.dir = workdir
        self.files = boot
        self.switch = switch
        self.hosts = hosts
        self.mem_mb = mem_mb
        self.root_mb = root_mb
        self.accel = accel or accelerator()
        self.disk = workdir / f"{name}.disk"
        self.console = workdir / f"{name}.console.log"
        self.net_port = switch.add_port(name)
        self.proc: subprocess.Popen[bytes] | None = None
        self._ctl: socket.socket | None = None
        self._ctl_buf = b""
        self._seq = 0
        self._lock = threading.Lock()
        with open(self.disk, "wb") as f:
            f.truncate(disk_mb << 20)

    # -- life cycle

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _argv(self) -> list[str]:
        if self.accel == "kvm":
            accel = ["-accel", "kvm", "-cpu", "host"]
        else:
            accel = ["-accel", "tcg,thread=multi,tb-size=96", "-cpu", "max"]
        hosts = ",".join(f"{n}={ip}" for n, ip in self.hosts.items())
        mac = f"52:54:00:99:00:{self.index:02x}"
        append = (f"console=ttyS0 panic=-1 quiet no_timer_check pvm.init={self.files.init} pvm.host={self.name} "
                  f"pvm.nics=eth0={self.ip}/24 pvm.hosts={hosts} pvm.rootsize={self.root_mb}m")
        return [
            QEMU, "-nodefaults", "-no-user-config", "-name", self.name, *accel,
            "-m", str(self.mem_mb), "-smp", "1", "-display", "none", "-no-reboot",
            "-kernel", str(self.files.kernel), "-initrd", str(self.files.initrd), "-append", append,
            "-serial", f"file:{self.console}",
            "-fsdev", "local,id=fs0,path=/,security_model=none,readonly=on,multidevs=remap",
            "-device", "virtio-9p-pci,fsdev=fs0,mount_tag=hostroot",
            "-drive", f"file={self.disk},if=none,id=d0,format=raw,cache=unsafe",
            "-device", "virtio-blk-pci,drive=d0",
            "-netdev", f"socket,id=net0,connect=127.0.0.1:{self.net_port}",
            "-device", f"virtio-net-pci,netdev=net0,mac={mac},romfile=",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=ctl,path={self.dir / (self.name + '.ctl')},server=on,wait=off",
            "-device", "virtserialport,chardev=ctl,name=pacer.ctl",
            "-qmp", f"unix:{self.dir / (self.name + '.qmp')},server=on,wait=off",
        ]

    def boot(self) -> None:
        """Start QEMU (returns at once; :meth:`wait_ready` waits for the guest)."""
        if self.alive():
            raise VMError(f"{self.name} is already running (pid {self.pid})")
        for suffix in (".ctl", ".qmp"):
            with contextlib.suppress(FileNotFoundError):
                (self.dir / (self.name + suffix)).unlink()
        self._close_ctl()
        with open(self.dir / f"{self.name}.qemu.err", "wb") as err:
            self.proc = subprocess.Popen(self._argv(), stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                         preexec_fn=_die_with_parent)
        self.booted_at = time.monotonic()

    def _connect(self, suffix: str, deadline: float) -> socket.socket:
        path = self.dir / (self.name + suffix)
        while True:
            if not self.alive():
                raise VMError(f"{self.name}: QEMU exited: {self._diagnostics()}")
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect(str(path))
                return sock
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if time.monotonic() > deadline:
                    raise VMError(f"{self.name}: no {suffix} socket: {self._diagnostics()}") from None
                time.sleep(0.05)

    def start(self, timeout: float = 240) -> float:
        """:meth:`boot` and :meth:`wait_ready`, booting once more after an early QEMU exit."""
        self.boot()
        try:
            return self.wait_ready(timeout)
        except VMError:
            if self.alive():
                raise
            self.boot()
            return self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 240) -> float:
        """Wait until the guest's command loop answers; returns the seconds since boot."""
        deadline = time.monotonic() + timeout
        self._ctl = self._connect(".ctl", deadline)
        line = self._read_line(deadline)
        while not line.startswith("READY "):
            line = self._read_line(deadline)
        return time.monotonic() - self.booted_at

    def _close_ctl(self) -> None:
        if self._ctl is not None:
            self._ctl.close()
        self._ctl = None
        self._ctl_buf = b""

    def _read_line(self, deadline: float) -> str:
        assert self._ctl is not None
        while b"\n" not in self._ctl_buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise VMError(f"{self.name}: no answer in time: {self._diagnostics()}")
            self._ctl.settimeout(min(left, 1.0))
            try:
                data = self._ctl.recv(1 << 16)
            except TimeoutError:
                if not self.alive():
                    raise VMError(f"{self.name}: QEMU exited: {self._diagnostics()}") from None
                continue
            if not data:
                raise VMError(f"{self.name}: control port closed: {self._diagnostics()}")
            self._ctl_buf += data
        line, _, self._ctl_buf = self._ctl_buf.partition(b"\n")
        return line.decode(errors="replace")

    def _diagnostics(self) -> str:
        parts = []
        if self.proc is not None and self.proc.poll() is not None:
            parts.append(f"exit status {self.proc.returncode}")
        for path in (self.dir / f"{self.name}.qemu.err", self.console):
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").strip()
                if text:
                    parts.append(f"{path.name}: ...{text[-1500:]}")
        return "; ".join(parts) or "no output"

    def kill(self) -> None:
        """Hard kill: SIGKILL to this guest's QEMU process (a power cut)."""
        self._close_ctl()
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def shutdown(self, timeout: float = 10) -> None:
        """Power off (QMP quit, then SIGKILL); the disk file stays."""
        if self.alive():
            with contextlib.suppress(OSError, VMError):
                self.qmp("quit")
            with contextlib.suppress(subprocess.TimeoutExpired):
                assert self.proc is not None
                self.proc.wait(timeout=timeout)
        self.kill()

    # -- commands

    def run(self, script: str, timeout: float = 120) -> Result:
        """Run a ``sh`` script in the guest; stdin is /dev/null.  Background processes must
        redirect their output (or use :meth:`spawn`)."""
        with self._lock:
            if self._ctl is None:
                raise VMError(f"{self.name} is not running")
            self._seq += 1
            ident = self._seq
            payload = base64.b64encode(script.encode()).decode()
            self._ctl.sendall(f"RUN {ident} {max(1, int(timeout))} {payload}\n".encode())
            deadline = time.monotonic() + timeout + 30
            while True:
                words = self._read_line(deadline).split(" ")
                if len(words) == 5 and words[0] == "DONE" and words[1] == str(ident):
                    return Result(int(words[2]), base64.b64decode(words[3]).decode(errors="replace"),
                                  base64.b64decode(words[4]).decode(errors="replace"))

    def check(self, script: str, timeout: float = 120) -> str:
        """:meth:`run` that raises VMError on a non-zero exit; returns the output."""
        res = self.run(script, timeout)
        if res.rc != 0:
            raise VMError(f"{self.name}: exit {res.rc} from:\n{script}\n--- stdout:\n{res.out}\n--- stderr:\n{res.err}")
        return res.out

    def write_file(self, path: str, content: str | bytes, mode: int = 0o644) -> None:
        data = content.encode() if isinstance(content, str) else content
        b64 = base64.b64encode(data).decode()
        q = shlex.quote(path)
        self.check(f"mkdir -p \"$(dirname {q})\" && echo {b64} | base64 -d > {q} && chmod {mode:o} {q}")

    def read_file(self, path: str) -> str:
        return self.check(f"cat {shlex.quote(path)}")

    def spawn(self, command: str, log: str | None = None) -> int:
        """Start ``command`` in the background, in its own session; returns its PID."""
        log = log or f"/run/pvm/spawn-{self._seq + 1}.log"
        out = self.check(f"setsid sh -c {shlex.quote(command)} >{shlex.quote(log)} 2>&1 </dev/null & echo $!")
        return int(out.split()[-1])

    def wait_for(self, script: str, timeout: float = 60, interval: float = 0.5) -> str:
        """Re-run ``script`` in the guest until it exits 0; returns its output."""
        loops = max(1, int(timeout / interval))
        res = self.run(f"i=0; while [ $i -lt {loops} ]; do ( {script} ) && exit 0; i=$((i+1)); sleep {interval}; done; "
                       f"( {script} )", timeout=timeout + 30)
        if res.rc != 0:
            raise VMError(f"{self.name}: not true after {timeout}s: {script}\n{res.out}\n{res.err}")
        return res.out

    # -- QEMU monitor

    def qmp(self, command: str, **arguments: object) -> object:
        """One QMP command; returns its "return" value."""
        deadline = time.monotonic() + 10
        sock = self._connect(".qmp", deadline)
        try:
            f = sock.makefile("rwb")
            f.readline()  # greeting
            for cmd in ({"execute": "qmp_capabilities"}, {"execute": command, "arguments": arguments}):
                f.write(json.dumps(cmd).encode() + b"\n")
                f.flush()
                while True:
                    line = f.readline()
                    if not line:
                        raise VMError(f"{self.name}: QMP closed")
                    reply = json.loads(line)
                    if "error" in reply:
                        raise VMError(f"{self.name}: QMP {command}: {reply['error']}")
                    if "return" in reply:
                        break
            return reply["return"]
        finally:
            sock.close()

    def set_link(self, up: bool) -> None:
        """Plug (True) or pull (False) the guest's virtual network cable (carrier)."""
        self.qmp("set_link", name="net0", up=up)

    def rss_kb(self) -> int:
        if self.pid is None:
            return 0
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


# ---------------------------------------------------------------- a set of guests


class VMSet:
    """Guests on one switched segment; a context manager that powers them all off."""

    def __init__(self, workdir: Path | str, names: Iterable[str], *, mem_mb: int = 256, disk_mb: int = 64,
                 root_mb: int = 128, boot: bool = True, ready_timeout: float = 240) -> None:
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        names = list(names)
        self.files = boot_files()
        self.net = Switch()
        hosts = {n: f"{SUBNET}.{i}" for i, n in enumerate(names, start=1)}
        self.guests = {n: Guest(n, i, self.dir, self.files, self.net, hosts, mem_mb=mem_mb, disk_mb=disk_mb,
                                root_mb=root_mb) for i, n in enumerate(names, start=1)}
        if boot:
            try:
                self.boot_all(ready_timeout)
            except BaseException:
                self.close()
                raise

    def boot_all(self, timeout: float = 240) -> dict[str, float]:
        """Boot every guest that is not running, in parallel; returns the seconds each took.
        A guest whose QEMU exits before it is ready (an early panic of a starved TCG guest)
        is booted once more."""
        for g in self.guests.values():
            if not g.alive():
                g.boot()
        took = {}
        for n, g in self.guests.items():
            try:
                took[n] = g.wait_ready(timeout)
            except VMError:
                if g.alive():
                    raise
                g.boot()
                took[n] = g.wait_ready(timeout)
        return took

    def __getitem__(self, name: str) -> Guest:
        return self.guests[name]

    def __iter__(self) -> Iterator[Guest]:
        return iter(self.guests.values())

    def close(self) -> None:
        for g in self.guests.values():
            g.shutdown(timeout=5)
        self.net.close()

    def __enter__(self) -> VMSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cleanup_workdir(path: Path) -> None:
    """Remove a work directory (disk files, sockets, logs)."""
    shutil.rmtree(path, ignore_errors=True)

