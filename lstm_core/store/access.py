"""Who may change what: the teacher's key and the owner of a run.

With no key configured (one person on a laptop) everyone may do everything. With a key, a
person may stop or delete only the runs their own browser session started, unless they have
given the key; presets, hiding runs and clearing the queue need the key. A run records its owner
as a hash of a random token the session holds, never the token and never the key.
"""

from __future__ import annotations

import hashlib
import hmac

WRONG_KEY_DELAY_S = 1.0  # a wrong key waits this long, so guessing it by trying is slow
OWNER_CHARS = 24


def key_matches(given: str, key: str) -> bool:
    """Whether ``given`` is the teacher's key, compared in constant time."""
    return hmac.compare_digest(given.encode("utf-8"), key.encode("utf-8"))


def owner_tag(session_token: str) -> str:
    """What a run records as its owner: a one-way hash of the session's random token."""
    return hashlib.sha256(session_token.encode("utf-8")).hexdigest()[:OWNER_CHARS]


def may_teach(key: str | None, unlocked: bool) -> bool:
    """Teacher's actions are allowed: no key is configured, or this session gave it."""
    return key is None or unlocked


def may_manage_run(key: str | None, unlocked: bool, run_owner: str | None,
                   session_owner: str) -> bool:
    """Whether this session may stop or delete a run: a teacher's, or one it started itself."""
    return may_teach(key, unlocked) or (run_owner is not None and run_owner == session_owner)
