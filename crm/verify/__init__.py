"""Configuration checks behind ``crm_verify``: schema, references, ids, options, operations,
fencing and node state, reported as findings in Pacemaker's words."""

from crm.verify.checks import verify
from crm.verify.findings import Finding, Report, Severity

__all__ = ["Finding", "Report", "Severity", "verify"]
