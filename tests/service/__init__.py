"""Tests of ``clientportal.service``, one module per module of the package.

A package so that its modules may share their names with the tests of the core
(``tests/test_access.py`` tests the codec, ``tests/service/test_access.py`` the gate); the sample
worlds come from ``tests/worlds.py``.
"""
