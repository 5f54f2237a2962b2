"""Test helpers for hosts and plugins: hypothesis strategies (:mod:`.strategies`).

Nothing here is imported by ``import clientportal``; it needs the ``test`` extra.
"""
