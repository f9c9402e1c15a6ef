"""Results and figures shared by every session, so concurrent viewers share one computation.

An analysis result is keyed by the function, its arguments bound to its signature with the
defaults applied (``unit=None`` and an omitted ``unit`` are one key), the database file, the
data version (bumped by every import, from the app or the CLI), the hospital configuration and
the viewer's scope: no one is served a stale result or one computed for a wider scope. A
figure is keyed by the chart function and the keys of what it is drawn from (a shared result
by its key, anything else by its content), so it is as safe as its inputs.

Values are shared objects, not copies: twenty viewers of a page hold one copy of its tables
and nothing is unpickled on every run. Callers treat them as read-only; pandas' copy-on-write
makes every derived frame (a selection, ``assign``, ``rename``) a new object, so only assigning
into a result itself would change it, and no page does.

Results live in a store of this module (a ``cachetools.TTLCache`` behind one condition: a
result being computed is waited for, never computed twice), not in ``st.cache_resource``, so
that a thread outside any script run may fill it: after every import the server's refresher
(``start_refresher``) recomputes the results viewers asked for most recently, for the new data
version, and the next viewer of a page finds them ready instead of paying for the whole page.
What was asked for is also kept in a file beside the database (``save_demand``), so that a
restarted server computes the week's most recent views again as soon as it opens the database
(the sign-in page of its first session), before their viewers come back.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
import importlib
import inspect
import json
import logging
import os
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cachetools
import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis import config as config_mod
from analysis import db
from analysis.charts import hover_rounded
from analysis.scope import Scope
from ui.login import viewer
from ui.session import cursor, database_path

# Results live an hour (a result of one data version never goes stale; an import makes new
# keys), figures 15 minutes (they are redrawn quickly); the bound keeps a busy server's memory
# in check (a page holds about ten results and ten figures).
TTL_SECONDS = 3600
FIGURE_TTL_SECONDS = 900
MAX_ENTRIES = 256


_results: cachetools.TTLCache = cachetools.TTLCache(maxsize=MAX_ENTRIES, ttl=TTL_SECONDS)
_results_ready = threading.Condition()


@cachetools.cached(_results, key=lambda key, *_: key, condition=_results_ready)
def _shared_result(key: tuple, fn: Callable, con: duckdb.DuckDBPyConnection, scope: Scope, arguments: tuple) -> Any:
    """``fn`` computed once for ``key`` (name, database, data version, configuration, scope,
    ``arguments`` as ``_input_key`` keys them)."""
    return fn(con, scope=scope, **dict(arguments))


@st.cache_resource(ttl=FIGURE_TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def _shared_figure(name: str, inputs: tuple, _draw: Callable, _args: tuple, _kwargs: dict) -> Any:
    return _drawn(_draw, _args, _kwargs)


def _drawn(draw: Callable, args: tuple, kwargs: dict) -> Any:
    """``draw``'s figure with the values its tooltips print rounded as the tables round them."""
    drawn = draw(*args, **kwargs)
    return hover_rounded(drawn) if isinstance(drawn, go.Figure) else drawn


