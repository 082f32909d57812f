"""The fencer (pacemaker-fenced's role): fence devices from the CIB, topology, and fencing
operations agreed among the fencers of the cluster.

``devices`` reads devices and levels from a CIB (pure), ``machine`` is the protocol
without I/O, ``agents`` runs fence agents, ``daemon`` is the asyncio shell
(``python -m crm.fenced --run-dir DIR``) and ``client`` the blocking client of the tools.
"""
