"""Run a test's fake HTTP server (GitHub, the Kubernetes API) in a thread: bounded, always stopped."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from socketserver import BaseServer

LIFETIME_S = 120.0  # the server stops by itself after this, even if a test hangs


@contextlib.contextmanager
def serving(server: BaseServer, lifetime_s: float = LIFETIME_S) -> Iterator[None]:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    watchdog = threading.Timer(lifetime_s, server.shutdown)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