def bound_arguments(fn: Callable, kwargs: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """``kwargs`` as ``fn`` receives them: bound to its signature, defaults applied, sorted by name.

    A misspelt keyword raises ``TypeError`` here, before anything is cached.
    """
    bound = inspect.signature(fn).bind_partial(**kwargs)
    bound.apply_defaults()
    return tuple(sorted(bound.arguments.items()))


def cached(fn: Callable, **kwargs: Any) -> Any:
    """``fn(con, scope=viewer, **kwargs)`` through the shared cache (see the module docstring)."""
    con = cursor()
    scope = viewer()
    arguments = bound_arguments(fn, kwargs)
    try:
        demand = _Demand.of(fn, str(database_path()), scope, arguments)
    except _Unkeyable as exc:
        raise TypeError(f"{fn.__qualname__}: an argument of type {exc} cannot be a cache key") from None
    key = demand.key(db.data_version(con), _config_key())
    result = _shared_result(key, fn, con, scope, arguments)
    _asked(demand, fn, scope, arguments)  # only what succeeded: a refused call is not refreshed
    _remember(result, key)
    return result


def clear() -> None:
    """Forget every shared result and what was asked for (tests start clean with it)."""
    _shared_result.cache_clear()
    with _demand_lock:
        _demand.clear()


# --- refreshing after an import ---------------------------------------------------------------
# What viewers asked for, most recent last: the function, its bound arguments and the scope it
# was asked in, without the data version and configuration (a refresh keys them afresh).
DEMAND_SECONDS = TTL_SECONDS  # what would still be shared had there been no import
REFRESH_POLL_SECONDS = 2.0


@dataclasses.dataclass(frozen=True)
class _Demand:
    name: str
    database: str
    scope_key: tuple
    arguments_key: tuple

    @classmethod
    def of(cls, fn: Callable, database: str, scope: Scope, arguments: tuple) -> _Demand:
        """The demand for ``fn`` with bound ``arguments`` in ``scope``; ``_Unkeyable`` if an
        argument cannot be keyed."""
        arguments_key = tuple((name, _input_key(value)) for name, value in arguments)
        return cls(f"{fn.__module__}.{fn.__qualname__}", database, scope.cache_key, arguments_key)

    def key(self, version: int, config_key: str) -> tuple:
        return (self.name, self.database, version, config_key, self.scope_key, self.arguments_key)


@dataclasses.dataclass(frozen=True)
class _Asked:
    """How a view was asked: the function, the scope and bound arguments it was computed with,
    when it was last asked (``time.monotonic()``) and which arguments were the day it was asked
    (a page's ``as_of=today``: a restarted server computes the view for its own day)."""

    fn: Callable
    scope: Scope
    arguments: tuple
    when: float
    today: frozenset[str]


_demand: collections.OrderedDict[_Demand, _Asked] = collections.OrderedDict()
_demand_lock = threading.Lock()
_demand_changes = [0]  # bumped by every _asked: save_demand writes only after something was asked


def _asked(demand: _Demand, fn: Callable, scope: Scope, arguments: tuple) -> None:
    today = dt.date.today()
    asked = _Asked(fn, scope, arguments, time.monotonic(),
                   frozenset(name for name, value in arguments if type(value) is dt.date and value == today))
    with _demand_lock:
        _remember_asked(demand, asked)


def _remember_asked(demand: _Demand, asked: _Asked) -> None:
    # Called with _demand_lock held.
    _demand[demand] = asked
    _demand.move_to_end(demand)
    while len(_demand) > MAX_ENTRIES:
        _demand.popitem(last=False)
    _demand_changes[0] += 1


def refresh(con: duckdb.DuckDBPyConnection, *, database: str, limit: int,
            still_current: Callable[[], bool] = lambda: True, within: float = DEMAND_SECONDS) -> int:
    """Compute, for the data version now in ``database``, the results asked for there within
    ``within`` seconds, most recent first, at most ``limit``; stop early once ``still_current()``
    is false (another import came). Results of older versions are dropped first: no run will ask
    for them again. Returns how many were computed.

    A result that fails here is left for its viewer's own run to compute and show the error.
    """
    version, config_key = db.data_version(con), _config_key()
    with _results_ready:
        for key in [k for k in _results if k[1] == database and k[2] < version]:
            _results.pop(key, None)  # it may have expired since it was listed
    horizon = time.monotonic() - within
    with _demand_lock:
        wanted = [(d, asked) for d, asked in reversed(_demand.items()) if d.database == database and asked.when >= horizon]
    computed = 0
    for demand, asked in wanted[:limit]:
        if not still_current():
            break
        key = demand.key(version, config_key)
        with _results_ready:
            if key in _results:
                continue
        try:
            _shared_result(key, asked.fn, con, asked.scope, asked.arguments)
        except Exception:  # noqa: BLE001 - the viewer's run computes it again and shows the error
            logging.getLogger(__name__).info("refresh of %s failed", demand.name, exc_info=True)
            continue
        computed += 1
    return computed


class Refresher:
    """The server's refresher: at its first look the views asked for before the last restart
    (``load_demand``), then each time the data version changes, ``refresh`` (see above); on
    every look, ``save_demand`` once something new was asked for."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.refreshed = -1  # the data version last refreshed for
        self.computed, self.seconds = 0, 0.0  # what the last refresh computed and took
        self._saved = -1  # _demand_changes when last saved
        self._done = threading.Condition()

    def __call__(self, con: duckdb.DuckDBPyConnection) -> None:
        version = db.data_version(con)
        if version != self.refreshed:
            started = time.perf_counter()
            try:
                limit = config_mod.load().serving.refresh_after_import
                if self.refreshed < 0:  # the server's first look: what was viewed before it started
                    within = RESTART_DEMAND_SECONDS if limit and load_demand(self.database) else 0
                else:
                    within = DEMAND_SECONDS
                self.computed = refresh(con, database=self.database, limit=limit, within=within,
                                        still_current=lambda: db.data_version(con) == version) if within else 0
            finally:
                # Even a look that failed is done: the next one waits for the next import.
                self.seconds = time.perf_counter() - started
                with self._done:
                    self.refreshed = version
                    self._done.notify_all()
        if _demand_changes[0] != self._saved:
            self._saved = _demand_changes[0]
            save_demand(self.database)

    def save_demand(self) -> Path:
        """``save_demand`` now, as the next look would; the file written."""
        save_demand(self.database)
        return demand_path(self.database)

    def wait(self, version: int, timeout: float) -> bool:
        """Wait until the refresh for ``version`` (or a later one) has run; False on timeout."""
        with self._done:
            return self._done.wait_for(lambda: self.refreshed >= version, timeout)


REFRESHERS: dict[str, Refresher] = {}
"""The refresher of each database this process serves, by path (the latest one started)."""


def start_refresher(con: duckdb.DuckDBPyConnection, database: str) -> Refresher:
    """Start the server's refresher thread on ``con`` (the process's handle of ``database``)."""
    refresher = REFRESHERS[database] = Refresher(database)
    db.Periodic(con, "result-refresh", refresher, interval=REFRESH_POLL_SECONDS).start()
    return refresher


# --- what was asked for, across restarts ------------------------------------------------------
# A restarted server computes the most recent views of the last week again; older ones are left.
RESTART_DEMAND_SECONDS = 7 * 24 * 3600
# The packages whose functions the file may name, less the modules that write. A function is
# called back only if it is defined in the module named (no attribute path through what the
# module imported): the file cannot make the server call anything else.
RESTORABLE_PACKAGES: tuple[str, ...] = ("analysis.metrics", "analysis.registers", "analysis.business",
                                        "analysis.survey", "analysis.report")
NOT_RESTORABLE = ("analysis.survey.edits", "analysis.report.settings")
# Kept views are computed under this name: the file keeps a view's scope (role and unit), which
# is all a result is keyed by, not who asked for it.
RESTORED_BY = "system"
DEMAND_FILE_VERSION = 2


def demand_path(database: str) -> Path:
    """The file beside ``database`` that keeps what viewers asked for there."""
    return Path(f"{database}.demand.json")


def save_demand(database: str) -> int:
    """Write what viewers asked for in ``database`` (function, scope's role and unit, arguments,
    which arguments were the day asked, when) to ``demand_path(database)``, replacing it whole
    (owner-only); returns the entries written.

    Entries whose arguments are not plain values (text, numbers, dates, lists, tuples, mappings
    with text keys) are left out. A file that cannot be written (a read-only data directory) is
    logged and skipped.
    """
    now_wall, now = time.time(), time.monotonic()
    with _demand_lock:
        entries = [asked for d, asked in _demand.items() if d.database == database]
    written = []
    for asked in entries:
        try:
            arguments = [[name, _encode(value)] for name, value in asked.arguments]
        except _Unkeyable:
            continue
        written.append({"function": f"{asked.fn.__module__}:{asked.fn.__qualname__}",
                        "role": asked.scope.role, "unit_id": asked.scope.unit_id, "arguments": arguments,
                        "today": sorted(asked.today), "asked_at": now_wall - (now - asked.when)})
    path = demand_path(database)
    part = None
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=path.name,
                                         suffix=".part", delete=False) as part:
            json.dump({"version": DEMAND_FILE_VERSION, "entries": written}, part, ensure_ascii=False)
        os.replace(part.name, path)  # readers see the old file or the new one, never half of one
    except OSError:
        logging.getLogger(__name__).info("could not keep what was asked for in %s", path, exc_info=True)
        if part is not None:
            Path(part.name).unlink(missing_ok=True)
        return 0
    return len(written)


def load_demand(database: str) -> int:
    """Add the entries of ``demand_path(database)`` asked within ``RESTART_DEMAND_SECONDS`` to
    what was asked for (older first, so the most recent stay most recent), the arguments that
    were the day asked set to today; returns how many.

    A view already asked for in this process keeps its own entry. An entry naming a function that
    may not be called back (see ``RESTORABLE_PACKAGES``) or is no longer there, an unknown scope
    or a value that does not decode is left out (logged); a file that cannot be read is logged
    and ignored: nothing in it stops the server.
    """
    path = demand_path(database)
    log = logging.getLogger(__name__)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        entries = stored["entries"] if stored.get("version") == DEMAND_FILE_VERSION else []
        if not isinstance(entries, list):
            raise TypeError("entries is not a list")
    except FileNotFoundError:
        return 0
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        log.warning("ignored %s: not a file of what was asked for", path, exc_info=True)
        return 0
    now_wall, now, today = time.time(), time.monotonic(), dt.date.today()
    kept = []
    for entry in entries:
        try:
            asked_at = entry["asked_at"]
            if not isinstance(asked_at, (int, float)) or not 0 <= now_wall - asked_at <= RESTART_DEMAND_SECONDS:
                continue
            fn = _restorable(entry["function"])
            scope = Scope(RESTORED_BY, entry["role"], entry["unit_id"])
            today_names = frozenset(entry["today"])
            arguments = tuple((name, today if name in today_names else _decode(value)) for name, value in entry["arguments"])
            demand = _Demand.of(fn, database, scope, arguments)
            hash(demand)  # a unit id that is not text fails here, not in the store
        except (KeyError, TypeError, ValueError, AttributeError, ImportError, _Unkeyable):
            log.info("left out an entry of %s: %r", path, entry, exc_info=True)
            continue
        kept.append((asked_at, demand, _Asked(fn, scope, arguments, now - (now_wall - asked_at), today_names)))
    loaded = 0
    with _demand_lock:
        for _, demand, asked in sorted(kept, key=lambda k: k[0]):
            if demand not in _demand:
                _remember_asked(demand, asked)
                loaded += 1
    return loaded


def _restorable(name: str) -> Callable:
    """The function ``name`` ('module:function') names, if it may be called back (see above)."""
    module, _, function = name.partition(":")
    if (not any(module == package or module.startswith(f"{package}.") for package in RESTORABLE_PACKAGES)
            or module in NOT_RESTORABLE
            or not all(part.isidentifier() and not part.startswith("_") for part in [*module.split("."), function])):
        raise ValueError(f"{name} may not be called back")
    fn = getattr(importlib.import_module(module), function, None)
    if not inspect.isfunction(fn) or fn.__module__ != module:
        raise ValueError(f"{name} is not a function of {module}")
    return fn


def _encode(value: Any) -> Any:
    """``value`` as JSON: text, numbers and lists as they are; dates, tuples and mappings tagged."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if type(value) is dt.date:
        return {"date": value.isoformat()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"map": [[k, _encode(v)] for k, v in value.items()]}
    raise _Unkeyable(type(value).__name__)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "date" in value:
            return dt.date.fromisoformat(value["date"])
        if "tuple" in value:
            return tuple(_decode(v) for v in value["tuple"])
        return {k: _decode(v) for k, v in value["map"]}
    return value


