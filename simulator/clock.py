"""Business days and local/UTC time for the simulated period (vectorised, DST-aware)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from simulator.catalog import TIMEZONE


class Clock:
    """Day ``d`` is ``start + d``; a time of day is seconds after local midnight."""

    def __init__(self, start: date, n_days: int, timezone: str = TIMEZONE) -> None:
        self.start = start
        self.n_days = n_days
        tz = ZoneInfo(timezone)
        # Offset at local noon: stores trade between 06:00 and 22:00, away from DST switches.
        self.offset_s = np.array(
            [
                int(
                    datetime.combine(start + timedelta(days=d), datetime.min.time())
                    .replace(hour=12, tzinfo=tz)
                    .utcoffset()
                    .total_seconds()
                )
                for d in range(n_days + 14)  # orders placed at the end arrive after it
            ],
            dtype=np.int64,
        )
        self._base = np.datetime64(start.isoformat(), "s")

    def dates(self, day: np.ndarray) -> np.ndarray:
        """``datetime64[D]`` business dates."""
        return np.datetime64(self.start.isoformat(), "D") + np.asarray(day, dtype=np.int64)

    def local(self, day: np.ndarray, t_local: np.ndarray) -> np.ndarray:
        day = np.asarray(day, dtype=np.int64)
        return self._base + (day * 86400 + np.asarray(t_local, dtype=np.int64)).astype(
            "timedelta64[s]"
        )

    def utc(self, day: np.ndarray, t_local: np.ndarray) -> np.ndarray:
        day = np.asarray(day, dtype=np.int64)
        return self.local(day, t_local) - self.offset_s[day].astype("timedelta64[s]")

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=int(day))
