"""The method table of each resource variant (Pacemaker's ``resource_alloc_functions_t``).

The stage modules dispatch through ``ws.methods[rsc.variant]`` (and call the clone-only steps
through ``ws.clone_steps``); only the scheduler, which builds the working set, imports this
module, so the stages never import the variant code (the clone code calls back into them).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pengine.actions as actions
import pengine.bundles.actions as bundles
import pengine.clones.bridge as clones
import pengine.ordering as ordering
from pengine.workset import CloneSteps, VariantMethods

PRIMITIVE = VariantMethods(
    create_actions=actions.primitive_create_actions,
    internal_constraints=actions.primitive_internal_constraints,
    action_flags=ordering.primitive_action_flags,
    update_ordered_actions=ordering.update_ordered_actions,
)
GROUP = VariantMethods(
    create_actions=actions.group_create_actions,
    internal_constraints=actions.group_internal_constraints,
    action_flags=ordering.collective_action_flags,
    update_ordered_actions=ordering.group_update_ordered,
)
CLONE = VariantMethods(
    create_actions=clones.clone_create_actions,
    internal_constraints=clones.clone_internal_constraints,
    action_flags=clones.clone_action_flags,
    update_ordered_actions=clones.clone_update_ordered,
)
BUNDLE = VariantMethods(
    create_actions=bundles.bundle_create_actions,
    internal_constraints=bundles.bundle_internal_constraints,
    action_flags=bundles.bundle_action_flags,
    update_ordered_actions=bundles.bundle_update_ordered,
)

METHODS: Mapping[str, VariantMethods] = MappingProxyType(
    {"primitive": PRIMITIVE, "group": GROUP, "clone": CLONE, "bundle": BUNDLE}
)

CLONE_STEPS = CloneSteps(
    min_ordering=clones.clone_min_ordering,
    notify_remap=clones.notify_remap,
    order_probes_before_restarts=clones.order_probes_before_restarts,
    order_notifs_after_fencing=clones.order_notifs_after_fencing,
)
