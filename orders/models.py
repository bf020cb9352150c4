"""Orders, routing and allocation live here (see docs/architecture.md)."""
