"""Foundation: money, ids, clock, errors and configuration shared by every layer."""
