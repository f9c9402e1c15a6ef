"""The wording of 党建+业务 results, the configuration behind their guards, the report's slide and
the demo's planted truth."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from analysis import business, config, report
from analysis.business import reading
from analysis.scope import Scope

GUARDS = config.DEFAULT.business
BASE = {"indicator": "住院患者满意度", "higher_is_better": True, "unit": "分", "n": 34, "k": 8, "rho": 0.52,
        "ci_low": 0.22, "ci_high": 0.73, "p_holm": 0.004}


@pytest.mark.parametrize(("view", "row", "expected"), [
    ("association", {"verdict": "favourable"},
     "住院患者满意度：在 34 个支部、8 个季度中，支部考核总分较高的支部，住院患者满意度较高（业务更好）"
     "（ρ = 0.52，95% CI 0.22 至 0.73；Holm 校正后 p = 0.004）。这是支部之间的关联，不能说明党建带来了业务改善。"),
    ("association", {"verdict": "favourable", "indicator": "平均住院日", "higher_is_better": False, "rho": -0.52,
                     "ci_low": -0.73, "ci_high": -0.22},
     "平均住院日：在 34 个支部、8 个季度中，支部考核总分较高的支部，平均住院日较低（业务更好）"
     "（ρ = −0.52，95% CI −0.73 至 −0.22；Holm 校正后 p = 0.004）。这是支部之间的关联，不能说明党建带来了业务改善。"),
    ("association", {"verdict": "unfavourable", "rho": -0.52, "ci_low": -0.73, "ci_high": -0.22},
     "住院患者满意度：在 34 个支部、8 个季度中，支部考核总分较高的支部，住院患者满意度较低（业务反而更差）"
     "（ρ = −0.52，95% CI −0.73 至 −0.22；Holm 校正后 p = 0.004）。这是支部之间的关联，不能说明党建带来了业务改善。"),
    ("association", {"verdict": "none", "rho": 0.05, "ci_low": -0.29, "ci_high": 0.38, "p_holm": 1.0},
     "住院患者满意度：34 个支部、8 个季度中未见明确关联（ρ = 0.05，95% CI −0.29 至 0.38；Holm 校正后 p = 1.000）；"
     "数据既不支持“党建强、业务好”，也未显示相反的关系。"),
    ("association", {"verdict": "cannot_tell", "n": 12},
     "住院患者满意度：12 个支部、8 个季度，ρ = 0.52，95% CI 0.22 至 0.73。只有 12 个支部（少于 20 个），"
     "数据不足以判断有无关联。"),
    ("association", {"verdict": "too_few", "n": 6, "rho": math.nan},
     "住院患者满意度：只有 6 个支部有可用数据，少于 8 个，不计算。"),
    ("within", {"verdict": "favourable", "beta": 0.31, "coef": 0.42, "n_obs": 272},
     "住院患者满意度：在 34 个支部、272 个支部季度中，同一支部在支部考核总分较高的季度，住院患者满意度较高（业务更好）"
     "（β = 0.31，95% CI 0.22 至 0.73；Holm 校正后 p = 0.004；支部考核总分每高 1 个标准差，住院患者满意度平均变化 +0.42分）。"
     "已排除支部固有差异，但同期变化的其他因素仍可能解释这一关联。"),
    ("partial", {"verdict": "no_groups"},
     "住院患者满意度：每类至少有 3 个支部的科室类型不足两类，无法按科室类型控制。"),
])
def test_every_verdict_is_worded_as_what_it_is(view, row, expected):
    assert reading.sentence(view, {**BASE, **row}, party="支部考核总分", business=GUARDS) == expected


def test_a_clear_result_never_claims_a_cause():
    for view in reading.VIEWS:
        text = reading.sentence(view, {**BASE, "verdict": "favourable", "beta": 0.3, "coef": 0.4, "n_obs": 200,
                                       "groups": "内科、外科", "rho_raw": 0.5}, party="先锋指数", business=GUARDS)
        assert "因果" in text or "不能说明" in text or "其他因素" in text, view
        assert "导致" not in text and "促进" not in text


def test_business_configuration_from_toml_adds_and_guards(tmp_path, monkeypatch):
    path = tmp_path / "hospital.toml"
    path.write_text('[business]\nclear_branches = 30\n[[business.extra_indicators]]\nid = "day_surgery"\n'
                    'name = "日间手术占比"\nunit = "%"\nhigher_is_better = true\nsource = "手术麻醉系统"\n', encoding="utf-8")
    monkeypatch.setenv(config.CONFIG_ENV, str(path))
    cfg = config.load()
    assert cfg.business.clear_branches == 30 and cfg.business.min_branches == 8
    assert [i.id for i in cfg.business.indicators][-2:] == ["research", "day_surgery"]
    assert cfg.business.indicator("day_surgery").name == "日间手术占比"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"business": {"min_branches": 3}}, "min_branches"),
    ({"business": {"min_branches": 25}}, "min_branches <= clear_branches"),
    ({"business": {"alpha": 1.5}}, "alpha"),
    ({"business": {"indicators": []}}, "at least one indicator"),
    ({"business": {"extra_indicators": [{"id": "cmi", "name": "CMI2", "unit": "", "higher_is_better": True,
                                         "source": "x"}]}}, "ids must be unique"),
    ({"business": {"extra_indicators": [{"id": "门诊量", "name": "门诊量", "unit": "人次", "higher_is_better": True,
                                         "source": "x"}]}}, "letters, digits"),
])
def test_business_configuration_is_validated(overrides, message):
    with pytest.raises(config.ConfigError, match=message):
        config.from_mapping(overrides)


def test_report_slide_states_the_counts_of_the_analysis(demo_con):
    built = report.build_report(demo_con, scope=Scope.committee(), period="2025Q4", sections=["business"],
                                now=dt.datetime(2026, 1, 5))
    expected = business.analyse(demo_con, scope=Scope.committee(), first="2024Q1", last="2025Q4")
    finding = built.findings[0]
    counts = expected.counts
    assert finding.title.startswith(f"支部考核总分与 14 项科室业绩指标：{counts['favourable']} 项明确同向")
    assert finding.n == f"{expected.branches}个支部、{expected.quarters}个季度"
    computed = expected.association[expected.association["verdict"] != "too_few"]
    assert finding.chart.series[0].values == pytest.approx(tuple(computed["favourable"]))
    assert {t.key for t in built.tables} == {"business_association", "business_quadrant"}


def test_report_without_department_data_says_so(small):
    built = report.build_report(small, scope=Scope.committee(), period="2025Q4", sections=["business"],
                                now=dt.datetime(2026, 1, 5))
    assert built.findings == () and any("没有可与支部考核对照的科室业绩数据" in n for n in built.notes)


def test_the_demo_finds_what_was_planted_and_nothing_where_nothing_was(demo_con):
    # analysis/demo_business.py: 医务人员满意度 and 医疗纠纷 follow Party strength; 科研 does not.
    found = business.association(demo_con, scope=Scope.committee(), first="2023Q1", last="2025Q4").set_index("indicator_id")
    assert found.loc["staff_satisfaction", "verdict"] == "favourable"
    assert found.loc["disputes", "verdict"] == "favourable" and found.loc["disputes", "rho"] < 0
    assert found.loc["research", "verdict"] == "none"
    assert found.loc["level4_surgery", "verdict"] == "too_few"  # six surgical branches
    assert not (found["verdict"] == "unfavourable").any()
