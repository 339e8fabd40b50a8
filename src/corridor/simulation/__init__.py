"""Simulation: a prepared network, a hub server process and traffic, for the demo and
the end-to-end benchmark."""
