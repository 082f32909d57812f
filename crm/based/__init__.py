"""The CIB daemon: one replica of the CIB per node, kept identical by applying every write
in the transport's agreed order.  :mod:`crm.based.machine` is the replication protocol
(no I/O); :mod:`crm.based.daemon` is the asyncio shell around it."""
