"""Per-client throttling of sign-in attempts, with exponential back-off.

The per-name lockout (``auth``) stops guessing one password, but on its own it lets anyone lock
every account: five wrong guesses each. So every attempt also counts against its client (the
remote address, else the browser session; the UI decides, see ``ui.login``): a client has
``client_free_attempts`` failures free, then must wait ``client_backoff_seconds``, doubling with
each further failure up to ``client_backoff_max_minutes``, before its next attempt is checked
at all. Attempts refused here never reach a password check or a name's failure counter, so one
client can keep at most a name or two locked at a time. A sign-in that succeeds clears its
client; a client quiet for the longest back-off is forgotten.

The counts live in this process's memory: the one server process that holds the database
(DuckDB admits one writer) sees every sign-in, and a restart forgetting them costs an attacker
a restart they cannot cause. At most ``max_clients`` clients are kept; the least recently seen
go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from analysis.config import LoginPolicy


@dataclass
class _Client:
    attempts: int = 0  # counted when made, cleared by a success: failures plus attempts in flight
    last_attempt: datetime = datetime.min
    refusal_noted: bool = False


@dataclass(frozen=True)
class Refusal:
    """An attempt refused unchecked: ``wait`` until the client may try again; ``first`` is True
    for the first refusal since the client's last counted attempt (the one worth auditing)."""

    wait: timedelta
    first: bool


class ClientThrottle:
    """Attempts per client, reserved before the password is checked (thread-safe)."""

    def __init__(self, max_clients: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        self.max_clients = max_clients

    def reserve(self, client: str, *, now: datetime, policy: LoginPolicy) -> Refusal | None:
        """Count an attempt of ``client`` before its password is checked, or refuse it.

        Returns None when the attempt may go ahead (it is counted as a failure until
        ``succeeded``), else the ``Refusal`` (nothing counted).
        """
        with self._lock:
            entry = self._clients.pop(client, None)
            if entry is None or now - entry.last_attempt > policy.client_backoff_max:
                entry = _Client()
            self._clients[client] = entry
            wait = self._wait(entry, now, policy)
            if wait is not None:
                first = not entry.refusal_noted
                entry.refusal_noted = True
                return Refusal(wait, first)
            entry.attempts += 1
            entry.last_attempt = max(entry.last_attempt, now)
            entry.refusal_noted = False
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            return None

    def succeeded(self, client: str) -> None:
        """The client signed in: its count starts again."""
        with self._lock:
            self._clients.pop(client, None)

    def cancel(self, client: str) -> None:
        """Give back an attempt that was reserved but never checked (no free verification slot)."""
        with self._lock:
            entry = self._clients.get(client)
            if entry is not None and entry.attempts > 0:
                entry.attempts -= 1

    @staticmethod
    def _wait(entry: _Client, now: datetime, policy: LoginPolicy) -> timedelta | None:
        over = entry.attempts - policy.client_free_attempts
        if over < 0:
            return None
        delay = min(timedelta(seconds=policy.client_backoff_seconds * 2 ** min(over, 40)), policy.client_backoff_max)
        ready = entry.last_attempt + delay
        return ready - now if ready > now else None


#: The throttle of this process (the UI's sign-ins pass through it).
CLIENTS = ClientThrottle()
