"""Watch lists and name matching (domain layer)."""
