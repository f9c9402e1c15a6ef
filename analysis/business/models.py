"""Does stronger Party work go with better department results? Four views, each per indicator.

``association``: Spearman's ρ across branches (each branch's means over the quarters);
``partial_association``: the same with department type held constant; ``lagged_association``:
Party score in one quarter against the change of the indicator to the next; ``within_branch``:
fixed effects, whether a branch does better in the quarters its own Party score is higher.
Every table has the same tail: the p-value corrected by Holm over the indicators, the
``verdict`` (see ``VERDICTS``) and a ``reading`` in Chinese that says what the number is and
what it is not (``analysis.business.reading``).

Directions: ``rho``, ``beta`` and ``coef`` are on the indicator's own scale (a lower 平均住院日
is a negative ρ); ``favourable`` turns them so that a positive value always means "stronger
Party work, better results". Each public function builds the panel; ``analyse`` builds it once
and runs them all.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from analysis import config as config_mod
from analysis import periods
from analysis.business import reading
from analysis.business.panel import PERFORMANCE_PREFIX, checked_panel, for_viewer, party_measure, usual_types
from analysis.business.quadrant import quadrant_table
from analysis.scope import Scope

VERDICTS: dict[str, str] = {
    "favourable": "明确同向",
    "unfavourable": "明确反向",
    "none": "未见明确关联",
    "cannot_tell": "数据不足以判断",
    "too_few": "支部过少，未计算",
    "no_groups": "科室类型不足，未计算",
}
"""What a result may be said to show, in the order a page lists them.

favourable / unfavourable: the Holm-corrected p is below alpha, enough branches, a narrow
interval; the sign says which way. none: enough branches and a narrow interval, but no clear
association. cannot_tell: fewer than ``clear_branches`` branches or an interval wider than
``max_ci_width``. too_few: fewer than ``min_branches`` branches, nothing computed. no_groups
(partial view only): fewer than two department types with enough branches.
"""

# --------------------------------------------------------------------------- statistics


def fisher_interval(r: float, n: int, covariates: int = 0, *, alpha: float = 0.05) -> tuple[float, float]:
    """Confidence interval of a (partial) correlation by Fisher's z.

    Returns
    -------
    (low, high); NaN when n − covariates ≤ 3 or r is missing.

    Notes
    -----
    z = atanh(r), SE = 1 / sqrt(n − 3 − covariates); the interval is tanh(z ± z_{1−α/2}·SE)
    (pingouin's ``compute_esci`` for ``corr`` and ``partial_corr``).
    """
    dof = n - 3 - covariates
    if dof <= 0 or r is None or not math.isfinite(r):
        return math.nan, math.nan
    z = math.atanh(min(max(r, -0.9999999), 0.9999999))
    half = stats.norm.ppf(1 - alpha / 2) / math.sqrt(dof)
    return math.tanh(z - half), math.tanh(z + half)


def holm(p_values: pd.Series) -> pd.Series:
    """Holm-adjusted p-values over the non-missing entries.

    Returns
    -------
    A Series on the same index; NaN where the input is NaN.

    Notes
    -----
    With the m p-values sorted, p_(1) ≤ … ≤ p_(m): adjusted p_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j))
    (statsmodels ``multipletests(method="holm")``).
    """
    out = pd.Series(np.nan, index=p_values.index, dtype=float)
    present = p_values.dropna().sort_values(kind="stable")
    m = len(present)
    if m:
        scaled = np.minimum(1.0, (m - np.arange(m)) * present.to_numpy())
        out[present.index] = np.maximum.accumulate(scaled)
    return out


def spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman's ρ and its two-sided p (SciPy, t approximation); NaN when either is constant.

    Returns
    -------
    (rho, p_val)
    """
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan, math.nan
    result = stats.spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)


