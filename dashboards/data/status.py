"""Texts the pages show about the serving snapshot's state (pure functions, tested alone)."""

from __future__ import annotations

from retailwh.publish import BlockedStatus
from retailwh.serving import Snapshot


def blocked_message(status: BlockedStatus, snap: Snapshot | None) -> str:
    """One paragraph: since when publishing is blocked, what the pages show instead, and why."""
    attempts = "1 attempt" if status.attempts == 1 else f"{status.attempts} attempts"
    if snap is None:
        shown = "Nothing has been published yet."
    else:
        shown = (
            f"These pages show the last good snapshot `{snap.version}`, "
            f"published {snap.published_at:%Y-%m-%d %H:%M} UTC."
        )
    reasons = "\n".join(f"- {problem}" for problem in status.problems)
    return (
        f"**Publishing is blocked since {status.blocked_since:%Y-%m-%d %H:%M} UTC** "
        f"({attempts}, the latest {status.last_blocked_at:%Y-%m-%d %H:%M} UTC). {shown} "
        f"Blocking checks failed:\n{reasons}"
    )
