"""Coalesce bursts of changes into few redraws.

A dragged slider sends a stream of values; each one arriving while the
kernel is busy waits in a queue, and redrawing for every queued value
only makes the picture lag further behind. ``Coalescer`` redraws at once
for the first change, then once more when the changes pause for
``window`` seconds, so it always ends on the latest state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Coalescer:
    """Run ``work`` once for any number of requests close together.

    Parameters
    ----------
    work : callable
        Recomputes and sends; called with no arguments.
    window : float, default 0.05
        How long requests must pause before the trailing run.

    Notes
    -----
    When an asyncio event loop runs in this thread (a Jupyter kernel
    has one), the first request runs ``work`` at once; requests that
    follow within ``window`` seconds of each other only mark the state
    dirty, and once they pause for ``window`` seconds, one call runs
    ``work`` again. A continuous drag therefore shows its first and its
    last value, and any value where the hand rests a moment. With
    no running loop (a script, a test) every request runs ``work`` at
    once. Inside ``hold()`` requests wait, and leaving the outermost
    ``hold()`` runs ``work`` once if anything was requested.

    Examples
    --------
    >>> calls = []
    >>> coalescer = Coalescer(lambda: calls.append(1))
    >>> with coalescer.hold():
    ...     for _ in range(100):
    ...         coalescer.request()
    >>> coalescer.runs
    1
    """

    def __init__(self, work: Callable[[], None], window: float = 0.05):
        self._work = work
        self._window = window
        self._dirty = False
        self._held = 0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        self._last = 0.0
        self.runs = 0

    def request(self) -> None:
        """Ask for ``work`` to run, now or soon."""
        self._dirty = True
        loop = _running_loop()
        if self._timer is not None and self._timer_loop is not loop:
            # The loop that held the timer has stopped; it never fires.
            self._timer = None
        if self._held:
            return
        if self._timer is not None:
            self._last = loop.time()
            return
        self.flush()
        if loop is not None:
            self._last = loop.time()
            self._arm(loop, self._window)

    def _arm(self, loop: asyncio.AbstractEventLoop, delay: float) -> None:
        self._timer = loop.call_later(delay, self._trailing)
        self._timer_loop = loop

    def _trailing(self) -> None:
        loop = self._timer_loop
        quiet = loop.time() - self._last
        if quiet < self._window:
            # Changes are still arriving: wait until they pause.
            self._arm(loop, self._window - quiet)
            return
        self._timer = None
        self.flush()

    def flush(self) -> None:
        """Run ``work`` now if a request is waiting."""
        if not self._dirty:
            return
        self._dirty = False
        self.runs += 1
        self._work()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Gather every request inside the block into one run."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held:
                self.flush()
