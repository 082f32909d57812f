"""pacer: a Pacemaker-style cluster resource manager (everything but the pure scheduler)."""

__version__ = "0.1.0"
