"""A small in-process sliding-window limiter for lookups that must not become guessing oracles (the
public progress query). Each web worker keeps its own window, so the effective limit is per worker;
a reverse proxy in front should limit as well."""

from __future__ import annotations

import threading
import time
from collections import deque

from yiwang.core.errors import TooManyRequests


class SlidingWindow:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count one attempt for ``key``; refuse it when the window is full."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] > self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = int(self.seconds - (now - hits[0])) + 1
                raise TooManyRequests(f"查询过于频繁，请 {retry} 秒后再试", code="too_many_requests",
                                      extra={"retry_after": retry})
            hits.append(now)
            if len(self._hits) > 50_000:  # forget idle clients rather than grow without bound
                for k in [k for k, v in self._hits.items() if not v or now - v[-1] > self.seconds]:
                    del self._hits[k]
