"""Corridor: a self-hosted interbank payment network settled in national currencies."""

__version__ = "0.1.0"
