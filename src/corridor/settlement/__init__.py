"""Settlement: queues, gridlock resolution, netting (domain layer)."""
