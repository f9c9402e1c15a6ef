"""Single-use codes that let the browser fetch its session cookie after a sign-in.

A Streamlit script cannot set a cookie: it answers over a websocket. After a sign-in the
script asks for a code here (``issue``) and hands it to a tiny same-origin script in the page,
which POSTs it to the app's own route; the route redeems the code (``redeem``) and answers with
an HttpOnly cookie holding the session token. The code is worth nothing after one use or
``CODE_SECONDS``; only its SHA-256 is kept, in this process's memory (the script and the route
run in the same server process), so neither the code nor the token reaches a URL, a log or the
database. What the cookie is worth is decided where every session is checked
(``auth.touch_session``: idle and absolute timeouts, logout, password change).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

CODE_SECONDS = 60
COOKIE = "party_session"
"""The cookie's name: an opaque session token, HttpOnly, SameSite=Strict, Path=/."""

_LOCK = threading.Lock()
_CODES: dict[str, tuple[str, float]] = {}  # sha256(code) -> (session token, deadline)


def _key(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def issue(token: str, *, now: float | None = None) -> str:
    """A fresh code for ``token``, redeemable once within ``CODE_SECONDS``."""
    now = time.monotonic() if now is None else now
    code = secrets.token_urlsafe(32)
    with _LOCK:
        # Expired codes go when a new one is issued: the table holds a minute of sign-ins.
        for stale in [k for k, (_, deadline) in _CODES.items() if deadline < now]:
            del _CODES[stale]
        _CODES[_key(code)] = (token, now + CODE_SECONDS)
    return code


def pending(code: str, *, now: float | None = None) -> bool:
    """Whether ``code`` is still waiting to be redeemed (the page keeps offering it until then)."""
    now = time.monotonic() if now is None else now
    with _LOCK:
        found = _CODES.get(_key(code))
    return found is not None and found[1] >= now


def redeem(code: object, *, now: float | None = None) -> str | None:
    """The token ``code`` was issued for, once; None for an unknown, used or expired code."""
    if not isinstance(code, str) or not code or len(code) > 128:
        return None
    now = time.monotonic() if now is None else now
    with _LOCK:
        found = _CODES.pop(_key(code), None)
    if found is None or found[1] < now:
        return None
    return found[0]
