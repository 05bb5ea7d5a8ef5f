"""Jiandu's domain: aggregates, events, invariants and the capabilities that record them.

Pure Python: the standard library and eventsourcing's base classes, nothing else.
"""
