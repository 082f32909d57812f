"""Send gratuitous ARP packets for an IPv4 address on an interface (raw AF_PACKET socket).

Used by IPaddr/IPaddr2 when ``arping`` is not installed.  Run as a script:
``garp.py <ifname> <ipv4> <count> <interval-ms>``; alternates ARP requests and replies
(like ``arping -U`` and ``arping -A``) so that neighbours update or learn the address.
"""

from __future__ import annotations

import fcntl
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806
SIOCGIFHWADDR = 0x8927
BROADCAST = b"\xff" * 6


def hardware_address(ifname: str) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack("256s", ifname.encode()[:15])
        return fcntl.ioctl(s.fileno(), SIOCGIFHWADDR, ifreq)[18:24]


def arp_frame(mac: bytes, ip: str, opcode: int) -> bytes:
    """An Ethernet broadcast frame carrying a gratuitous ARP (sender = target = ip)."""
    addr = socket.inet_aton(ip)
    target_mac = b"\x00" * 6 if opcode == 1 else BROADCAST
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, opcode, mac, addr, target_mac, addr)
    frame = BROADCAST + mac + struct.pack("!H", ETH_P_ARP) + arp
    return frame.ljust(60, b"\x00")


def send(ifname: str, ip: str, count: int, interval_s: float) -> int:
    """Send ``count`` packets; returns how many were sent."""
    mac = hardware_address(ifname)
    sent = 0
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP)) as s:
        s.bind((ifname, ETH_P_ARP))
        for i in range(count):
            s.send(arp_frame(mac, ip, 1 if i % 2 == 0 else 2))
            sent += 1
            if i + 1 < count:
                time.sleep(interval_s)
    return sent


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.stderr.write("usage: garp.py IFNAME IPV4 COUNT INTERVAL_MS\n")
        sys.exit(2)
    try:
        send(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) / 1000.0)
    except OSError as exc:
        sys.stderr.write(f"garp: {exc}\n")
        sys.exit(1)
