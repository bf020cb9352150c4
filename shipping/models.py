"""Inbound plans, shipments, stages, tracking and customs live here (see docs/architecture.md)."""
