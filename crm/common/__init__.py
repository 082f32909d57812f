"""The bottom layer: the domain vocabulary every other package shares.

It imports nothing of ours (the import contracts check it), so anything may import it:

* :mod:`crm.common.results`: OCF exit codes, execution statuses, ``crm_exit_t`` exit codes;
* :mod:`crm.common.scores`: ``INFINITY``, score arithmetic, parsing and printing;
* :mod:`crm.common.booleans`: Pacemaker's true and false words;
* :mod:`crm.common.durations`: intervals, timeouts and ISO 8601 durations;
* :mod:`crm.common.digest`: operation digests (``op-digest`` and its restart/secure kin).
"""
