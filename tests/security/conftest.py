"""The adversarial review kept as a suite: one test per finding, seen failing on the old code.

The web test tools (``webtools``) live beside the web tests; the findings reuse them.
"""

from __future__ import annotations

import sys
from pathlib import Path

_WEB_TESTS = str(Path(__file__).resolve().parent.parent / "web")
if _WEB_TESTS not in sys.path:
    sys.path.insert(0, _WEB_TESTS)
