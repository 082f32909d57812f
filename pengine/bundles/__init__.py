"""Bundles: containers (docker, podman, rkt) with an optional resource inside, run as guest nodes.

* :mod:`pengine.bundles.unpack` - ``<bundle>`` -> the implicit resources of each replica (as
  Pacemaker's ``pe__unpack_bundle``);
* :mod:`pengine.bundles.assign` - placement of the replicas (``pcmk__bundle_allocate``);
* :mod:`pengine.bundles.actions` - pseudo actions and orderings of the bundle.
"""
