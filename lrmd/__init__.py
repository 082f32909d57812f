"""pacer's local resource daemon: runs OCF, LSB, Heartbeat v1 and fence agents on one node.

Modules, from the bottom up:

* :mod:`lrmd.codes`: per-class rc mapping (LSB status codes, v1 status judged from stdout,
  unknown codes -> 1); the OCF rc and op-status enums are :mod:`crm.common.results`'.
* :mod:`lrmd.agent_paths`: where agents live (``OCF_ROOT``, the ``pacer`` provider search
  order, ``ocf:heartbeat:X`` falling back to pacer's agent, init.d, ha.d/resource.d).
* :mod:`lrmd.environment`: command line and environment per class (``OCF_RESKEY_*`` ...).
* :mod:`lrmd.runner`: one process in its own session; timeout -> SIGTERM/SIGKILL to the group.
* :mod:`lrmd.executor`: resources, per-resource FIFO, parallel limit, recurring ops.
* :mod:`lrmd.history`: ``lrm_rsc_op`` records, with the ``op-digest``/restart/secure digests
  of :mod:`crm.common.digest` (shared with the scheduler).
* :mod:`lrmd.protocol`, :mod:`lrmd.daemon`, :mod:`lrmd.client`, :mod:`lrmd.admin`:
  the JSON-lines unix-socket API, the ``lrmd`` daemon, the asyncio client, ``lrmadmin``.

In-process use (what ``crm_resource --force-*`` does)::

    executor = Executor(AgentLocator.from_env(), ExecutorConfig(node_name="node1"))
    executor.register(ResourceSpec("web", "ocf", "apache", "heartbeat"))
    result = await executor.execute(OpRequest("web", "start", timeout_ms=40000, params={...}))
    element = await executor.history_xml("web")     # <lrm_resource> with <lrm_rsc_op>s
"""
