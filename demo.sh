#!/bin/sh
# Set up pacer and run its demo: migrate a Heartbeat v1 cluster (ha.cf + haresources)
# to a validated CIB and a corosync.conf, then ask the policy engine what it would do.
set -eu
cd "$(dirname "$0")"
tools/bootstrap.sh run
exec .venv/bin/python -m crm.demo "$@"