def figure(draw: Callable, *args: Any, **kwargs: Any) -> Any:
    """``draw(*args, **kwargs)`` (a chart of ``analysis.charts``), shared by everyone drawing the same inputs.

    Inputs that cannot be keyed (an object of an unknown kind) make the figure be drawn afresh.
    """
    try:
        inputs = (tuple(_input_key(a) for a in args), tuple((k, _input_key(v)) for k, v in sorted(kwargs.items())))
    except _Unkeyable:
        return _drawn(draw, args, kwargs)
    return _shared_figure(f"{draw.__module__}.{draw.__qualname__}", inputs, _draw=draw, _args=args, _kwargs=kwargs)


_last_config: list = [None, ""]  # the Config last keyed and its key: load() returns the same object until the file changes


def _config_key() -> str:
    # An edited hospital.toml (config.load() reads it again when its mtime changes) is a new key.
    cfg = config_mod.load()
    last, key = _last_config
    if cfg is not last:
        key = hashlib.sha256(repr(cfg).encode()).hexdigest()
        _last_config[:] = [cfg, key]
    return key


# --- where a shared value came from -----------------------------------------------------------
# A figure drawn from a shared result is keyed by that result's key rather than by hashing its
# rows. Entries hold a weak reference and are used only while it still points at the very
# object asked about, so a reused id() can never stand for another value.
_origins: dict[int, tuple[weakref.ref, tuple]] = {}
_origins_lock = threading.Lock()
_ORIGINS_PRUNE_AT = 4096


