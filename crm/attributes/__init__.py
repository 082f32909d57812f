"""Node attributes, cluster properties and resource/operation defaults in a CIB document.

The library behind ``crm_attribute``, ``crm_standby``, ``crm_failcount`` and the attribute parts
of ``crm_mon``: where each kind of attribute lives, how Pacemaker names the sets and name/value
pairs it creates, and how a query, an update or a deletion finds its pairs.
"""

from crm.attributes.errors import AttributeFailure, MultipleMatches, NoSuchState
from crm.attributes.sections import Section
from crm.attributes.store import AttrTarget, Match, delete, find, node_uuid, sanitize_id, update

__all__ = [
    "AttrTarget",
    "AttributeFailure",
    "Match",
    "MultipleMatches",
    "NoSuchState",
    "Section",
    "delete",
    "find",
    "node_uuid",
    "sanitize_id",
    "update",
]
