"""Results and figures shared by every session, so concurrent viewers share one computation.

An analysis result is keyed by the function, its arguments bound to its signature with the
defaults applied (``unit=None`` and an omitted ``unit`` are one key), the database file, the
data version (bumped by every import, from the app or the CLI), the hospital configuration and
the viewer's scope: no one is served a stale result or one computed for a wider scope. A
figure is keyed by the chart function and the keys of what it is drawn from (a shared result
by its key, anything else by its content), so it is as safe as its inputs.

Values are shared objects, not copies (``st.cache_resource``): twenty viewers of a page hold
one copy of its tables and nothing is unpickled on every run. Callers treat them as read-only;
pandas' copy-on-write makes every derived frame (a selection, ``assign``, ``rename``) a new
object, so only assigning into a result itself would change it, and no page does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import inspect
import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from analysis import config as config_mod
from analysis import db
from analysis.scope import Scope
from ui.login import viewer
from ui.session import cursor, database_path

# Shared values live 15 minutes; the bound keeps a busy server's memory in check (a page holds
# about ten results and ten figures).
TTL_SECONDS = 900
MAX_ENTRIES = 256


@st.cache_resource(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def _shared_result(name: str, database: str, version: int, config_key: str, scope_key: tuple,
                   arguments: tuple, _fn: Callable, _con, _scope: Scope) -> Any:
    return _fn(_con, scope=_scope, **dict(arguments))


@st.cache_resource(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def _shared_figure(name: str, inputs: tuple, _draw: Callable, _args: tuple, _kwargs: dict) -> Any:
    return _draw(*_args, **_kwargs)


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
    name = f"{fn.__module__}.{fn.__qualname__}"
    arguments = bound_arguments(fn, kwargs)
    key = (name, str(database_path()), db.data_version(con), _config_key(), scope.cache_key, arguments)
    result = _shared_result(*key, _fn=fn, _con=con, _scope=scope)
    _remember(result, key)
    return result


def figure(draw: Callable, *args: Any, **kwargs: Any) -> Any:
    """``draw(*args, **kwargs)`` (a chart of ``analysis.charts``), shared by everyone drawing the same inputs.

    Inputs that cannot be keyed (an object of an unknown kind) make the figure be drawn afresh.
    """
    try:
        inputs = (tuple(_input_key(a) for a in args), tuple((k, _input_key(v)) for k, v in sorted(kwargs.items())))
    except _Unkeyable:
        return draw(*args, **kwargs)
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
        return ("map", tuple(sorted(((repr(k), _input_key(v)) for k, v in value.items()))))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__, tuple(_input_key(getattr(value, f.name)) for f in dataclasses.fields(value)))
    raise _Unkeyable(type(value).__name__)
