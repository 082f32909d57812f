"""Where each kind of attribute lives in the CIB and how its default set is named."""

from __future__ import annotations

import enum


class Section(enum.StrEnum):
    """The ``-t/--type`` values of ``crm_attribute``."""

    CRM_CONFIG = "crm_config"
    RSC_DEFAULTS = "rsc_defaults"
    OP_DEFAULTS = "op_defaults"
    NODES = "nodes"
    STATUS = "status"

    @property
    def per_node(self) -> bool:
        return self in (Section.NODES, Section.STATUS)

    @property
    def set_tag(self) -> str:
        """The element that holds the name/value pairs."""
        if self is Section.CRM_CONFIG:
            return "cluster_property_set"
        if self in (Section.RSC_DEFAULTS, Section.OP_DEFAULTS):
            return "meta_attributes"
        return "instance_attributes"

    def default_set_id(self, node_id: str | None) -> str:
        """The id Pacemaker gives the set it creates when no ``--set-name`` is given."""
        if self is Section.CRM_CONFIG:
            return "cib-bootstrap-options"
        if self.per_node:
            return f"{self.value}-{node_id}"
        return f"{self.value}-options"

    @property
    def noun(self) -> str:
        """How ``crm_attribute`` calls one entry of the section in its messages."""
        return "option" if self is Section.CRM_CONFIG else "attribute"


def parse_section(text: str) -> Section | None:
    """The section named ``text`` (as ``-t`` accepts it), None if unknown."""
    try:
        return Section(text)
    except ValueError:
        return None
