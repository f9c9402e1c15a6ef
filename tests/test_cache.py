"""The shared cache (ui/cache.py): one computation per function, arguments, data version and
scope, shared by every session; figures shared by what they are drawn from.

The analysis function here counts its calls, which is what "computed once" means; the database is a real copy of the demo and the sessions are real AppTest sessions.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import time

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analysis import config, db
from analysis.scope import Scope
from ui import cache
from ui.session import connection

CALLS: list[tuple] = []


def counted(con, *, scope: Scope, first: str, unit: str | None = None, cfg=None) -> pd.DataFrame:
    """A stand-in analysis function that records each call.

    Returns: first, unit, role (one row).
    """
    CALLS.append((first, unit, scope.cache_key))
    return pd.DataFrame({"first": [first], "unit": [unit], "role": [scope.role]})


def counted_on(con, *, scope: Scope, as_of: dt.date, kinds: tuple, groups: dict) -> pd.DataFrame:
    """A stand-in analysis function with a date, a tuple and a mapping: records each call.

    Returns: as_of (one row).
    """
    CALLS.append((as_of, kinds, groups, scope.cache_key))
    return pd.DataFrame({"as_of": [as_of]})


def session_script(counted) -> None:
    """One page run: the same call written three ways, then another unit."""
    from ui.cache import cached

    cached(counted, first="2025Q1")
    cached(counted, first="2025Q1", unit=None)
    cached(counted, unit=None, first="2025Q1", cfg=None)
    cached(counted, first="2025Q1", unit="B01")


@pytest.fixture()
def database(demo_path, tmp_path, monkeypatch):
    copy = tmp_path / "cache.duckdb"
    shutil.copy(demo_path, copy)
    monkeypatch.setenv("PARTY_DASHBOARD_DB", str(copy))
    CALLS.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    cache.clear()
    yield copy
    st.cache_data.clear()
    st.cache_resource.clear()
    cache.clear()


def session(scope: Scope) -> AppTest:
    app = AppTest.from_function(session_script, default_timeout=60, args=(counted,))
    app.session_state["scope"] = scope  # what signed_in_viewer() puts there
    return app


def test_defaults_are_applied_before_keying():
    # unit=None and an omitted unit are one key; argument order does not matter.
    assert cache.bound_arguments(counted, {"first": "2025Q1"}) == \
        cache.bound_arguments(counted, {"unit": None, "first": "2025Q1"}) == \
        (("cfg", None), ("first", "2025Q1"), ("unit", None))
    with pytest.raises(TypeError):
        cache.bound_arguments(counted, {"frist": "2025Q1"})


def test_sessions_of_one_scope_share_one_computation(database):
    first, second = session(Scope.committee("a")), session(Scope.committee("b"))
    first.run()
    second.run()
    assert not first.exception and not second.exception
    # Two sessions, eight calls: computed once for the hospital and once for B01. The cache key
    # is the scope's role and unit, not the user's name.
    assert sorted(CALLS, key=str) == [("2025Q1", "B01", ("committee", None)), ("2025Q1", None, ("committee", None))]
    secretary = session(Scope("zhibu", "secretary", "B01"))
    secretary.run()
    assert len(CALLS) == 4 and CALLS[-1][2] == ("secretary", "B01")  # another scope computes its own


def test_a_new_data_version_is_computed_afresh(database):
    app = session(Scope.committee())
    app.run()
    app.run()
    assert len(CALLS) == 2
    # This process holds the file (as the server does); an import bumps the version through it.
    con = connection().cursor()
    with db.transaction(con):
        db.bump_data_version(con)
    app.run()
    assert len(CALLS) == 4


def test_an_import_refreshes_what_viewers_asked_for(database):
    app = session(Scope.committee())
    app.run()
    assert len(CALLS) == 2
    con = connection().cursor()
    refresher = cache.REFRESHERS[str(database)]
    assert refresher.wait(db.data_version(con), timeout=30)  # its first look: nothing to refresh
    assert len(CALLS) == 2
    with db.transaction(con):
        db.bump_data_version(con)
    assert refresher.wait(db.data_version(con), timeout=30)
    # Both results were computed again in the background, for the new version ...
    assert sorted(CALLS[2:], key=str) == sorted(CALLS[:2], key=str)
    # ... so the viewer's next run computes nothing, and nothing of the old version is kept.
    app.run()
    assert not app.exception and len(CALLS) == 4
    assert {key[2] for key in cache._results} == {db.data_version(con)}


def test_a_refresh_takes_the_most_recent_first_and_stops_at_its_limit(database, monkeypatch):
    # Refreshing by hand here: the server's thread would race the calls counted below.
    monkeypatch.setattr(cache, "start_refresher", lambda con, path: None)
    app = session(Scope.committee())
    app.run()  # asks for the hospital, then for B01
    con = connection().cursor()
    with db.transaction(con):
        db.bump_data_version(con)
    CALLS.clear()
    assert cache.refresh(con, database=str(database), limit=1) == 1
    assert CALLS == [("2025Q1", "B01", ("committee", None))]
    assert cache.refresh(con, database=str(database), limit=5, still_current=lambda: False) == 0
    assert cache.refresh(con, database=str(database), limit=5) == 1  # the hospital's; B01's is there
    assert cache.refresh(con, database="another.duckdb", limit=5) == 0


def test_refreshing_can_be_turned_off(database, tmp_path, monkeypatch):
    path = tmp_path / "hospital.toml"
    path.write_text("[serving]\nrefresh_after_import = 0\n", encoding="utf-8")
    monkeypatch.setenv(config.CONFIG_ENV, str(path))
    app = session(Scope.committee())
    app.run()
    con = connection().cursor()
    refresher = cache.REFRESHERS[str(database)]
    with db.transaction(con):
        db.bump_data_version(con)
    assert refresher.wait(db.data_version(con), timeout=30)
    assert len(CALLS) == 2
    app.run()
    assert len(CALLS) == 4


def saved_entries(database) -> list:
    path = cache.demand_path(str(database))
    return json.loads(path.read_text(encoding="utf-8"))["entries"] if path.exists() else []


def restart() -> None:
    """What a server restart does to this process's state: no results, nothing asked, a new handle."""
    st.cache_resource.clear()
    cache.clear()
    CALLS.clear()


