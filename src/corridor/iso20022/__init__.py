"""ISO 20022 messages in and out (domain layer)."""
