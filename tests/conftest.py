from __future__ import annotations

import os

# Great Expectations phones home and draws tqdm bars unless told not to.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")
