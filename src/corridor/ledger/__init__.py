"""Ledger: the pure, deterministic double-entry state machine (domain layer)."""
