"""Where the console's own static files (CSS) live and the URL the app serves them at."""

from __future__ import annotations

from pathlib import Path

STATIC_URL = "/static"
STATIC_DIR = Path(__file__).parent / "static"
