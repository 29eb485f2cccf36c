"""A time limit on what this thread does, whatever it is doing (waiting for a server, or running
code that never returns): for the launch's deadline and for rendering a chat template."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from types import FrameType


@contextmanager
def time_limit(seconds: float, expired: Callable[[], BaseException]) -> Iterator[None]:
    """Raises `expired()` in this thread once `seconds` have passed. A SIGALRM timer: POSIX and
    the main thread only; elsewhere, and inside another time limit (which then bounds this
    one), it does nothing, and the caller's other bounds alone hold."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
        or signal.getitimer(signal.ITIMER_REAL)[0] > 0
    ):
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> NoReturn:
        raise expired()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
