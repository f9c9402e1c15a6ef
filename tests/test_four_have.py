"""四有工程 (analysis/metrics/four_have.py): hand-worked fixtures (arithmetic in the comments) and the
demo; the page is in test_pages.py."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.metrics import four_have
from analysis.scope import Scope
from tests.builders import add_org

ALL = Scope.committee()
RESEARCHER = Scope("r", "researcher")
DIMS = ("leadership", "method", "brand", "model")  # 班子有作为, 支部有方法, 党建有品牌, 单位有典型; 25 each


def add_scores(con, branch_id: str, year: int, scores, self_scores=(None, None, None, None)) -> None:
    """One 四有 sheet; a None score leaves that dimension unscored."""
    for dim, score, self_score in zip(DIMS, scores, self_scores):
        if score is not None:
            con.execute(
                "INSERT INTO four_have_score (branch_id, year, dimension_id, max_points, self_score, score) "
                "VALUES (?, ?, ?, 25, ?, ?)",
                [branch_id, year, dim, self_score, score],
            )


@pytest.fixture()
def hospital(empty_con):
    """Five branches; 2024 is the evaluation year, 2023 the year before.

    2024          班子 方法 品牌 典型  total  self                 min share
      B1           20   22   18   20    80   21 22 20 22 = 85    18/25 = 0.72 (品牌)
      B2           22   21   20   21    84   23 21 21 22 = 87    20/25 = 0.80 (品牌)
      B3           21   19   21   19    80   -- 20 22 19 = NULL  19/25 = 0.76 (方法 and 典型 tie)
      B4           25   25   25    -    75   (incomplete: 3 of 4 dimensions)
      B5           (no scores)
    2023 totals: B1 90, B2 70, B3 80 (complete sheets of equal scores).
    Sites: B1 named 2023, B4 named 2024, B3 named 2025 (after the evaluation year).
    Noise that must be ignored: a retired dimension. (A sheet booked on a 总支 cannot be imported:
    tests/test_checks.py.)
    """
    con = empty_con
    add_org(con, {"G1": ["B1", "B2"], "G2": ["B3", "B4", "B5"]})
    add_scores(con, "B1", 2024, (20, 22, 18, 20), (21, 22, 20, 22))
    add_scores(con, "B2", 2024, (22, 21, 20, 21), (23, 21, 21, 22))
    add_scores(con, "B3", 2024, (21, 19, 21, 19), (None, 20, 22, 19))
    add_scores(con, "B4", 2024, (25, 25, 25, None))
    for branch, each in (("B1", 22.5), ("B2", 17.5), ("B3", 20)):
        add_scores(con, branch, 2023, (each,) * 4)
    con.execute("INSERT INTO four_have_dimension VALUES ('retired', '旧维度', 10, 9)")
    con.execute("INSERT INTO four_have_score (branch_id, year, dimension_id, max_points, score) "
                "VALUES ('B1', 2024, 'retired', 10, 1)")
    for branch, year, title in (("B1", 2023, "四有工程示范点"), ("B4", 2024, "党建品牌示范点"), ("B3", 2025, "四有工程示范点")):
        con.execute("INSERT INTO demonstration_site VALUES (?, ?, ?, NULL)", [branch, year, title])
    return con


def test_branch_scores_gap_to_hospital_mean(hospital):
    s = four_have.branch_scores(hospital, scope=ALL, year=2024).set_index(["branch_id", "dimension_id"])
    # 4 + 4 + 4 + 3 rows (B4 lacks 单位有典型); the retired dimension is not in it.
    assert len(s) == 15
    assert set(s.index.get_level_values(1)) == set(DIMS)
    # 班子有作为: (20 + 22 + 21 + 25) / 4 = 22.0 over n = 4.
    # 党建有品牌: (18 + 20 + 21 + 25) / 4 = 21.0; 单位有典型: (20 + 21 + 19) / 3 = 20.0.
    assert s.loc[("B1", "leadership"), ["hospital_mean", "hospital_n", "gap"]].tolist() == [22.0, 4, -2.0]
    assert s.loc[("B1", "brand"), "gap"] == -3.0
    assert s.loc[("B3", "model"), ["hospital_mean", "hospital_n", "gap"]].tolist() == [20.0, 3, -1.0]
    # Self minus evaluated: B1 品牌 20 - 18 = 2; B3 班子 has no self score.
    assert s.loc[("B1", "brand"), "self_gap"] == 2.0
    assert pd.isna(s.loc[("B3", "leadership"), "self_score"]) and pd.isna(s.loc[("B3", "leadership"), "self_gap"])
    assert s.loc[("B2", "brand"), "share"] == pytest.approx(0.8)
    # 党建有品牌 ranks: B4 25 -> 1, B3 21 -> 2, B2 20 -> 3, B1 18 -> 4.
    brand = s.xs("brand", level="dimension_id")["dimension_rank"]
    assert brand.to_dict() == {"B1": 4, "B2": 3, "B3": 2, "B4": 1}
    assert s.loc[("B1", "leadership"), "dimension_name"] == "班子有作为"


def test_branch_scores_narrowed_keep_hospital_mean(hospital):
    s = four_have.branch_scores(hospital, scope=ALL, year=2024, unit="G2")
    assert set(s["branch_id"]) == {"B3", "B4"}
    assert s.loc[(s["branch_id"] == "B4") & (s["dimension_id"] == "leadership"), "hospital_mean"].item() == 22.0


def test_branch_totals_ranks_ties_and_incomplete_sheets(hospital):
    t = four_have.branch_totals(hospital, scope=ALL, year=2024)
    # Ranked first (B2 84; B1 and B3 tie at 80), then the unranked by id (B4 incomplete, B5 unscored).
    assert t["branch_id"].tolist() == ["B2", "B1", "B3", "B4", "B5"]
    t = t.set_index("branch_id")
    assert t["rank"].tolist()[:3] == [1, 2, 2] and t.loc[["B4", "B5"], "rank"].isna().all()
    assert t.loc["B1", "total"] == 80.0  # the retired dimension's 1 point is not counted
    # Hospital mean of complete sheets: (84 + 80 + 80) / 3 = 81.333..., n = 3.
    assert t.loc["B2", "hospital_mean"] == pytest.approx(244 / 3) and t.loc["B5", "hospital_n"] == 3
    assert t.loc["B2", "gap"] == pytest.approx(84 - 244 / 3)
    # B4: 3 dimensions, 75 of 75 -> share 1.0, not complete, no gap.
    assert t.loc["B4", ["dimensions_scored", "complete", "total", "max_total", "share"]].tolist() == [3, False, 75.0, 75.0, 1.0]
    assert pd.isna(t.loc["B4", "gap"])
    # B5: nothing scored.
    assert t.loc["B5", "dimensions_scored"] == 0 and not t.loc["B5", "complete"] and pd.isna(t.loc["B5", "total"])
    # Self totals: B1 85 - 80 = 5; B3 misses one self score -> NULL.
    assert t.loc["B1", ["self_total", "self_gap"]].tolist() == [85.0, 5.0]
    assert pd.isna(t.loc["B3", "self_total"])
    # 2023 ranks B1 1 (90), B3 2 (80), B2 3 (70): change = previous - current.
    assert t.loc["B2", ["previous_rank", "rank_change"]].tolist() == [3, 2]
    assert t.loc["B1", "rank_change"] == -1 and t.loc["B3", "rank_change"] == 0
    # Weakest: B1 品牌 18/25 = 0.72; B3 ties 方法 and 典型 at 19/25 -> the first in catalogue order.
    assert t.loc["B1", ["min_share", "weakest_dimension"]].tolist() == [pytest.approx(0.72), "党建有品牌"]
    assert t.loc["B3", "weakest_dimension"] == "支部有方法"
    # Sites named in 2024 or before: B1 (2023), B4 (2024); B3's 2025 naming is in the future.
    assert t["is_site"].to_dict() == {"B2": False, "B1": True, "B3": False, "B4": True, "B5": False}
    assert t.loc["B4", ["site_title", "site_year"]].tolist() == ["党建品牌示范点", 2024]


def test_branch_totals_unit_keeps_hospital_ranks(hospital):
    t = four_have.branch_totals(hospital, scope=ALL, year=2024, unit="G2").set_index("branch_id")
    assert t.index.tolist() == ["B3", "B4", "B5"]
    assert t.loc["B3", "rank"] == 2 and t.loc["B3", "hospital_mean"] == pytest.approx(244 / 3)
    one = four_have.branch_totals(hospital, scope=ALL, year=2024, unit="B2")
    assert one["branch_id"].tolist() == ["B2"] and one["rank"].item() == 1


def test_year_without_data(hospital):
    assert four_have.years(hospital, scope=ALL) == [2023, 2024]
    assert four_have.branch_scores(hospital, scope=ALL, year=2022).empty
    t = four_have.branch_totals(hospital, scope=ALL, year=2022)
    assert len(t) == 5 and (t["dimensions_scored"] == 0).all() and t["rank"].isna().all()
    assert t["hospital_n"].eq(0).all() and t["hospital_mean"].isna().all() and not t["is_site"].any()
    p = four_have.profile(hospital, scope=ALL, year=2022)
    assert p["dimension_name"].tolist() == ["班子有作为", "支部有方法", "党建有品牌", "单位有典型"]
    assert p["hospital_mean"].isna().all() and (p["hospital_n"] == 0).all() and (p["unit_n"] == 0).all()
    assert four_have.site_candidates(hospital, scope=ALL, year=2022).empty
    ev = four_have.evaluation(hospital, scope=ALL, last="2022Q4")
    assert ev.year == 2022 and not ev.has_data and ev.hospital_mean is None and ev.hospital_n == 0
    assert ev.years == (2023, 2024) and ev.unit_mean is None


def test_profile_unit_against_hospital(hospital):
    p = four_have.profile(hospital, scope=ALL, year=2024, unit="G2").set_index("dimension_id")
    # G2 班子有作为: (21 + 25) / 2 = 23 against 22 -> +1; 单位有典型: B3 only, 19 against 20.
    assert p.loc["leadership", ["unit_mean", "unit_n", "hospital_mean", "gap"]].tolist() == [23.0, 2, 22.0, 1.0]
    assert p.loc["model", ["unit_mean", "unit_n", "gap"]].tolist() == [19.0, 1, -1.0]
    assert p["max_points"].tolist() == [25.0] * 4
    whole = four_have.profile(hospital, scope=ALL, year=2024).set_index("dimension_id")
    assert (whole["unit_mean"] == whole["hospital_mean"]).all()
    # Self: 班子 B1 21 and B2 23 -> mean 22, gap ((21-20) + (23-22)) / 2 = 1;
    # 品牌 gaps B1 2, B2 1, B3 1 -> 4/3.
    assert whole.loc["leadership", ["unit_self_mean", "self_gap"]].tolist() == [22.0, 1.0]
    assert whole.loc["brand", "self_gap"] == pytest.approx(4 / 3)


def test_site_candidates_rule(hospital):
    c = four_have.site_candidates(hospital, scope=ALL, year=2024)
    # Default top 12 and 80 %: only B2 (min share exactly 20/25 = 0.80 counts). Named sites follow:
    # B1 (rank 2, 品牌 72 %) and B4 (incomplete, unranked, last).
    assert c["branch_id"].tolist() == ["B2", "B1", "B4"]
    assert c["candidate"].tolist() == [True, False, False] and c["is_site"].tolist() == [False, True, True]
    assert c.loc[0, "note"] == "符合条件：总分第1名，各维度得分率均不低于80%"
    assert c.loc[1, "note"] == "已命名示范点（2023年）；本年度不符合候选条件：党建有品牌得分率72.0%，低于80%"
    assert c.loc[2, "note"] == "已命名示范点（2024年）；本年度不符合候选条件：评分不完整（3个维度）"
    # Top 2 at 70 %: the tie at rank 2 lets both B1 and B3 in (3 candidates for a top 2).
    c = four_have.site_candidates(hospital, scope=ALL, year=2024, top_n=2, min_share=0.7)
    assert c.loc[c["candidate"], "branch_id"].tolist() == ["B2", "B1", "B3"]
    assert c.loc[c["branch_id"] == "B1", "note"].item() == "符合条件：总分第2名，各维度得分率均不低于70%；已命名示范点（2023年）"
    # Top 1: rank 2 is out.
    c = four_have.site_candidates(hospital, scope=ALL, year=2024, top_n=1, min_share=0.7)
    assert c.loc[c["candidate"], "branch_id"].tolist() == ["B2"]
    assert c.loc[c["branch_id"] == "B1", "note"].item() == "已命名示范点（2023年）；本年度不符合候选条件：总分第2名，未进前1名"
    # Narrowed to G2: no candidate there, B4 still listed as a site.
    assert four_have.site_candidates(hospital, scope=ALL, year=2024, unit="G2")["branch_id"].tolist() == ["B4"]


def test_site_title_is_the_latest_naming(hospital):
    # B1 (named 2023) gets two more titles in 2024: the year's, first by title, wins; B2's only
    # naming is in 2025, after the year evaluated.
    for branch, year, title in (("B1", 2024, "乙示范点"), ("B1", 2024, "甲示范点"), ("B2", 2025, "丙示范点")):
        hospital.execute("INSERT INTO demonstration_site VALUES (?, ?, ?, NULL)", [branch, year, title])
    t = four_have.branch_totals(hospital, scope=ALL, year=2024).set_index("branch_id")
    assert t.loc["B1", ["site_title", "site_year"]].tolist() == [min("乙示范点", "甲示范点"), 2024]
    assert not t.loc["B2", "is_site"] and pd.isna(t.loc["B2", "site_title"])
    c = four_have.site_candidates(hospital, scope=ALL, year=2024).set_index("branch_id")
    assert c.loc["B1", "site_title"] == t.loc["B1", "site_title"]
    assert four_have.branch_totals(hospital, scope=ALL, year=2025).set_index("branch_id").loc["B2", "site_title"] == "丙示范点"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"top_n": 0}, "top_n must be at least 1"),
    ({"min_share": 1.5}, "min_share is a share"),
    ({"min_share": -0.1}, "min_share is a share"),
])
def test_site_candidates_rejects_bad_rule(hospital, kwargs, message):
    with pytest.raises(ValueError, match=message):
        four_have.site_candidates(hospital, scope=ALL, year=2024, **kwargs)


def test_evaluation_bundle(hospital):
    ev = four_have.evaluation(hospital, scope=ALL, last="2024Q3", unit="G1")
    assert ev.year == 2024 and ev.has_data and ev.candidate_ids == ["B2"]
    # G1: B1 80 and B2 84 -> 82; hospital (84 + 80 + 80) / 3.
    assert ev.unit_mean == 82.0 and ev.hospital_mean == pytest.approx(244 / 3) and ev.hospital_n == 3
    assert four_have.evaluation(hospital, scope=ALL, last="2025Q1", year=2023).year == 2023


def test_evaluation_gap_to_hospital(hospital):
    # G1: mean 82 against the hospital's 244 / 3 = 81.33: +0.67. No complete sheet under B5: None.
    assert four_have.evaluation(hospital, scope=ALL, last="2024Q3", unit="G1").gap_to_hospital == pytest.approx(82 - 244 / 3)
    assert four_have.evaluation(hospital, scope=ALL, last="2024Q3", unit="B5").gap_to_hospital is None


def test_researchers_get_the_hospital_profile_only(hospital):
    assert len(four_have.profile(hospital, scope=RESEARCHER, year=2024)) == 4
    for call in (lambda: four_have.branch_totals(hospital, scope=RESEARCHER, year=2024),
                 lambda: four_have.branch_scores(hospital, scope=RESEARCHER, year=2024),
                 lambda: four_have.profile(hospital, scope=RESEARCHER, year=2024, unit="B1"),
                 lambda: four_have.evaluation(hospital, scope=RESEARCHER, last="2024Q4")):
        with pytest.raises(PermissionError):
            call()


def test_demo_evaluation(demo_con):
    ev = four_have.evaluation(demo_con, scope=ALL, last="2025Q4")
    t = ev.totals
    assert ev.year == 2025 and ev.years == (2023, 2024, 2025) and ev.hospital_n == 34 and t["complete"].all()
    assert t["is_site"].sum() == 12  # the 12 sites the demo names in 2024
    # Competition ranks: each rank = 1 + number of strictly higher totals.
    assert t["rank"].tolist() == [1 + (t["total"] > x).sum() for x in t["total"]]
    assert ev.hospital_mean == pytest.approx(t["total"].mean())
    chosen = ev.candidates[ev.candidates["candidate"]]
    assert 0 < len(chosen) and (chosen["rank"] <= 12).all() and (chosen["min_share"] >= 0.8 - 1e-9).all()
    assert set(ev.candidates["branch_id"]) == set(chosen["branch_id"]) | set(t.loc[t["is_site"], "branch_id"])
    assert len(ev.scores) == 34 * 4 and math.isclose(ev.scores["gap"].groupby(ev.scores["dimension_id"]).sum().abs().max(), 0, abs_tol=1e-9)
    assert four_have.branch_totals(demo_con, scope=ALL, year=2023)["is_site"].sum() == 0