def _remember(result: Any, key: tuple) -> None:
    parts = [(result, key)]
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        parts += [(getattr(result, f.name), (*key, f.name)) for f in dataclasses.fields(result)]
    with _origins_lock:
        if len(_origins) > _ORIGINS_PRUNE_AT:
            for ident in [i for i, (ref, _) in _origins.items() if ref() is None]:
                del _origins[ident]
        for value, value_key in parts:
            try:
                _origins[id(value)] = (weakref.ref(value), value_key)
            except TypeError:
                pass  # str, int, tuple, None: keyed by value when used


def _origin(value: Any) -> tuple | None:
    with _origins_lock:
        entry = _origins.get(id(value))
    return entry[1] if entry is not None and entry[0]() is value else None


class _Unkeyable(Exception):
    """An input whose content cannot be turned into a cache key."""


def _input_key(value: Any) -> Any:
    """A hashable stand-in for ``value``: equal stand-ins mean equal values."""
    if value is None or isinstance(value, (str, int, float, bool, dt.date)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if (origin := _origin(value)) is not None:
        return ("shared", origin)
    if isinstance(value, (pd.DataFrame, pd.Series)):
        try:
            rows = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
        except TypeError as exc:  # a cell holding a list
            raise _Unkeyable from exc
        columns = tuple(map(str, value.columns)) if isinstance(value, pd.DataFrame) else (str(value.name),)
        dtypes = tuple(map(str, value.dtypes)) if isinstance(value, pd.DataFrame) else (str(value.dtype),)
        return ("frame", columns, dtypes, hashlib.sha256(rows).hexdigest())
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted((_input_key(v) for v in value), key=repr)))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(_input_key(v) for v in value))
    if isinstance(value, dict):
        # In order: a survey's groups ({name: options}) are listed in the order they are given.
        return ("map", tuple((repr(k), _input_key(v)) for k, v in value.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__, tuple(_input_key(getattr(value, f.name)) for f in dataclasses.fields(value)))
    raise _Unkeyable(type(value).__name__)
