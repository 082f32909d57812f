#!/bin/sh
# Prepare a fresh Debian 12 machine for pacer: system packages (tests and oracles only
# where asked), a virtualenv in .venv, and pacer installed into it.
#   tools/bootstrap.sh run    -> runtime packages only
#   tools/bootstrap.sh test   -> also the test oracles (Pacemaker CLI, resource-agents, ...)
set -eu
mode=${1:-run}
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

pkgs="python3 python3-venv python3-pip iproute2 psmisc iputils-ping"
# the demo's real services as root: apache2's binary (no service of its own), an ext4 image
pkgs="$pkgs apache2-bin e2fsprogs"
if [ "$mode" = test ]; then
    pkgs="$pkgs pacemaker-cli-utils pacemaker resource-agents crmsh corosync apache2 drbd-utils e2fsprogs util-linux procps iputils-ping curl libxml2-utils kmod groff-base"
    # pycorosync's ABI guard builds a probe against Corosync's headers
    pkgs="$pkgs fence-agents gcc libc6-dev libcorosync-common-dev libcpg-dev libquorum-dev libvotequorum-dev libcmap-dev libcfg-dev libqb-dev"
    # tests/vm: QEMU guests booting Debian's stock kernel (drbd.ko 8.4, ip_vs.ko)
    pkgs="$pkgs qemu-system-x86 linux-image-amd64 busybox-static ipvsadm"
fi
missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bootstrap: installing Debian packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
extra=""
[ "$mode" = test ] && extra="[test]"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".$extra"
