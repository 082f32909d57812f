"""Operation digests live in :mod:`crm.common.digest` (the scheduler shares them); this module
keeps the old import path working."""

from __future__ import annotations

from crm.common.digest import (
    CRM_META,
    PRIVATE_PARAM_NAMES,
    ParamSpec,
    ReloadKind,
    RestartDigest,
    SecureDigest,
    filter_for_digest,
    is_stonith_param,
    op_digest,
    param_list_text,
    parameters_text,
    restart_digest,
    restart_digest_from_list,
    secure_digest,
    secure_digest_from_list,
    xml_digest,
)

__all__ = [
    "CRM_META",
    "PRIVATE_PARAM_NAMES",
    "ParamSpec",
    "ReloadKind",
    "RestartDigest",
    "SecureDigest",
    "filter_for_digest",
    "is_stonith_param",
    "op_digest",
    "param_list_text",
    "parameters_text",
    "restart_digest",
    "restart_digest_from_list",
    "secure_digest",
    "secure_digest_from_list",
    "xml_digest",
]
