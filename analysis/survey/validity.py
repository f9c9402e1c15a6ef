"""Construct validity of a scale (SPSSAU's 效度分析): KMO and Bartlett's test of sphericity, the
number of factors by parallel analysis, and an exploratory factor analysis with rotated loadings.

The items are the rows of one or more matrix questions whose options carry values (1-5 分),
over the respondents who scored every row. factor_analyzer does the work (imported on first use).
The results are whole-sample aggregates (correlations and loadings), never by group.

Imports the package's private helpers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis.db import fetch_frame
from analysis.formatting import fixed
from analysis.scope import Scope
from analysis.survey._common import check_scope
from analysis.survey._question import load_questions
from analysis.survey.filters import RespondentFilter, restrict

__all__ = ["FactorAnalysis", "factor_analysis", "factor_reading", "kmo_label", "parallel_analysis", "rotated_loadings",
           "scale_items"]

ROTATIONS = ("varimax", "promax")


@dataclass(frozen=True)
class FactorAnalysis:
    """KMO, Bartlett and the rotated factor solution of a set of scale items.

    Attributes
    ----------
    n : int
        Respondents who scored every item.
    kmo : float
        Kaiser-Meyer-Olkin measure of sampling adequacy of all items.
    bartlett_chi2, bartlett_dof, bartlett_p : float, int, float
        Bartlett's test that the correlation matrix is the identity.
    eigen : DataFrame
        One row per possible factor: ``factor`` (1..p), ``eigenvalue`` (of the correlation
        matrix), ``simulated`` (95th percentile from random data, parallel analysis),
        ``variance_pct``, ``cumulative_pct`` and ``retained`` (among the leading factors whose
        eigenvalue exceeds ``simulated``: the number parallel analysis suggests).
    loadings : DataFrame
        One row per item: ``question_no``, ``item_no``, ``item``, ``kmo`` (the item's own
        measure), ``F1`` ... ``Fk`` (rotated loadings), ``communality`` and ``factor`` (the
        factor of its largest absolute loading).
    n_factors : int
        Factors extracted (parallel analysis unless given, at least 1).
    rotation : str
        varimax or promax.
    """

    n: int
    kmo: float
    bartlett_chi2: float
    bartlett_dof: int
    bartlett_p: float
    eigen: pd.DataFrame
    loadings: pd.DataFrame
    n_factors: int
    rotation: str


def scale_items(
    con: duckdb.DuckDBPyConnection, *, survey_id: int, question_nos: Sequence[int], scope: Scope,
    respondents: RespondentFilter | None = None,
) -> pd.DataFrame:
    """Scored answers to the rows of matrix questions, one row per respondent who scored all.

    Parameters
    ----------
    survey_id : int
    question_nos : matrix questions whose options carry values.
    scope : any role (the caller must publish aggregates only).
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.

    Returns
    -------
    DataFrame
        One column per item, named ``"Q{question_no}.{item_no}"``, in question then row order;
        ``attrs["items"]`` is a frame of ``question_no``, ``item_no``, ``item`` for the columns.
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=None)
    questions = load_questions(con, survey_id, list(question_nos), allowed=("matrix",), purpose="效度分析")
    for q in questions:
        if q.options["value"].isna().all():
            raise ValueError(f"{q.label}的选项没有分值，不能做效度分析")
    items = pd.concat([q.items[q.items["item_no"] > 0].assign(question_no=q.question_no) for q in questions],
                      ignore_index=True)[["question_no", "item_no", "item"]]
    long = fetch_frame(
        con,
        """
        SELECT a.response_id, 'Q' || a.question_no || '.' || a.item_no AS column_name, o.value
        FROM survey_answer a
        JOIN survey_option o
          ON o.survey_id = a.survey_id AND o.question_no = a.question_no AND o.option_no = a.option_no
        WHERE a.survey_id = $s AND list_contains($qs, a.question_no) AND a.item_no > 0 AND o.value IS NOT NULL
        """,
        {"s": survey_id, "qs": [int(q) for q in question_nos]},
    )
    columns = [f"Q{q}.{i}" for q, i in zip(items["question_no"], items["item_no"])]
    wide = long.pivot(index="response_id", columns="column_name", values="value").reindex(columns=columns).dropna()
    wide.attrs["items"] = items
    return wide


