"""Validity (issue #16 toolbox): KMO and Bartlett by hand, loadings against factor_analyzer fitted
on the same answers, the number of factors by parallel analysis on a seeded two-factor example.

The fixture: 300 respondents answer a 6-row matrix scored 1-5; rows 1-3 load on one latent
factor (学习), rows 4-6 on another (服务), from a seeded generator.
"""

from __future__ import annotations

import numpy as np
import pytest
from factor_analyzer import FactorAnalyzer
from scipy import stats

from analysis import db, survey
from analysis.survey import validity
from tests import survey_fixtures
from tests.survey_fixtures import SCOPE, make_survey

default_config = survey_fixtures.default_config
ITEMS = ["理论学习", "专题研讨", "读书分享", "志愿服务", "义诊活动", "健康宣教"]


def _answers(n: int = 300) -> np.ndarray:
    rng = np.random.default_rng(2026)
    study, service = rng.standard_normal(n), rng.standard_normal(n)
    latent = np.column_stack([study] * 3 + [service] * 3)
    raw = 0.8 * latent + 0.6 * rng.standard_normal((n, 6))
    return np.clip(np.round(raw + 3), 1, 5).astype(int)


ANSWERS = _answers()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = db.open_database(tmp_path_factory.mktemp("efa") / "v.duckdb")
    scale = [(f"{v}分", v) for v in range(1, 6)]
    make_survey(connection, 1, {1: ("党建工作评价", "matrix", scale, ITEMS),
                                2: ("意见", "text", None, None)},
                [{1: {i + 1: int(v) for i, v in enumerate(row)}} for row in ANSWERS])
    yield connection
    connection.close()


def test_kmo_and_bartlett_by_hand(con):
    fa = survey.factor_analysis(con, survey_id=1, question_nos=[1], scope=SCOPE)
    r = np.corrcoef(ANSWERS, rowvar=False)
    inverse = np.linalg.inv(r)
    partial = -inverse / np.sqrt(np.outer(np.diag(inverse), np.diag(inverse)))
    off = ~np.eye(6, dtype=bool)
    assert fa.kmo == pytest.approx((r[off] ** 2).sum() / ((r[off] ** 2).sum() + (partial[off] ** 2).sum()))
    chi2 = -(300 - 1 - (2 * 6 + 5) / 6) * np.log(np.linalg.det(r))
    assert (fa.bartlett_chi2, fa.bartlett_dof) == (pytest.approx(chi2), 15)
    assert fa.bartlett_p == pytest.approx(stats.chi2.sf(chi2, 15))
    assert fa.n == 300


def test_parallel_analysis_finds_the_two_factors(con):
    fa = survey.factor_analysis(con, survey_id=1, question_nos=[1], scope=SCOPE)
    assert fa.n_factors == 2 and list(fa.eigen["retained"]) == [True, True, False, False, False, False]
    eigenvalues = np.sort(np.linalg.eigvalsh(np.corrcoef(ANSWERS, rowvar=False)))[::-1]
    np.testing.assert_allclose(fa.eigen["eigenvalue"], eigenvalues)
    # Random data of 300 × 6: the leading eigenvalue exceeds 1 only by sampling error, and the
    # 95th percentiles decrease; the third observed eigenvalue falls below its random counterpart.
    simulated = fa.eigen["simulated"].to_numpy()
    assert 1 < simulated[0] < 1.35 and (np.diff(simulated) < 0).all()
    assert eigenvalues[1] > simulated[1] and eigenvalues[2] < simulated[2]
    assert fa.eigen.loc[5, "cumulative_pct"] == pytest.approx(100)


def _aligned(loadings: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``loadings`` with its columns permuted and signed to match ``reference`` (a rotation is
    unique only up to those)."""
    out = np.empty_like(reference)
    for j in range(reference.shape[1]):
        k = np.argmax(np.abs(reference[:, j] @ loadings))
        out[:, j] = loadings[:, k] * np.sign(reference[:, j] @ loadings[:, k])
    return out


def test_loadings_equal_the_references_and_group_the_items(con):
    fa = survey.factor_analysis(con, survey_id=1, question_nos=[1], scope=SCOPE)
    x = ANSWERS.astype(float)
    # Unrotated: factor_analyzer's principal extraction (SVD of the standardised answers).
    unrotated = FactorAnalyzer(n_factors=2, method="principal", svd_method="lapack")._fit_principal(x)[:, :2]
    # Varimax with Kaiser normalisation by brute force: with two factors a rotation is one angle;
    # the best of 20,000 angles maximises the criterion on rows scaled to unit communality.
    h = np.sqrt((unrotated**2).sum(axis=1, keepdims=True))
    normalised = unrotated / h

    def varimax(angle: float) -> tuple[float, np.ndarray]:
        turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        rotated = normalised @ turn
        return ((rotated**4).sum(axis=0) - (rotated**2).sum(axis=0) ** 2 / len(rotated)).sum(), rotated * h

    best = max((varimax(angle) for angle in np.linspace(0, np.pi / 2, 20_000)), key=lambda pair: pair[0])[1]
    mine = fa.loadings[["F1", "F2"]].to_numpy()
    np.testing.assert_allclose(_aligned(mine, best), best, atol=1e-3)
    np.testing.assert_allclose(fa.loadings["communality"], (unrotated**2).sum(axis=1), atol=1e-8)
    factors = fa.loadings["factor"].tolist()
    assert factors[:3] == [factors[0]] * 3 and factors[3:] == [factors[3]] * 3 and factors[0] != factors[3]
    reading = validity.factor_reading(fa)
    assert "KMO" in reading and "平行分析建议保留 2 个因子" in reading and "理论学习" in reading


def test_promax_and_errors(con):
    fa = survey.factor_analysis(con, survey_id=1, question_nos=[1], rotation="promax", n_factors=3, scope=SCOPE)
    assert fa.n_factors == 3 and list(fa.loadings.columns[-5:]) == ["F1", "F2", "F3", "communality", "factor"]
    oblique = survey.factor_analysis(con, survey_id=1, question_nos=[1], rotation="promax", scope=SCOPE)
    orthogonal = survey.factor_analysis(con, survey_id=1, question_nos=[1], scope=SCOPE)
    assert oblique.loadings["factor"].tolist() == orthogonal.loadings["factor"].tolist()
    # Promax lets the factors correlate, so the small cross-loadings shrink further.
    def cross(f):
        loads = f.loadings[["F1", "F2"]].abs().to_numpy()
        return loads.min(axis=1).mean()
    assert cross(oblique) < cross(orthogonal)
    with pytest.raises(ValueError, match="rotation"):
        survey.factor_analysis(con, survey_id=1, question_nos=[1], rotation="oblimin", scope=SCOPE)
    with pytest.raises(ValueError, match="因子数"):
        survey.factor_analysis(con, survey_id=1, question_nos=[1], n_factors=6, scope=SCOPE)
    with pytest.raises(ValueError, match="效度分析只适用于"):
        survey.factor_analysis(con, survey_id=1, question_nos=[2], scope=SCOPE)


def test_kmo_labels():
    assert [validity.kmo_label(v) for v in (0.93, 0.81, 0.45, float("nan"))] == ["非常适合", "适合", "不适合", ""]
