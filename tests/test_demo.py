"""The demo hospital: scale and calibrated headline figures, computed by the analysis layer."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from analysis import demo, periods
from analysis.metrics import org, tasks, vanguard
from analysis.scope import Scope

ALL = Scope.committee()


def test_scale(demo_con):
    hc = org.headcount(demo_con, scope=ALL, as_of=dt.date(2025, 12, 31))
    assert (hc.general_branches, hc.branches, hc.members) == (7, 34, 640)
    quarters = org.quarters_with_data(demo_con, scope=ALL)
    assert len(quarters) >= 12 and quarters == periods.quarter_range(quarters[0], quarters[-1])


def test_task_completion_is_19_of_26(demo_con):
    c = tasks.completion(demo_con, scope=ALL, as_of=dt.date(2025, 12, 31))
    assert (c.done, c.total, c.rate) == (19, 26, 73.08)


def test_vanguard_trend_is_believable(demo_con):
    trend = vanguard.hospital_trend(demo_con, scope=ALL, first="2023Q1", last="2025Q4")
    assert len(trend) == 12
    assert trend["mean"].between(75, 95).all() and (trend["sd"] > 1).all()
    # Seasonal: every Q4 above the Q1 that follows it; slow improvement year on year.
    by_quarter = trend.set_index("quarter")["mean"]
    assert by_quarter["2023Q4"] > by_quarter["2024Q1"] and by_quarter["2024Q4"] > by_quarter["2025Q1"]
    assert by_quarter["2025Q4"] > by_quarter["2023Q4"]


def test_branch_spread_has_weak_and_improving_branches(demo_con):
    totals = demo_con.execute(
        "SELECT branch_id, quarter, sum(score)::DOUBLE AS total FROM branch_score GROUP BY ALL"
    ).df().pivot(index="branch_id", columns="quarter", values="total")
    gain = totals["2025Q4"] - totals["2023Q4"]
    assert (gain > 4).sum() >= 3, "a few branches improve visibly"
    assert (totals["2025Q4"] < 85).sum() >= 2, "a few branches stay weak"
    assert totals.max().max() <= 100 and totals.min().min() > 60


def test_meeting_gaps_exist_but_are_rare(demo_con):
    held = demo_con.execute(
        "SELECT count(*) FROM activity WHERE activity_type = '支委会'"
    ).fetchone()[0]
    required = 34 * 36  # monthly for 36 months
    assert 0.85 * required < held < required


def test_no_spam_strings_or_seed_names(demo_con):
    names = "".join(r[0] for r in demo_con.execute("SELECT name FROM member UNION ALL SELECT name FROM org_unit").fetchall())
    for banned in ("双色球", "银河", "南昌大学"):
        assert banned not in names


def test_build_is_deterministic(tmp_path):
    def digest(path):
        import duckdb

        con = duckdb.connect(str(path), read_only=True)
        try:
            h = hashlib.sha256()
            for table in ("member", "vanguard_score", "branch_score", "activity", "attendance", "survey_answer"):
                rows = con.execute(f"SELECT * EXCLUDE (batch_id) FROM {table} ORDER BY ALL" if table != "survey_answer"
                                   else f"SELECT * FROM {table} ORDER BY ALL").fetchall()
                h.update(repr(rows).encode())
            return h.hexdigest()
        finally:
            con.close()

    demo.build(tmp_path / "a.duckdb")
    demo.build(tmp_path / "b.duckdb")
    assert digest(tmp_path / "a.duckdb") == digest(tmp_path / "b.duckdb")


def test_survey_headline_end_to_end_from_the_imported_wjx_export(demo_con):
    """The questionnaire reached the database as a 问卷星 CSV through the import pipeline."""
    from scipy.stats import chi2_contingency

    from analysis.metrics import overview

    source = demo_con.execute(
        "SELECT s.source, b.kind, b.file_name FROM survey s JOIN import_batch b USING (batch_id)").fetchone()
    assert source[:2] == ("wjx", "wjx") and source[2].endswith("_0.csv")
    headline = overview.survey_headline(demo_con, scope=ALL)
    shares = headline.shares.set_index("group")
    assert shares.loc["党员", "n"] == 1107 and shares.loc["非党员", "n"] == 1543
    assert round(shares.loc["党员", "pct"]) == 93 and round(shares.loc["非党员", "pct"]) == 86
    # χ² of the 2×2 table, independently by SciPy (no continuity correction, as documented).
    table = [[1030, 1107 - 1030], [1327, 1543 - 1327]]
    chi2, p, dof, _ = chi2_contingency(table, correction=False)
    assert headline.comparison.chi2 == pytest.approx(chi2)
    assert headline.comparison.p_val == pytest.approx(p) and dof == 1
    assert headline.comparison.p_val < 0.001


def test_demo_goes_through_the_import_pipeline(demo_con):
    kinds = [r[0] for r in demo_con.execute("SELECT kind FROM import_batch ORDER BY batch_id").fetchall()]
    assert kinds == ["demo", "org_units", "members", "vanguard_scores", "branch_scores", "four_have", "activities",
                     "attendance", "tasks", "wjx", "departments", "department_performance", "rectifications",
                     "development", "secretaries", "honours", "deployments", "profiles", "methods", "zones", "awards", "transfers"]
    assert demo_con.execute("SELECT count(*) FROM member WHERE batch_id IS NULL").fetchone()[0] == 0


def test_a_scaled_build_keeps_every_campus_whatever_the_grouping(tmp_path, monkeypatch):
    """Two campuses built one group at a time equal the same two built in one group, and every
    campus's quarterly and 四有 scores survive (their re-import replaces whole quarters and years)."""
    import duckdb

    from tests.test_derived import assert_current_and_equal

    def content(path):
        con = duckdb.connect(str(path), read_only=True)
        try:
            assert_current_and_equal(con, demo.config_mod.load())
            return {table: con.execute(f"SELECT * EXCLUDE (batch_id) FROM {table} ORDER BY ALL").fetchall()
                    for table in ("org_unit", "member", "vanguard_score", "branch_score", "four_have_score",
                                  "activity", "attendance", "demonstration_site")}
        finally:
            con.close()

    summary = demo.build(tmp_path / "together.duckdb", scale=2)
    monkeypatch.setattr(demo, "CAMPUSES_PER_BATCH", 1)
    demo.build(tmp_path / "apart.duckdb", scale=2)
    together, apart = content(tmp_path / "together.duckdb"), content(tmp_path / "apart.duckdb")
    assert together == apart
    assert (summary.general_branches, summary.branches, summary.members) == (14, 68, 1280)
    assert len({row[0] for row in together["branch_score"]}) == 68  # every branch, 16 indicators x 12 quarters
    assert len(together["branch_score"]) == 68 * 16 * 12 and len(together["four_have_score"]) == 68 * 4 * 3
    assert len(together["demonstration_site"]) == 2 * 12  # twelve 示范点 a campus


