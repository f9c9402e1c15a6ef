"""党建+业务 models: hand-built panels with a known truth are recovered, and every number equals
an independent reference (SciPy, pingouin, statsmodels) computed from the generated frames."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pingouin
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis import business, db
from analysis.business import models
from analysis.scope import Scope
from tests.business_fixtures import CFG, QUARTERS, branch_means, known_truth, stored_totals

ALL = Scope.committee()
FIRST, LAST = QUARTERS[0], QUARTERS[-1]


@pytest.fixture(scope="module")
def hospital(tmp_path_factory):
    con = db.open_database(tmp_path_factory.mktemp("business") / "truth.duckdb", cfg=CFG)
    truth = known_truth(con)
    yield con, truth
    con.close()


@pytest.fixture(scope="module")
def result(hospital):
    con, _ = hospital
    return business.analyse(con, scope=ALL, first=FIRST, last=LAST, cfg=CFG)


def rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("indicator_id")


@pytest.mark.parametrize(("view", "indicator", "expected"), [
    ("association", "pos", "favourable"),
    ("association", "low", "favourable"),  # lower is better: a negative ρ is the good direction
    ("association", "rev", "unfavourable"),
    ("association", "null", "none"),
    ("association", "conf", "favourable"),  # across branches the confounder shows up ...
    ("partial", "conf", "none"),  # ... and disappears within department type
    ("partial", "pos", "favourable"),
    ("association", "within", "unfavourable"),  # between branches the other way ...
    ("within", "within", "favourable"),  # ... within a branch, better when its own score is higher
    ("within", "null", "none"),
    ("lagged", "lag", "favourable"),
    ("lagged", "null", "none"),
    ("association", "mid", "cannot_tell"),  # 12 branches: fewer than 20
    ("association", "sparse", "too_few"),  # 6 branches: fewer than 8, nothing computed
])
def test_each_view_recovers_the_truth_it_was_built_with(result, view, indicator, expected):
    assert rows(getattr(result, view)).loc[indicator, "verdict"] == expected


def test_spearman_and_its_interval_equal_scipy_and_pingouin(result, hospital):
    _, truth = hospital
    found = rows(result.association)
    for indicator in ("pos", "low", "rev", "null", "conf", "within", "mid"):
        means = branch_means(truth, indicator)
        rho, p = stats.spearmanr(means["x"], means["y"])
        # pingouin.corr's own interval (Fisher z, n − 3), before its table rounds it to 2 decimals
        reference = pingouin.compute_esci(stat=rho, nx=len(means), ny=len(means), eftype="r", decimals=6)
        row = found.loc[indicator]
        assert row["n"] == len(means) and row["k"] == len(QUARTERS)
        assert row["rho"] == pytest.approx(rho, abs=1e-12) and row["p_val"] == pytest.approx(p, rel=1e-9)
        assert [row["ci_low"], row["ci_high"]] == pytest.approx(list(reference), abs=1e-6)
    # favourable turns ρ for a lower-is-better indicator
    assert found.loc["low", "favourable"] == pytest.approx(-found.loc["low", "rho"])


def test_holm_equals_statsmodels_multipletests(result):
    computed = result.association.dropna(subset=["p_val"])
    expected = multipletests(computed["p_val"], method="holm")[1]
    assert list(computed["p_holm"]) == pytest.approx(list(expected), abs=1e-12)
    assert result.association.loc[result.association["indicator_id"] == "sparse", "p_holm"].isna().all()


def test_holm_by_hand():
    # p = 0.01, 0.04, 0.03 (m = 3): sorted 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 -> max so far 0.06
    adjusted = models.holm(pd.Series([0.01, 0.04, 0.03, np.nan], index=list("abcd")))
    assert adjusted.round(12).to_dict() == pytest.approx({"a": 0.03, "b": 0.06, "c": 0.06, "d": np.nan}, nan_ok=True)


def test_partial_equals_pingouin_partial_corr(result, hospital):
    _, truth = hospital
    found = rows(result.partial)
    for indicator in ("conf", "pos"):
        means = branch_means(truth, indicator).assign(internal=lambda f: (f["department_type"] == "内科").astype(float))
        reference = pingouin.partial_corr(data=means, x="x", y="y", covar=["internal"], method="spearman")
        row = found.loc[indicator]
        assert row["rho"] == pytest.approx(reference["r"].iloc[0], abs=1e-9)
        assert row["p_val"] == pytest.approx(reference["p_val"].iloc[0], rel=1e-6)
        # partial_corr's interval: Fisher z with n − k (k = 1 covariate), before rounding to 2 decimals
        n = len(means) - 1
        interval = pingouin.compute_esci(stat=reference["r"].iloc[0], nx=n, ny=n, eftype="r", decimals=6)
        assert [row["ci_low"], row["ci_high"]] == pytest.approx(list(interval), abs=1e-6)
        assert [round(row["ci_low"], 2), round(row["ci_high"], 2)] == list(reference["CI95"].iloc[0])
        assert row["groups"] == "内科、外科"
        assert row["rho_raw"] == pytest.approx(stats.spearmanr(means["x"], means["y"]).statistic, abs=1e-12)


def test_within_branch_equals_ols_with_branch_and_quarter_dummies(result, hospital):
    _, truth = hospital
    values = truth.values[truth.values["indicator_id"] == "within"].merge(truth.departments, on="department_id")
    data = values.merge(stored_totals(truth), on=["branch_id", "quarter"])
    data = data.assign(xs=(data["total"] - data["total"].mean()) / data["total"].std())
    fit = smf.ols("value ~ xs + C(branch_id) + C(quarter)", data=data).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["branch_id"])[0]}, use_t=True)
    row = rows(result.within).loc["within"]
    assert row["coef"] == pytest.approx(fit.params["xs"], rel=1e-9)
    # The same sandwich; CR1's (N−1)/(N−K) counts K = 1 + 7 quarter dummies after demeaning,
    # 1 + 1 + 39 + 7 with the dummies: se_within = se_dummies · sqrt((N − 48) / (N − 8)).
    n, groups, quarters = len(data), data["branch_id"].nunique(), data["quarter"].nunique()
    k_dummies, k_within = 2 + (groups - 1) + (quarters - 1), 1 + (quarters - 1)
    assert row["se"] == pytest.approx(fit.bse["xs"] * math.sqrt((n - k_dummies) / (n - k_within)), rel=1e-9)
    assert (row["n"], row["n_obs"]) == (groups, n)
    assert row["beta"] == pytest.approx(row["coef"] / data["value"].std(), rel=1e-12)


def test_lagged_equals_statsmodels_ols_of_the_change(result, hospital):
    _, truth = hospital
    values = truth.values[truth.values["indicator_id"] == "lag"].merge(truth.departments, on="department_id")
    data = values.merge(stored_totals(truth), on=["branch_id", "quarter"]).sort_values(["branch_id", "quarter"])
    data["change"] = data.groupby("branch_id")["value"].shift(-1) - data["value"]
    steps = data.dropna(subset=["change"])
    steps = steps.assign(xs=(steps["total"] - steps["total"].mean()) / steps["total"].std())
    fit = smf.ols("change ~ xs + C(quarter)", data=steps).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(steps["branch_id"])[0]}, use_t=True)
    row = rows(result.lagged).loc["lag"]
    assert (row["n_obs"], row["k"]) == (len(steps), len(QUARTERS) - 1)
    assert row["coef"] == pytest.approx(fit.params["xs"], rel=1e-9)
    assert row["se"] == pytest.approx(fit.bse["xs"], rel=1e-9)
    assert row["p_val"] == pytest.approx(fit.pvalues["xs"], rel=1e-9)
    low, high = fit.conf_int().loc["xs"]
    assert [row["ci_low"], row["ci_high"]] == pytest.approx([low / steps["change"].std(), high / steps["change"].std()])


def test_small_n_guard_shows_no_correlation_below_eight_branches(result, hospital):
    sparse, mid = rows(result.association).loc["sparse"], rows(result.association).loc["mid"]
    assert sparse["n"] == 6 and math.isnan(sparse["rho"]) and math.isnan(sparse["ci_low"])
    assert "少于 8 个，不计算" in sparse["reading"] and "ρ" not in sparse["reading"]
    assert mid["n"] == 12 and not math.isnan(mid["rho"]) and "数据不足以判断" in mid["reading"]
    # The guards are configuration: with a floor of 4 the six branches get a ρ, still "cannot tell".
    con, _ = hospital
    lenient = replace(CFG, business=replace(CFG.business, min_branches=4))
    again = rows(business.association(con, scope=ALL, first=FIRST, last=LAST, cfg=lenient)).loc["sparse"]
    assert not math.isnan(again["rho"]) and again["verdict"] == "cannot_tell"


def test_wide_interval_cannot_tell_even_with_enough_branches(hospital):
    con, _ = hospital
    strict = replace(CFG, business=replace(CFG.business, max_ci_width=0.01))
    found = rows(business.association(con, scope=ALL, first=FIRST, last=LAST, cfg=strict))
    assert set(found.loc[["pos", "null", "rev"], "verdict"]) == {"cannot_tell"}
    assert "区间过宽" in found.loc["null", "reading"]


def test_public_functions_equal_the_combined_analysis(result, hospital):
    con, _ = hospital
    for fn, frame in ((business.association, result.association), (business.partial_association, result.partial),
                      (business.lagged_association, result.lagged), (business.within_branch, result.within)):
        pd.testing.assert_frame_equal(fn(con, scope=ALL, first=FIRST, last=LAST, cfg=CFG), frame)
    assert result.counts["favourable"] == int((result.association["verdict"] == "favourable").sum())
    assert (result.branches, result.quarters) == (40, 8)


def test_researchers_get_the_hospital_models_but_no_branch_identities(result, hospital):
    con, _ = hospital
    researcher = Scope("r", "researcher")
    seen = business.analyse(con, scope=researcher, first=FIRST, last=LAST, cfg=CFG)
    pd.testing.assert_frame_equal(seen.association, result.association)
    assert not set(seen.panel["branch_id"]) & set(result.panel["branch_id"])
    assert set(seen.quadrant["branch_name"]) <= set(seen.panel["branch_id"]) and seen.panel["general_branch_name"].isna().all()
    with pytest.raises(PermissionError):
        business.association(con, scope=researcher, first=FIRST, last=LAST, unit="G1", cfg=CFG)
    with pytest.raises(PermissionError):
        business.branch_trend(con, scope=researcher, branch="B01", first=FIRST, last=LAST, cfg=CFG)


def test_unknown_party_measure_or_indicator_is_refused(hospital):
    con, _ = hospital
    with pytest.raises(ValueError, match="party must be one of"):
        business.association(con, scope=ALL, first=FIRST, last=LAST, party="dues", cfg=CFG)
    with pytest.raises(KeyError):
        business.analyse(con, scope=ALL, first=FIRST, last=LAST, indicator="nope", cfg=CFG)


def test_fisher_interval_by_hand():
    # r = 0.5, n = 28: z = atanh(0.5) = 0.549306, SE = 1/sqrt(25) = 0.2, z ± 1.959964·0.2 = 0.157313,
    # 0.941299; tanh -> 0.1560, 0.7358
    low, high = models.fisher_interval(0.5, 28)
    assert (round(low, 4), round(high, 4)) == (0.1560, 0.7358)
    assert all(math.isnan(v) for v in models.fisher_interval(0.5, 3))


def test_cluster_ols_equals_statsmodels_cluster_robust_with_t():
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    groups = rng.integers(0, 15, 180)
    exog = sm.add_constant(np.column_stack([rng.normal(size=180), rng.integers(0, 2, 180)]))
    outcome = exog @ [1.0, 0.4, -0.2] + rng.normal(size=180) + rng.normal(size=15)[groups]
    ours = models.cluster_ols(outcome, exog, groups)
    fit = sm.OLS(outcome, exog).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    assert fit.df_resid_inference == 14  # t on G − 1
    assert list(ours["coef"]) == pytest.approx(list(fit.params), rel=1e-9)
    assert list(ours["se"]) == pytest.approx(list(fit.bse), rel=1e-9)
    assert list(ours["p_val"]) == pytest.approx(list(fit.pvalues), rel=1e-7)
    assert ours[["ci_low", "ci_high"]].to_numpy() == pytest.approx(fit.conf_int(), rel=1e-9)
