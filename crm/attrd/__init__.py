"""The attribute daemon (attrd): transient node attributes, replicated to every node in
total order, dampened, and written into the CIB status section by one writer.

``machine`` is the protocol without I/O, ``cibwrite`` applies a writer's batch to a CIB,
``daemon`` is the asyncio shell (``python -m crm.attrd --run-dir DIR``) and ``client`` the
blocking client the command-line tools use.
"""
