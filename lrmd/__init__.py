"""pacer's local resource daemon: runs OCF, LSB and Heartbeat agents on one node."""
