"""``python -m clientportal.cli``: the ``clientportal`` command."""

from __future__ import annotations

from . import run

if __name__ == "__main__":  # pragma: no cover
    run()
