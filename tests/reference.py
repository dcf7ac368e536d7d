"""Where tests find the shared reference datasets: one setting, nothing else reads them."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Reference datasets live beside the project and are never copied into it.
SHARED_DATA = Path(os.environ.get("CARESIGHT_SHARED_DATA", REPO.parent / "shared" / "data"))
