"""Payments: the network's directory and the payment lifecycle as pure records and rules.

The hub composes these with the ledger and the message layer; the store persists them.
"""
