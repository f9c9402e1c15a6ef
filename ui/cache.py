"""Results of analysis functions shared by every session, keyed by data version and scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from analysis import db
from analysis.scope import Scope
from ui.login import viewer
from ui.session import cursor, database_path


@st.cache_data(ttl=900, max_entries=512, show_spinner=False)
def _cached_call(name: str, database: str, version: int, scope_key: tuple, kwargs: dict, _fn: Callable, _con,
                 _scope: Scope) -> Any:
    return _fn(_con, scope=_scope, **kwargs)


def cached(fn: Callable, **kwargs: Any) -> Any:
    """Call ``fn(con, scope=viewer, **kwargs)`` through the shared cache.

    The cache key holds the data version (bumped by every import, from the app or the CLI)
    and the viewer's scope, so no one is served a stale result or one computed for a wider
    scope.
    """
    con = cursor()
    scope = viewer()
    return _cached_call(f"{fn.__module__}.{fn.__qualname__}", str(database_path()), db.data_version(con),
                        scope.cache_key, kwargs, _fn=fn, _con=con, _scope=scope)
