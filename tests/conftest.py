from __future__ import annotations

import os

# Older Great Expectations 1.x releases phone home unless told not to (the gate also sets this).
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
