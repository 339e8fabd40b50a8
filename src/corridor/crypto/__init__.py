"""Keys and signatures (infrastructure)."""
