"""Test helpers for hosts and plugins: hypothesis strategies (:mod:`.strategies`), what a host's
schema cannot hold (:mod:`.missing`) and a contract test kit for your own DataSource or Store
(:mod:`.contract`).

Nothing here is imported by ``import clientportal``; it needs the ``testing`` extra (hypothesis
and pytest).
"""