def test_a_restarted_server_computes_what_was_asked_before(database, monkeypatch):
    monkeypatch.setattr(cache, "RESTORABLE_PACKAGES", (*cache.RESTORABLE_PACKAGES, counted.__module__))
    app = session(Scope.committee("dangban"))
    app.run()
    deadline = time.monotonic() + 30  # the refresher saves on its next look (every two seconds)
    while len(saved_entries(database)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    saved = saved_entries(database)
    assert [e["arguments"] for e in saved] == [
        [["cfg", None], ["first", "2025Q1"], ["unit", None]], [["cfg", None], ["first", "2025Q1"], ["unit", "B01"]]]
    assert "dangban" not in json.dumps(saved)  # the scope's role and unit are kept, not who asked
    restart()
    con = connection().cursor()  # opening the database starts the new server's refresher
    refresher = cache.REFRESHERS[str(database)]
    assert refresher.wait(db.data_version(con), timeout=30)
    # Both views were computed before anyone asked, most recent (B01) first ...
    assert CALLS == [("2025Q1", "B01", ("committee", None)), ("2025Q1", None, ("committee", None))]
    assert refresher.computed == 2
    # ... so the first viewer after the restart computes nothing.
    session(Scope.committee()).run()
    assert len(CALLS) == 2


def ask(fn, scope: Scope, arguments: tuple, *, days_ago: float) -> None:
    """``fn`` asked in ``scope`` with ``arguments`` ``days_ago`` days ago, in database "kept.duckdb"."""
    key = cache._Demand.of(fn, "kept.duckdb", scope, arguments)
    day = dt.date.today() - dt.timedelta(days=days_ago)
    asked = cache._Asked(fn, scope, arguments, time.monotonic() - days_ago * 86_400,
                         frozenset(n for n, v in arguments if v == day))
    with cache._demand_lock:
        cache._remember_asked(key, asked)


def test_kept_views_are_computed_for_the_day_of_each_restart(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RESTORABLE_PACKAGES", (*cache.RESTORABLE_PACKAGES, counted.__module__))
    monkeypatch.chdir(tmp_path)
    cache.clear()
    today, fixed = dt.date.today(), dt.date(2025, 6, 30)
    scope = Scope("zhibu", "secretary", "B01")
    groups, kinds = {"党员": ["1"], "其他": ["2", fixed]}, ("支委会", "党课")
    # Asked yesterday for the day it was asked (as_of=today then), and eight days ago.
    ask(counted_on, scope, (("as_of", today - dt.timedelta(days=1)), ("groups", groups), ("kinds", kinds)), days_ago=1)
    ask(counted_on, Scope.committee(), (("as_of", fixed), ("groups", {}), ("kinds", ())), days_ago=8)
    assert cache.save_demand("kept.duckdb") == 2
    for _ in range(2):  # a second restart still computes it for its own day
        cache.clear()
        assert cache.load_demand("kept.duckdb") == 1  # the one of eight days ago is left out
        [asked] = cache._demand.values()
        # "today" is today; other dates, tuples and the mapping's order come back as they were;
        # the scope is the role and unit, computed under the restorer's name.
        assert asked.fn is counted_on and asked.scope == Scope(cache.RESTORED_BY, "secretary", "B01")
        assert asked.arguments == (("as_of", today), ("groups", groups), ("kinds", kinds))
        assert cache.save_demand("kept.duckdb") == 1
    cache.clear()


def test_a_view_asked_before_the_first_look_keeps_its_own_time(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RESTORABLE_PACKAGES", (*cache.RESTORABLE_PACKAGES, counted.__module__))
    monkeypatch.chdir(tmp_path)
    cache.clear()
    arguments = (("as_of", dt.date(2025, 6, 30)), ("groups", {}), ("kinds", ()))
    ask(counted_on, Scope.committee(), arguments, days_ago=2)
    assert cache.save_demand("kept.duckdb") == 1
    cache.clear()
    ask(counted_on, Scope.committee(), arguments, days_ago=0)  # a viewer, before the file is read
    assert cache.load_demand("kept.duckdb") == 0
    [asked] = cache._demand.values()
    assert time.monotonic() - asked.when < 60
    cache.clear()


def test_a_kept_view_is_called_back_only_if_it_is_a_reading_analysis_function(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    cache.clear()
    entry = {"role": "committee", "unit_id": None, "arguments": [["path", "/tmp/x"]], "today": [],
             "asked_at": time.time()}
    refused = ["os:remove", "analysis.db:os.remove", "analysis.metrics.vanguard:fetch_frame",  # imported there
               "analysis.survey.edits:unlink_waves", "analysis.__main__:main", "analysis.metrics._x:f",
               "analysis.metrics.vanguard:no_such_function", "analysis.metrics.vanguard:__name__"]
    cache.demand_path("kept.duckdb").write_text(json.dumps({"version": cache.DEMAND_FILE_VERSION, "entries": [
        *({**entry, "function": name} for name in refused),
        {**entry, "function": "analysis.metrics.vanguard:member_index", "role": "king"},
        {**entry, "function": "analysis.metrics.vanguard:member_index", "unit_id": {"not": "text"}},
        {**entry, "function": "analysis.metrics.vanguard:member_index", "asked_at": "yesterday"},
        "not an entry",
    ]}), encoding="utf-8")
    assert cache.load_demand("kept.duckdb") == 0 and not cache._demand
    assert "analysis.__main__" not in sys.modules  # not even imported
    for text in ("{not json", json.dumps({"version": cache.DEMAND_FILE_VERSION, "entries": 5})):
        cache.demand_path("kept.duckdb").write_text(text, encoding="utf-8")
        assert cache.load_demand("kept.duckdb") == 0  # logged and ignored: the server starts as without it
    assert "not a file of what was asked for" in caplog.text


def test_a_failed_first_look_still_lets_later_imports_be_refreshed(database, monkeypatch):
    def broken(path):
        raise RuntimeError("a bug while reading the kept views")

    monkeypatch.setattr(cache, "load_demand", broken)
    monkeypatch.setattr(cache, "start_refresher", lambda con, path: None)  # looks taken by hand below
    con = connection().cursor()
    refresher = cache.Refresher(str(database))
    with pytest.raises(RuntimeError):
        refresher(con)
    assert refresher.wait(db.data_version(con), timeout=1)  # the first look is over all the same


def figure_script() -> None:
    import pandas as pd
    import streamlit as st

    from analysis import charts
    from ui.cache import figure

    trend = pd.DataFrame({"quarter": ["2025Q1", "2025Q2"], "mean": [80.0, 82.0], "median": [80.0, 82.0],
                          "sd": [5.0, 5.0], "n": [10, 10]})
    st.session_state["figures"] = [id(figure(charts.vanguard_trend, trend, title="t")),
                                   id(figure(charts.vanguard_trend, trend.copy(), title="t")),
                                   id(figure(charts.vanguard_trend, trend, title="another title"))]


def rounded_figure_script() -> None:
    import pandas as pd
    import streamlit as st

    from analysis import charts
    from ui.cache import figure

    trend = pd.DataFrame({"quarter": ["2025Q1", "2025Q2"], "mean": [84.44999999999999, 84.25],
                          "median": [80.0, 82.0], "sd": [5.0, 5.0], "n": [10, 10]})
    drawn = figure(charts.vanguard_trend, trend, title="t")
    st.session_state["means"] = [list(t.y) for t in drawn.data if "均值 %{y:.1f}" in (t.hovertemplate or "")]


def test_a_figure_drawn_for_a_page_has_its_tooltip_values_rounded(database):
    app = AppTest.from_function(rounded_figure_script, default_timeout=60)
    app.run()
    assert app.session_state["means"] == [[84.5, 84.3]]


def test_a_figure_is_drawn_once_for_the_same_inputs(database):
    app = AppTest.from_function(figure_script, default_timeout=60)
    app.run()
    first, same_content, other_title = app.session_state["figures"]
    assert first == same_content != other_title


def test_figure_keys_follow_the_inputs():
    frame = pd.DataFrame({"branch_id": ["B1", "B2"], "total": [90.0, 80.0]})
    same = frame.copy()
    other = frame.assign(total=[90.0, 80.5])
    key = cache._input_key
    assert key(frame) == key(same) and key(frame) != key(other)
    assert key({"B2", "B1"}) == key({"B1", "B2"}) != key({"B1"})
    # A mapping keeps its order: a survey's groups are listed in the order given.
    assert key({"党员": {"1"}, "其他": {"2"}}) != key({"其他": {"2"}, "党员": {"1"}})
    assert key(frame) != key(frame.rename(columns={"total": "score"}))
    with pytest.raises(cache._Unkeyable):
        key(object())
