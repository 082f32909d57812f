"""Clone and promotable-clone semantics of the scheduler (see DESIGN.md)."""
