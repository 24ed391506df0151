"""sqlite-utils without numpy.

sqlite-utils imports numpy when it is installed (only to convert numpy values), which costs
the daemon about 14 MB of memory it never uses. numpy is hidden while sqlite-utils loads;
anything that needs numpy later (report charts) still imports it normally.
"""

from __future__ import annotations

import sys

_hidden = "numpy" not in sys.modules
if _hidden:
    sys.modules["numpy"] = None  # type: ignore[assignment]
try:
    import sqlite_utils
finally:
    if _hidden:
        del sys.modules["numpy"]

__all__ = ["sqlite_utils"]
