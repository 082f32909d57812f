"""The controller: one per node.  The DC among them runs the scheduler on the CIB and
carries out the transition graph through each node's controller and lrmd.
:mod:`crm.controld.machine` holds the decisions (no I/O); :mod:`crm.controld.daemon` the
asyncio shell."""