def test_registers_carry_the_articles_figures(demo_con):
    from analysis.registers import development, honours, rectification, secretaries

    year_end = dt.date(2025, 12, 31)
    # 发展党员35人 (seed 002): received as 预备党员 in 2025.
    share = development.backbone_share(demo_con, scope=ALL).set_index("year")
    assert share.loc[2025, "n"] == 35 and 30 < share.loc[2025, "pct"] < 70
    # 9 模范党支部 and 11 星级党支部 ratings over the three years (seed 002).
    listed = honours.honour_list(demo_con, scope=ALL)
    assert (listed["title"] == "模范党支部").sum() == 9 and (listed["title"] == "星级党支部").sum() == 11
    # Every state of a rectification and of a secretary's term is shown by the demo.
    s = rectification.summary(demo_con, scope=ALL, as_of=year_end)
    assert min(s.open, s.overdue, s.closed) >= 1
    statuses = set(secretaries.current_secretaries(demo_con, scope=ALL, as_of=year_end)["status"])
    assert {"逾期未换届", "6个月内届满", "任期内"} <= statuses
    assert len(development.overdue_probation(demo_con, scope=ALL, as_of=year_end)) == 3


def test_retirees_are_of_retirement_age_and_retired(demo_con):
    rows = demo_con.execute(
        "SELECT min(birth_year), max(birth_year), bool_and(p.retired), bool_or(p.front_line) FROM member m "
        "JOIN branch_lineage l USING (branch_id) JOIN member_profile p USING (member_id) WHERE l.department = '离退休'"
    ).fetchone()
    assert rows[0] >= 1938 and rows[1] <= 1963 and rows[2] and not rows[3]