def parallel_analysis(data: np.ndarray, *, iterations: int = 100, percentile: float = 95, seed: int = 16) -> np.ndarray:
    """Horn's parallel analysis: the eigenvalues random normal data of the same shape reach.

    Parameters
    ----------
    data : respondents × items.
    iterations : random data sets drawn.
    percentile : which percentile of their eigenvalues to return (95: Glorfeld's rule).
    seed : of the generator, so that a result is reproducible.

    Returns
    -------
    ndarray
        The ``percentile`` of the i-th largest eigenvalue of the correlation matrix, for each i.
    """
    n, p = data.shape
    rng = np.random.default_rng(seed)
    simulated = np.empty((iterations, p))
    for k in range(iterations):
        sample = rng.standard_normal((n, p))
        simulated[k] = np.sort(np.linalg.eigvalsh(np.corrcoef(sample, rowvar=False)))[::-1]
    return np.percentile(simulated, percentile, axis=0)


def factor_analysis(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_nos: Sequence[int],
    n_factors: int | None = None,
    rotation: str = "varimax",
    scope: Scope,
    respondents: RespondentFilter | None = None,
) -> FactorAnalysis:
    """KMO, Bartlett's test and an exploratory factor analysis of scale items.

    Parameters
    ----------
    survey_id : int
    question_nos : matrix questions whose rows are the items (at least three items in all).
    n_factors : factors to extract; ``None`` decides by parallel analysis (at least 1).
    rotation : "varimax" (orthogonal) or "promax" (oblique).
    scope : any role.
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.

    Returns
    -------
    FactorAnalysis
        n, kmo, bartlett_chi2, bartlett_dof, bartlett_p, eigen, loadings, n_factors, rotation.

    Notes
    -----
    Principal-factor extraction (factor_analyzer's ``method="principal"``, the extraction
    SPSSAU reports), eigenvalues of the item correlation matrix against the 95th percentile of
    100 random data sets of the same size (Horn 1965; seeded). Bartlett: χ² = -(n - 1 - (2p +
    5)/6) ln |R| with p(p - 1)/2 degrees of freedom.

    References
    ----------
    Kaiser HF (1974). An index of factorial simplicity. Psychometrika 39, 31-36.
    Horn JL (1965). A rationale and test for the number of factors in factor analysis.
    Psychometrika 30, 179-185.
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=None)
    if rotation not in ROTATIONS:
        raise ValueError(f"rotation 只能是 {ROTATIONS}")
    wide = scale_items(con, survey_id=survey_id, question_nos=question_nos, scope=scope)
    items = wide.attrs["items"]
    data = wide.to_numpy(dtype=float)
    n, p = data.shape
    if p < 3:
        raise ValueError("效度分析至少需要 3 个量表条目")
    if n <= p:
        raise ValueError(f"完整作答的受访者（{n} 人）需多于条目数（{p} 个）才能做效度分析")
    if (data.std(axis=0) == 0).any():
        raise ValueError("有条目所有人的得分相同，无法计算相关，请去掉该条目")
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    kmo_items, kmo = calculate_kmo(data)
    chi2, p_val = calculate_bartlett_sphericity(data)
    eigenvalues = np.sort(np.linalg.eigvalsh(np.corrcoef(data, rowvar=False)))[::-1]
    simulated = parallel_analysis(data)
    retained = eigenvalues > simulated
    suggested = int(np.argmin(retained)) if not retained.all() else p
    k = int(n_factors) if n_factors is not None else max(1, suggested)
    if not 1 <= k < p:
        raise ValueError(f"因子数须在 1 到 {p - 1} 之间")
    rotated = rotated_loadings(data, k, rotation)
    loadings = pd.DataFrame(rotated, columns=[f"F{j}" for j in range(1, k + 1)])
    out = pd.concat([items.reset_index(drop=True), pd.Series(kmo_items, name="kmo"), loadings], axis=1)
    out["communality"] = (rotated**2).sum(axis=1)
    out["factor"] = np.abs(rotated).argmax(axis=1) + 1
    eigen = pd.DataFrame({
        "factor": np.arange(1, p + 1), "eigenvalue": eigenvalues, "simulated": simulated,
        "variance_pct": eigenvalues / p * 100, "cumulative_pct": np.cumsum(eigenvalues) / p * 100,
        "retained": np.arange(p) < suggested,
    })
    return FactorAnalysis(n=n, kmo=float(kmo), bartlett_chi2=float(chi2), bartlett_dof=p * (p - 1) // 2,
                          bartlett_p=float(p_val), eigen=eigen, loadings=out, n_factors=k, rotation=rotation)


def rotated_loadings(data: np.ndarray, n_factors: int, rotation: str) -> np.ndarray:
    """Principal-component loadings of the items' correlation matrix, rotated.

    Parameters
    ----------
    data : respondents × items.
    n_factors : factors kept.
    rotation : "varimax" (statsmodels' rotate_factors on Kaiser-normalised loadings) or
        "promax" (factor_analyzer's, power 4, from that varimax solution); none for one factor.

    Returns
    -------
    ndarray
        items × factors, each factor's sign chosen so its loadings sum to a positive number.

    Notes
    -----
    What factor_analyzer's ``FactorAnalyzer(method="principal")`` computes: loadings = v_j √λ_j
    for the leading eigenpairs (λ_j, v_j) of R. Its ``fit`` is not called because it passes
    ``force_all_finite`` to scikit-learn's ``check_array``, which scikit-learn 1.8 removed; nor
    its ``Rotator``, whose varimax stops short of the optimum (on the two-factor test example
    it leaves cross-loadings of 0.19 where the maximum of the criterion has 0.03).
    """
    from factor_analyzer.rotator import Rotator
    from statsmodels.multivariate.factor_rotation import rotate_factors

    values, vectors = np.linalg.eigh(np.corrcoef(data, rowvar=False))
    order = np.argsort(values)[::-1][:n_factors]
    loadings = vectors[:, order] * np.sqrt(values[order])
    if n_factors > 1:
        norms = np.sqrt((loadings**2).sum(axis=1, keepdims=True))
        loadings = rotate_factors(loadings / norms, "varimax")[0] * norms
        if rotation == "promax":
            loadings = Rotator(method="promax").fit_transform(loadings)
    signs = np.sign(loadings.sum(axis=0))
    signs[signs == 0] = 1
    return loadings * signs


def kmo_label(kmo: float) -> str:
    """Kaiser's (1974) reading of a KMO value in Chinese.

    Parameters
    ----------
    kmo : float

    Returns
    -------
    str
        非常适合 (≥ 0.9), 适合 (≥ 0.8), 比较适合 (≥ 0.7), 勉强适合 (≥ 0.6), 不太适合 (≥ 0.5),
        不适合 (below); ``""`` for NaN.
    """
    if not math.isfinite(kmo):
        return ""
    for threshold, label in ((0.9, "非常适合"), (0.8, "适合"), (0.7, "比较适合"), (0.6, "勉强适合"), (0.5, "不太适合")):
        if kmo >= threshold:
            return label
    return "不适合"


def factor_reading(fa: FactorAnalysis) -> str:
    """One plain-Chinese paragraph on the result, for the page, the report and the CLI.

    Parameters
    ----------
    fa : a :class:`FactorAnalysis`.

    Returns
    -------
    str
    """
    significance = "p < 0.001" if fa.bartlett_p < 0.001 else f"p = {fixed(fa.bartlett_p, 3)}"
    fit = kmo_label(fa.kmo)
    first = (f"KMO = {fixed(fa.kmo, 3)}（{fit}做因子分析），Bartlett 球形检验 χ²({fa.bartlett_dof}) = "
             f"{fixed(fa.bartlett_chi2, 1)}，{significance}")
    if fa.bartlett_p >= 0.05 or fa.kmo < 0.5:
        return first + "：条目之间的相关不足，因子分析的结果不宜解读。"
    explained = fa.eigen.loc[fa.n_factors - 1, "cumulative_pct"]
    groups = []
    for factor in range(1, fa.n_factors + 1):
        names = fa.loadings.loc[fa.loadings["factor"] == factor, "item"].tolist()
        if names:
            groups.append(f"因子{factor}（{'、'.join(names)}）")
    weak = fa.loadings.loc[fa.loadings[[f"F{j}" for j in range(1, fa.n_factors + 1)]].abs().max(axis=1) < 0.4, "item"]
    sentence = (f"{first}。平行分析建议保留 {int(fa.eigen['retained'].sum())} 个因子；按 {fa.n_factors} 个因子"
                f"（{'最大方差' if fa.rotation == 'varimax' else '斜交'}旋转）共解释 {fixed(explained, 1)}% 的方差："
                f"{'；'.join(groups)}。")
    if len(weak):
        sentence += f"{'、'.join(weak)}在各因子上的载荷都低于 0.4，可考虑删去或修改。"
    return sentence
