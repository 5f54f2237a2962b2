"""Test helpers for hosts and plugins: hypothesis strategies (:mod:`.strategies`) and a contract
test kit for your own DataSource or Store (:mod:`.contract`).

Nothing here is imported by ``import clientportal``; it needs the ``test`` extra.
"""
