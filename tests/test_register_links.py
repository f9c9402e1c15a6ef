"""The registers beside the evaluations (issue #17 items 2 and 4): honours as the evidence of 四有
单位有典型, the 党员发展 register beside the assessment's 党员发展 indicator (a reference, the
imported score untouched). Hospital: G1 (B1, B2), G2 (B3); numbers worked out beside each test."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from analysis import config as config_mod
from analysis.registers import development, honours
from analysis.scope import Scope
from tests.apptest import open_data_boxes, open_section, release, signed_in_app
from tests.builders import add_branch_total, add_member, add_org
from tests.test_pages import metrics, opened

ALL = Scope.committee()
RESEARCHER = Scope("r", "researcher")


@pytest.fixture()
def hospital(empty_con):
    con = empty_con
    add_org(con, {"G1": ["B1", "B2"], "G2": ["B3"]})
    add_member(con, "M1", "B1")
    for branch, score in (("B1", 22.5), ("B2", 18.0)):
        con.execute("INSERT INTO four_have_score VALUES (?, 2024, 'model', 25, NULL, ?, NULL)", [branch, score])
    con.execute("INSERT INTO honour VALUES ('H1', 2024, '模范党支部', '院级', 'B1', NULL, NULL, NULL), "
                "('H2', 2024, '优秀共产党员', '市级', 'B1', 'M1', NULL, NULL), "
                "('H3', 2023, '星级党支部', '院级', 'B2', NULL, 4, NULL), "
                "('H4', 2024, '先进基层党组织', '市级', 'B3', NULL, NULL, NULL)")
    return con


def test_model_dimension_beside_its_honours(hospital):
    rows = honours.model_evidence(hospital, scope=ALL, year=2024, cfg=config_mod.DEFAULT)
    # 2024: B1 scored 22.5 with H1 (branch) and H2 (member); B2 scored 18 with no 2024 honour (H3 is
    # 2023's); B3 is unscored but honoured (H4). Highest score first, the unscored last.
    assert rows["branch_id"].tolist() == ["B1", "B2", "B3"]
    assert rows["score"].iloc[:2].tolist() == [22.5, 18.0] and pd.isna(rows["score"].iloc[2])
    assert rows[["branch_honours", "member_honours"]].values.tolist() == [[1, 1], [0, 0], [1, 0]]
    assert rows["titles"].tolist() == ["优秀共产党员、模范党支部", "", "先进基层党组织"]
    assert honours.model_evidence(hospital, scope=ALL, year=2024, unit="G2", cfg=config_mod.DEFAULT)[
        "branch_id"].tolist() == ["B3"]
    assert honours.honour_list(hospital, scope=ALL, year=2023)["honour_id"].tolist() == ["H3"]
    no_dimension = replace(config_mod.DEFAULT, four_have_honours_dimension=None)
    assert honours.model_evidence(hospital, scope=ALL, year=2024, cfg=no_dimension)["score"].isna().all()
    with pytest.raises(PermissionError):
        honours.model_evidence(hospital, scope=RESEARCHER, year=2024)


def _person(con, person_id, branch, applied, activist=None, candidate=None, probationary=None, full=None):
    con.execute("INSERT INTO party_development (person_id, name, branch_id, applied_on, activist_on, candidate_on, "
                "probationary_on, full_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [person_id, f"人{person_id}", branch, applied, activist, candidate, probationary, full])


def test_development_register_beside_the_indicator(hospital):
    d = dt.date
    _person(hospital, "P1", "B1", d(2024, 11, 1))                                                     # applied in Q4
    _person(hospital, "P2", "B1", d(2021, 1, 1), d(2021, 6, 1), d(2022, 6, 1), d(2023, 5, 1))       # 转正 overdue
    _person(hospital, "P3", "B2", d(2020, 1, 1), d(2020, 6, 1), d(2021, 6, 1), d(2023, 10, 1), d(2024, 10, 8))
    _person(hospital, "P4", "B2", d(2022, 1, 1), d(2022, 6, 1), d(2023, 6, 1), d(2024, 12, 2))       # received Q4
    for branch, total in (("B1", 100), ("B2", 0), ("B3", 80)):
        add_branch_total(hospital, branch, "2024Q4", total)   # A04 党员发展 at 100 %, 0 % and 80 % of 6
    rows = development.indicator_reference(hospital, scope=ALL, quarter="2024Q4", cfg=config_mod.DEFAULT)
    got = {r.branch_id: (r.score, r.applied, r.received, r.converted, r.in_pipeline, r.overdue, r.check)
           for r in rows.itertuples()}
    # B1: full marks (6) while P2's 转正 has been due since 2024-05-01 -> to check; P1 and P2 in the pipeline.
    assert got["B1"] == (6.0, 1, 0, 0, 2, 1, "需核对：满分但有超期未转正")
    # B2: 0 points although P4 was received and P3 converted in the quarter -> to check; P4 in the pipeline.
    assert got["B2"] == (0.0, 0, 1, 1, 1, 0, "需核对：零分但本季度有发展或转正")
    # B3: scored 4.8, nothing in the register.
    assert got["B3"] == (pytest.approx(4.8), 0, 0, 0, 0, 0, "")
    # The imported score is untouched.
    assert hospital.execute("SELECT score FROM branch_score WHERE branch_id = 'B2' AND indicator_id = 'A04'").fetchone()[0] == 0
    with pytest.raises(config_mod.ConfigError, match="development_indicator"):
        config_mod.validate(replace(config_mod.DEFAULT, assessment=replace(config_mod.DEFAULT.assessment,
                                                                           development_indicator="A99")))


@pytest.fixture()
def app(demo_path, tmp_path, monkeypatch):
    yield signed_in_app(demo_path, tmp_path, monkeypatch, "dangban")
    release()


def test_four_have_page_shows_the_honours_evidence(app, demo_con):
    opened(app, "pages/four_have.py")
    assert any(h.value == "单位有典型：荣誉表彰佐证（2025年度）" for h in app.subheader)
    evidence = next(d.value for d in app.dataframe if "荣誉名称" in d.value.columns and "评定分" in d.value.columns)
    expected = honours.model_evidence(demo_con, scope=ALL, year=2025)
    assert len(evidence) == len(expected) == 34
    assert evidence["支部荣誉"].sum() == expected["branch_honours"].sum() > 0


def test_assessment_page_shows_the_register_beside_the_score(app):
    open_section(opened(app, "pages/assessment.py"), "assessment", "支部指标分析")
    assert metrics(app)["参评支部"] == "34"
    note = next(i.value for i in app.info if i.value.startswith("党员发展指标参考"))
    assert "导入得分" in note and "不改变导入的得分" in note
    reference = next(d.value for d in open_data_boxes(app).dataframe if "核对提示" in d.value.columns)
    assert len(reference) == 34 and {"导入得分", "接收预备党员", "超期未转正"} <= set(reference.columns)
