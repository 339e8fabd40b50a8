"""FX: quotes and payment-versus-payment (domain layer)."""
