"""Hub: use cases, unit of work, business day, delivery (application layer)."""
