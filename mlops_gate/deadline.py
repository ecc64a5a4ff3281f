"""How long network work may take: the default, and the one `Deadline` every integration obeys.

A per-read socket timeout does not bound a request: a server that sends one byte a second resets
it forever (issue 13, item 4). So a `Deadline` is a budget on the monotonic clock, enforced two
ways, both bounded by the time left rather than by each read:

- `Deadline.run(fn)`: for a blocking library call we do not control (MLflow's REST client,
  PyGithub, the kubernetes client). The call runs in a daemon worker thread; the caller waits
  for the time left and raises `DeadlineExceeded` when it passes. The abandoned worker ends when
  its socket does (its own per-read timeout) or with the process, and can no longer hold anyone.
- `DeadlineHTTPConnection`: for our own `http.client` requests (the local canary). Its socket
  sets its timeout to the time left before every send and receive, so a trickle runs out of time
  and the request fails with `TimeoutError` in the caller's own thread; nothing is left behind.

A `Budget` is the same total for work that runs in pieces between other work (a check's Spark
jobs between its local gates): its clock runs only while the work does.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import http.client

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 120.0
"""Seconds a command's registry, GitHub or cluster work may take in all (`--timeout`)."""


class DeadlineExceeded(TimeoutError):
    """The deadline passed before the work finished; callers turn it into their one-line error."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"timed out after {seconds:g} s")
        self.seconds = seconds


class Deadline:
    """A budget of `seconds` on the monotonic clock, shared by every call of one operation."""

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self._end = time.monotonic() + self.seconds

    def __repr__(self) -> str:
        return f"Deadline({self.seconds:g} s, {self.remaining():.3f} s left)"

    def remaining(self) -> float:
        """Seconds left; zero or less once it passed."""
        return self._end - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def check(self) -> float:
        """The seconds left, or `DeadlineExceeded` when none are."""
        left = self.remaining()
        if left <= 0:
            raise DeadlineExceeded(self.seconds)
        return left

    def cap(self, seconds: float) -> float:
        """`seconds`, or the time left when that is shorter (a per-request timeout)."""
        return max(0.001, min(seconds, self.check()))

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)`, or `DeadlineExceeded` once the time left has passed.

        The call runs in a daemon thread (with the caller's context variables); its exception,
        if any, is raised here. On expiry the thread is abandoned, never waited for.
        """
        left = self.check()
        outcome: list[tuple[bool, Any]] = []
        done = threading.Event()
        context = contextvars.copy_context()

        def work() -> None:
            try:
                outcome.append((True, context.run(fn, *args, **kwargs)))
            except BaseException as exc:  # handed to the caller, whatever it is
                outcome.append((False, exc))
            finally:
                done.set()

        threading.Thread(target=work, name="mlops-gate-deadline", daemon=True).start()
        if not done.wait(left):
            raise DeadlineExceeded(self.seconds)
        ok, value = outcome[0]
        if ok:
            return value  # type: ignore[no-any-return]
        raise value


class Budget:
    """`seconds` of one kind of work in all, charged only while that work runs.

    A `Deadline` runs from its creation; a budget's clock runs inside `charging()` blocks only,
    and several at once (gate threads) are charged once: the Spark jobs of a check may take
    `spark.timeout_s` seconds in all, and the local gates between them (pytest, latency) are not
    charged to them. `deadline()` is what is left now, for a call that takes a `Deadline`.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self._spent = 0.0
        self._running = 0  # charging() blocks open now
        self._since = 0.0  # when the first of them opened
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Budget({self.seconds:g} s, {self.remaining():.3f} s left)"

    def remaining(self) -> float:
        """Seconds left; zero or less once spent."""
        with self._lock:
            spent = self._spent + (time.monotonic() - self._since if self._running else 0.0)
        return self.seconds - spent

    def expired(self) -> bool:
        return self.remaining() <= 0

    def deadline(self) -> Deadline:
        """A deadline of the time left now (a call made inside `charging()`)."""
        return Deadline(self.remaining())

    @contextlib.contextmanager
    def charging(self) -> Iterator[None]:
        """The clock runs while at least one block is open, on any thread."""
        with self._lock:
            if not self._running:
                self._since = time.monotonic()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if not self._running:
                    self._spent += time.monotonic() - self._since


if TYPE_CHECKING:  # the class is made on first use (`__getattr__`): `--help` stays fast

    class DeadlineHTTPConnection(http.client.HTTPConnection):
        """`http.client.HTTPConnection` whose connect, send and every read stop at `deadline`;
        a kept-alive connection gives each request its own budget with `bound`."""

        deadline: Deadline

        def __init__(self, host: str, port: int | None, deadline: Deadline) -> None: ...
        def bound(self, deadline: Deadline) -> DeadlineHTTPConnection: ...


def __getattr__(name: str) -> Any:
    """`DeadlineHTTPConnection`, made when first asked for: `http.client` (and the `email`
    package under it) is not imported by `mlops-gate --help`, which imports this leaf."""
    if name == "DeadlineHTTPConnection":
        return _http_connection_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _http_connection_class() -> type[DeadlineHTTPConnection]:
    import http.client
    import socket

    class DeadlineSocket(socket.socket):
        """A socket whose every send and receive may take only the time its deadline has left."""

        deadline: Deadline | None = None

        def _arm(self) -> None:
            if self.deadline is not None:
                self.settimeout(self.deadline.cap(float("inf")))

        def recv(self, *args: Any) -> bytes:
            self._arm()
            return super().recv(*args)

        def recv_into(self, *args: Any) -> int:
            self._arm()
            return super().recv_into(*args)

        def send(self, *args: Any) -> int:
            self._arm()
            return super().send(*args)

        def sendall(self, *args: Any) -> None:
            self._arm()
            super().sendall(*args)

    class Connection(http.client.HTTPConnection):
        def __init__(self, host: str, port: int | None, deadline: Deadline) -> None:
            super().__init__(host, port, timeout=deadline.cap(float("inf")))
            self.deadline = deadline
            self._create_connection = self._connect_socket

        def bound(self, deadline: Deadline) -> Connection:
            self.deadline = deadline
            if isinstance(self.sock, DeadlineSocket):
                self.sock.deadline = deadline
            return self

        def _connect_socket(
            self, address: tuple[str, int], timeout: Any = None, source: Any = None
        ) -> socket.socket:
            plain = socket.create_connection(address, self.deadline.cap(float("inf")), source)
            sock = DeadlineSocket(plain.family, plain.type, plain.proto, fileno=plain.detach())
            sock.deadline = self.deadline
            return sock

    Connection.__name__ = Connection.__qualname__ = "DeadlineHTTPConnection"
    return Connection  # type: ignore[return-value]  # the same interface as the stub above