def partial_spearman(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> tuple[float, float, int]:
    """Spearman's ρ of x and y with group membership held constant.

    Returns
    -------
    (rho, p_val, covariates): covariates is the number of group dummies (groups − 1).

    Notes
    -----
    The ranks of x and y (ties averaged) are each regressed on the group dummies and the
    residuals correlated; p from t = r·sqrt(dof / (1 − r²)) with dof = n − 2 − covariates.
    The same as ``pingouin.partial_corr(method="spearman")`` with the dummies as covariates.
    """
    dummies = pd.get_dummies(pd.Series(groups), drop_first=True, dtype=float).to_numpy()
    design = np.column_stack([np.ones(len(x)), dummies])
    covariates = dummies.shape[1]
    residuals = []
    for values in (stats.rankdata(x), stats.rankdata(y)):
        coef, *_ = np.linalg.lstsq(design, values, rcond=None)
        residuals.append(values - design @ coef)
    if min(np.ptp(r) for r in residuals) < 1e-12:
        return math.nan, math.nan, covariates
    r = float(np.corrcoef(*residuals)[0, 1])
    dof = len(x) - 2 - covariates
    if dof <= 0:
        return r, math.nan, covariates
    t = r * math.sqrt(dof / max(1 - r * r, 1e-300))
    return r, float(2 * stats.t.sf(abs(t), dof)), covariates


def within_fit(y: np.ndarray, x: np.ndarray, groups: np.ndarray, times: np.ndarray) -> dict | None:
    """Two-way fixed-effects slope of ``y`` on ``x`` (group and time effects), cluster-robust by group.

    Parameters
    ----------
    y, x : float arrays without missing values; groups, times : integer codes of the same length.

    Returns
    -------
    dict with coef, se, ci_low, ci_high, p_val, n_obs, n_groups; None without enough data
    (fewer than 2 groups with 2+ observations, or no variation of x within groups).

    Notes
    -----
    Frisch–Waugh–Lovell: y, x and the time dummies (first dropped) are demeaned within each
    group and regressed without a constant; the slope equals that of OLS with group and time
    dummies, also for an unbalanced panel. Standard errors by :func:`cluster_ols` (CR1, K
    counting the regressors left after demeaning, the group effects being absorbed, as Stata's
    ``xtreg, fe vce(cluster)``), inference on t(G−1).
    """
    sizes = np.bincount(groups)
    keep = sizes[groups] >= 2
    y, x, groups, times = y[keep], x[keep], groups[keep], times[keep]
    groups = np.unique(groups, return_inverse=True)[1]
    if groups.size == 0 or groups.max() < 1:
        return None
    sizes = np.bincount(groups)

    def demeaned(values: np.ndarray) -> np.ndarray:
        return values - (np.bincount(groups, weights=values) / sizes)[groups]

    slope = demeaned(x)
    if float(slope @ slope) < 1e-12:
        return None
    periods_seen = np.unique(times)
    dummies = [demeaned((times == t).astype(float)) for t in periods_seen[1:]]
    exog = np.column_stack([slope, *[d for d in dummies if np.abs(d).max() > 1e-12]])
    fit = cluster_ols(demeaned(y), exog, groups).iloc[0]
    return {**{k: float(v) for k, v in fit.items()}, "n_obs": int(y.size), "n_groups": int(sizes.size)}


def cluster_ols(outcome: np.ndarray, exog: np.ndarray, groups: np.ndarray, *, alpha: float = 0.05) -> pd.DataFrame:
    """OLS with standard errors clustered by ``groups`` (integer codes), one row per regressor.

    Returns
    -------
    DataFrame with coef, se, ci_low, ci_high, p_val, one row per column of ``exog``.

    Notes
    -----
    V = c·(X'X)⁻¹ (Σ_g X_g'u_g u_g'X_g) (X'X)⁻¹ with c = G/(G−1)·(N−1)/(N−K) (CR1); t tests and
    intervals on G − 1 degrees of freedom: statsmodels ``OLS(...).fit(cov_type="cluster",
    use_t=True)``, computed here with NumPy because the page runs it for every indicator.
    """
    n, k = exog.shape
    bread = np.linalg.pinv(exog.T @ exog)
    coef = bread @ (exog.T @ outcome)
    scores = exog * (outcome - exog @ coef)[:, None]
    sums = np.zeros((int(groups.max()) + 1, k))
    np.add.at(sums, groups, scores)
    clusters = int(np.unique(groups).size)
    factor = clusters / (clusters - 1) * (n - 1) / (n - k)
    se = np.sqrt(np.diag(factor * bread @ (sums.T @ sums) @ bread))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_val = 2 * stats.t.sf(np.abs(coef / se), clusters - 1)
    half = stats.t.ppf(1 - alpha / 2, clusters - 1) * se
    return pd.DataFrame({"coef": coef, "se": se, "ci_low": coef - half, "ci_high": coef + half, "p_val": p_val})


def verdict(n: int, favourable: float, ci_width: float, p_holm: float, *, business: config_mod.BusinessConfig) -> str:
    """The key of ``VERDICTS`` for one result (``favourable``: the estimate turned so that
    positive means stronger Party work with better results; ``ci_width``: its 95% interval's).

    Returns
    -------
    str
    """
    if n < business.min_branches or not math.isfinite(favourable):
        return "too_few"
    if n < business.clear_branches or not math.isfinite(ci_width) or ci_width > business.max_ci_width:
        return "cannot_tell"
    if math.isfinite(p_holm) and p_holm < business.alpha:
        return "favourable" if favourable > 0 else "unfavourable"
    return "none"


# --------------------------------------------------------------------------- the views


def _indicator_columns(item: config_mod.PerformanceIndicator) -> dict:
    return {"indicator_id": item.id, "indicator": item.name, "unit": item.unit, "higher_is_better": item.higher_is_better}


@dataclass(frozen=True)
class _Means:
    """Each branch's means of the Party measure (x) and an indicator (y) over the quarters having
    both, the branch's usual department type (None: unknown), and the quarters spanned (k)."""

    x: np.ndarray
    y: np.ndarray
    types: np.ndarray
    k: int


def _branch_means(frame: pd.DataFrame, party: str, cfg: config_mod.Config) -> dict[str, _Means]:
    """``_Means`` per indicator id, summed per branch with ``np.bincount`` (one pass per indicator)."""
    codes, branches = pd.factorize(frame["branch_id"])
    quarter_codes = pd.factorize(frame["quarter"])[0]
    usual = usual_types(frame).reindex(branches)
    types = np.array([None if pd.isna(t) else t for t in usual], dtype=object)
    xs = frame[party].to_numpy(dtype=float, na_value=np.nan)
    out = {}
    for item in cfg.business.indicators:
        ys = frame[PERFORMANCE_PREFIX + item.id].to_numpy(dtype=float, na_value=np.nan)
        both = ~np.isnan(xs) & ~np.isnan(ys)
        counts = np.bincount(codes[both], minlength=len(branches))
        sums_x = np.bincount(codes[both], weights=xs[both], minlength=len(branches))
        sums_y = np.bincount(codes[both], weights=ys[both], minlength=len(branches))
        has = counts > 0
        out[item.id] = _Means(sums_x[has] / counts[has], sums_y[has] / counts[has], types[has],
                              len(np.unique(quarter_codes[both])))
    return out


def _finish(rows: list[dict], estimate: str, business: config_mod.BusinessConfig, view: str,
            party_label: str) -> pd.DataFrame:
    """The Holm correction over the indicators, the verdicts and the readings of one view."""
    frame = pd.DataFrame(rows)
    frame["p_holm"] = holm(frame["p_val"])
    frame["favourable"] = frame[estimate] * np.where(frame["higher_is_better"], 1, -1)
    widths = frame["ci_high"] - frame["ci_low"]
    frame["verdict"] = [
        "no_groups" if row.get("skip") == "no_groups" else verdict(row["n"], fav, width, p, business=business)
        for row, fav, width, p in zip(rows, frame["favourable"], widths, frame["p_holm"])]
    frame["verdict_label"] = frame["verdict"].map(VERDICTS)
    frame["reading"] = [reading.sentence(view, row, party=party_label, business=business)
                        for row in frame.to_dict("records")]
    return frame.drop(columns="skip", errors="ignore")


def _association(frame: pd.DataFrame, party: str, cfg: config_mod.Config) -> pd.DataFrame:
    business = cfg.business
    rows = []
    all_means = _branch_means(frame, party, cfg)
    for item in business.indicators:
        means = all_means[item.id]
        n = len(means.x)
        rho, p = spearman(means.x, means.y) if n >= business.min_branches else (math.nan, math.nan)
        low, high = fisher_interval(rho, n)
        rows.append({**_indicator_columns(item), "n": n, "k": means.k, "rho": rho,
                     "ci_low": low, "ci_high": high, "p_val": p})
    return _finish(rows, "rho", business, "association", party_measure(party))


def _partial(frame: pd.DataFrame, party: str, cfg: config_mod.Config) -> pd.DataFrame:
    business = cfg.business
    rows = []
    all_means = _branch_means(frame, party, cfg)
    for item in business.indicators:
        means = all_means[item.id]
        typed = np.array([t is not None for t in means.types], dtype=bool)
        kinds, sizes = np.unique(means.types[typed].astype(str), return_counts=True)
        kept = set(kinds[sizes >= business.min_type_branches])
        chosen = np.array([t in kept for t in means.types], dtype=bool)
        x, y, groups = means.x[chosen], means.y[chosen], means.types[chosen]
        n = len(x)
        row = {**_indicator_columns(item), "n": n, "k": means.k,
               "groups": "、".join(t for t in config_mod.DEPARTMENT_TYPES if t in kept), "rho": math.nan,
               "ci_low": math.nan, "ci_high": math.nan, "p_val": math.nan, "rho_raw": math.nan}
        if len(kept) < 2:
            row["skip"] = "no_groups"
        elif n >= business.min_branches:
            rho, p, covariates = partial_spearman(x, y, groups)
            low, high = fisher_interval(rho, n, covariates)
            row.update(rho=rho, p_val=p, ci_low=low, ci_high=high, rho_raw=spearman(x, y)[0])
        rows.append(row)
    return _finish(rows, "rho", business, "partial", party_measure(party))


@dataclass(frozen=True)
class _Layout:
    """Row positions of a panel as integer codes, shared by the regression views: branch and
    quarter codes, and the row of the same branch's next quarter (−1 when there is none)."""

    branches: np.ndarray
    quarters: np.ndarray
    following: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Layout:
        branches = pd.factorize(frame["branch_id"])[0]
        quarters = pd.factorize(frame["quarter"])[0]
        index = np.array([periods.split(q)[0] * 4 + periods.split(q)[1] for q in frame["quarter"]], dtype=np.int64)
        rows = {(b, i): r for r, (b, i) in enumerate(zip(branches, index))}
        following = np.array([rows.get((b, i + 1), -1) for b, i in zip(branches, index)], dtype=np.int64)
        return cls(branches, quarters, following)


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


def _standard(values: np.ndarray) -> tuple[np.ndarray, float]:
    """``values`` in SDs about their mean, and the SD (sample, ddof 1; NaN for fewer than 2)."""
    if values.size < 2:
        return values.copy(), math.nan
    sd = float(np.std(values, ddof=1))
    return (values - values.mean()) / sd if sd > 0 else values * math.nan, sd


def _lagged(frame: pd.DataFrame, party: str, cfg: config_mod.Config) -> pd.DataFrame:
    business = cfg.business
    layout = _Layout.of(frame)
    xs = _values(frame, party)
    rows = []
    for item in business.indicators:
        ys = _values(frame, PERFORMANCE_PREFIX + item.id)
        following = np.where(layout.following >= 0, layout.following, 0)
        change = np.where(layout.following >= 0, ys[following] - ys, np.nan)
        ok = ~np.isnan(change) & ~np.isnan(xs)
        branches, quarters = layout.branches[ok], layout.quarters[ok]
        n = len(np.unique(branches))
        row = {**_indicator_columns(item), "n": n, "n_obs": int(ok.sum()), "k": len(np.unique(quarters)),
               "coef": math.nan, "se": math.nan, "beta": math.nan, "ci_low": math.nan, "ci_high": math.nan,
               "p_val": math.nan}
        x, sd_x = _standard(xs[ok])
        sd_y = float(np.std(change[ok], ddof=1)) if ok.sum() > 1 else math.nan
        if n >= business.min_branches and sd_x > 0 and sd_y > 0:
            # Δy on the Party score in SDs, with quarter effects (hospital-wide swings), clustered by branch.
            seen = np.unique(quarters)
            exog = np.column_stack([np.ones(x.size), x, *[(quarters == q).astype(float) for q in seen[1:]]])
            fit = cluster_ols(change[ok], exog, branches).iloc[1]
            row.update(coef=fit["coef"], se=fit["se"], p_val=fit["p_val"],
                       **_beta(fit["coef"], fit["ci_low"], fit["ci_high"], sd_y))
        rows.append(row)
    return _finish(rows, "beta", business, "lagged", party_measure(party))


def _beta(coef: float, low: float, high: float, sd_y: float) -> dict:
    """The slope per SD of the Party score in SDs of the outcome too (its interval alike)."""
    return {"beta": float(coef) / sd_y, "ci_low": float(low) / sd_y, "ci_high": float(high) / sd_y}


def _within(frame: pd.DataFrame, party: str, cfg: config_mod.Config) -> pd.DataFrame:
    business = cfg.business
    layout = _Layout.of(frame)
    xs = _values(frame, party)
    rows = []
    for item in business.indicators:
        ys = _values(frame, PERFORMANCE_PREFIX + item.id)
        ok = ~np.isnan(xs) & ~np.isnan(ys)
        row = {**_indicator_columns(item), "n": 0, "n_obs": 0, "k": len(np.unique(layout.quarters[ok])),
               "coef": math.nan, "se": math.nan, "beta": math.nan, "ci_low": math.nan, "ci_high": math.nan,
               "p_val": math.nan}
        x, sd_x = _standard(xs[ok])
        sd_y = float(np.std(ys[ok], ddof=1)) if ok.sum() > 1 else math.nan
        if sd_x > 0 and sd_y > 0:
            fit = within_fit(ys[ok], x, layout.branches[ok], layout.quarters[ok])
            if fit is not None:
                row.update(n=fit["n_groups"], n_obs=fit["n_obs"])
                if fit["n_groups"] >= business.min_branches:
                    row.update(coef=fit["coef"], se=fit["se"], p_val=fit["p_val"],
                               **_beta(fit["coef"], fit["ci_low"], fit["ci_high"], sd_y))
        rows.append(row)
    return _finish(rows, "beta", business, "within", party_measure(party))


# --------------------------------------------------------------------------- public functions


def _one_view(view, con: duckdb.DuckDBPyConnection, *, scope: Scope, first: str, last: str, party: str,
              unit: str | None, as_of: dt.date | None, cfg: config_mod.Config | None) -> pd.DataFrame:
    """``view`` (one of the four) on the panel of a public function's arguments."""
    party_measure(party)
    frame, cfg = checked_panel(con, scope=scope, first=first, last=last, unit=unit, as_of=as_of, cfg=cfg)
    return view(frame, party, cfg)


def association(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    party: str = "assessment",
    unit: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Spearman's ρ between a Party measure and each department indicator, across branches.

    Parameters
    ----------
    party : a key of ``PARTY_MEASURES`` ('assessment', 'vanguard', 'compliance').
    first, last, unit, as_of : as for ``panel``.

    Returns
    -------
    One row per configured indicator, in catalogue order: indicator_id, indicator, unit,
    higher_is_better, n (branches with both values), k (quarters with both), rho (Spearman,
    on the indicator's scale), ci_low, ci_high (95%, Fisher z), p_val, p_holm (Holm over the
    indicators), favourable (rho turned so that positive = stronger Party work with better
    results), verdict (a key of ``VERDICTS``), verdict_label (its Chinese), reading (the
    sentence to show). Hospital-level: every role.

    Notes
    -----
    Each branch enters once, with its means over the quarters in which it has both values;
    ρ = Pearson correlation of the ranks (``scipy.stats.spearmanr``, p by the t
    approximation); CI tanh(atanh ρ ± 1.96 / sqrt(n − 3)). No ρ below ``min_branches``
    branches. An association across branches is not an effect: see ``within_branch``.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scand. J. Stat. 6, 65-70.
    """
    return _one_view(_association, con, scope=scope, first=first, last=last, party=party, unit=unit, as_of=as_of, cfg=cfg)


def partial_association(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    party: str = "assessment",
    unit: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """:func:`association` with department type (内科/外科/医技/护理/行政) held constant.

    Returns
    -------
    The columns of :func:`association` plus groups (the types kept, '、'-joined) and rho_raw
    (plain Spearman on the same branches, to compare): rho, ci_low, ci_high, p_val are the
    partial ones. A branch's type is its usual one over the quarters (``panel``); types with
    fewer than ``min_type_branches`` branches are left out; with fewer than two types left the
    verdict is 'no_groups'.

    Notes
    -----
    Partial Spearman: ranks of both residualised on the type dummies, then correlated; p from
    t with n − 2 − (types − 1) degrees of freedom; CI by Fisher z with SE 1/sqrt(n − 3 −
    (types − 1)) (as ``pingouin.partial_corr(method="spearman")``).
    """
    return _one_view(_partial, con, scope=scope, first=first, last=last, party=party, unit=unit, as_of=as_of, cfg=cfg)


def lagged_association(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    party: str = "assessment",
    unit: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Party score in quarter t against the change of each indicator from t to t+1.

    Returns
    -------
    One row per configured indicator: indicator_id, indicator, unit, higher_is_better, n
    (branches), n_obs (branch-quarter steps), k (quarters t), coef (change of the indicator,
    in its unit, per SD of the Party score), se (its cluster-robust standard error), beta (the
    same in SDs of the change), ci_low,
    ci_high (95%, of beta), p_val, p_holm, favourable (beta turned: positive = better), verdict,
    verdict_label, reading.

    Notes
    -----
    OLS of Δy_{i,t→t+1} on the standardised Party score x_it with quarter dummies (a hospital-
    wide swing in one quarter is not credited to anyone), standard errors clustered by branch
    (:func:`cluster_ols`, t on branches − 1 degrees of freedom). Only consecutive quarters make a step.
    """
    return _one_view(_lagged, con, scope=scope, first=first, last=last, party=party, unit=unit, as_of=as_of, cfg=cfg)


def within_branch(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    party: str = "assessment",
    unit: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> pd.DataFrame:
    """Fixed effects: does a branch do better in the quarters its own Party score is higher?

    Returns
    -------
    One row per configured indicator: indicator_id, indicator, unit, higher_is_better, n
    (branches with 2+ quarters), n_obs, k (quarters), coef (indicator units per SD of the
    Party score), se (its cluster-robust standard error), beta (SDs of the indicator per SD of
    the Party score), ci_low, ci_high (of beta), p_val, p_holm, favourable, verdict,
    verdict_label, reading.

    Notes
    -----
    y_it = α_i + γ_t + β·x_it + ε_it (branch and quarter effects) by :func:`within_fit`,
    errors clustered by branch. The branch effects remove everything about a branch that does
    not change (its department, its size, its leadership), which the cross-branch view cannot.
    """
    return _one_view(_within, con, scope=scope, first=first, last=last, party=party, unit=unit, as_of=as_of, cfg=cfg)


@dataclass(frozen=True)
class BusinessAnalysis:
    """Everything the 党建+业务 page and report show, from one panel.

    panel: ``panel``'s rows (pseudonymous for researchers); association, partial, lagged,
    within: the four views; quadrant: ``quadrant_table`` for the chosen indicator (None: the
    composite); branches, quarters: the panel's extent.
    """

    party: str
    indicator: str | None
    first: str
    last: str
    panel: pd.DataFrame
    association: pd.DataFrame
    partial: pd.DataFrame
    lagged: pd.DataFrame
    within: pd.DataFrame
    quadrant: pd.DataFrame
    branches: int
    quarters: int

    @property
    def counts(self) -> dict[str, int]:
        """Indicators per verdict of the cross-branch view, in ``VERDICTS`` order (zeros kept)."""
        found = self.association["verdict"].value_counts()
        return {key: int(found.get(key, 0)) for key in VERDICTS}


def analyse(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    first: str,
    last: str,
    party: str = "assessment",
    indicator: str | None = None,
    unit: str | None = None,
    as_of: dt.date | None = None,
    cfg: config_mod.Config | None = None,
) -> BusinessAnalysis:
    """The panel, the four views and the quadrant, computed once (the page's one call).

    Returns
    -------
    A ``BusinessAnalysis`` (see its fields); the frames have the columns of ``panel``,
    :func:`association`, :func:`partial_association`, :func:`lagged_association`,
    :func:`within_branch` and ``quadrant.quadrant``.
    """
    party_measure(party)
    frame, cfg = checked_panel(con, scope=scope, first=first, last=last, unit=unit, as_of=as_of, cfg=cfg)
    if indicator is not None:
        cfg.business.indicator(indicator)
    shown = for_viewer(con, scope, frame)
    has_party = shown[party].notna()
    return BusinessAnalysis(
        party=party, indicator=indicator, first=first, last=last, panel=shown,
        association=_association(frame, party, cfg), partial=_partial(frame, party, cfg),
        lagged=_lagged(frame, party, cfg), within=_within(frame, party, cfg),
        quadrant=quadrant_table(shown, party=party, indicator=indicator, cfg=cfg),
        branches=int(shown.loc[has_party, "branch_id"].nunique()), quarters=int(shown.loc[has_party, "quarter"].nunique()),
    )
