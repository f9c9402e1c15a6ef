"""先锋指数 and 支部考核 page functions against one raw DuckDB statement over the raw tables, one
over the derived tables, and pandas on the raw tables already in memory (see ``_versus``).

Statements use literal weights and periods (what a hand-written query in the DuckDB shell
would be); pandas starts from the score rows as a DataFrame, as a dashboard without a
database engine would.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import duckdb
import numpy as np
import pandas as pd

from analysis import config, periods
from analysis.derived import BRANCH_OF_QUARTER
from analysis.metrics import assessment, vanguard
from analysis.scope import Scope
from bench import case, settings
from bench._versus import Versus, compare, frames, measurement

SCOPE = Scope.committee("bench")
FIRST, LAST, YEAR = "2025Q1", "2025Q4", 2025
WIDE_FIRST = periods.shift(FIRST, -4)  # trend looks a year back for 同比
V = config.DEFAULT.vanguard
SHEET = len(V.dimensions) * 3


def _half_up(x: float) -> str:
    """One decimal, rounded half up from the value to 9 decimals (as formatting.score), by Decimal."""
    return str(Decimal(repr(round(x, 9))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _index_sql(first: str, last: str) -> str:
    """The member index over the raw scores, literal weights."""
    terms = " + ".join(f"{d.weight} * {w} * sum(score) FILTER (WHERE dimension_id = '{d.id}' AND rater = '{r}')"
                       for d in V.dimensions for r, w in V.rater_weights.items())
    return f"""
        SELECT s.quarter, any_value(m.branch_id) AS branch_id, s.member_id, {terms} AS vindex
        FROM vanguard_score s JOIN {BRANCH_OF_QUARTER}
        WHERE s.quarter BETWEEN '{first}' AND '{last}'
        GROUP BY s.member_id, s.quarter HAVING count(*) = {SHEET}"""


GRADE_CASE = "CASE " + " ".join(f"WHEN round({{x}}, 9) >= {t.minimum} THEN '{t.label}'" for t in V.grades) + " END"
STARS_CASE = "CASE " + " ".join(f"WHEN round({{x}}, 9) >= {t.minimum} THEN {int(t.label)}" for t in V.stars) + " END"


def _trend_sql(index: str) -> str:
    return f"""
        WITH q AS (
            SELECT quarter, branch_id, avg(vindex) AS mean, median(vindex) AS median, stddev_samp(vindex) AS sd,
                   count(*) AS n, quarter_index(quarter) AS qi
            FROM ({index}) GROUP BY ALL)
        SELECT cur.quarter, cur.branch_id AS unit_id, l.branch_name AS unit_name, cur.mean, cur.median, cur.sd, cur.n,
               cur.mean - p.mean AS qoq, cur.mean - y.mean AS yoy
        FROM q cur JOIN branch_lineage l USING (branch_id)
        LEFT JOIN q p ON p.branch_id = cur.branch_id AND p.qi = cur.qi - 1
        LEFT JOIN q y ON y.branch_id = cur.branch_id AND y.qi = cur.qi - 4
        WHERE cur.quarter >= '{FIRST}' ORDER BY cur.quarter, cur.branch_id"""


def _members_sql(index: str, rank: str) -> str:
    return f"""
        SELECT i.quarter, i.member_id, m.name, i.branch_id, l.branch_name, l.general_branch_name, i.vindex, {rank}
        FROM ({index}) i JOIN member m USING (member_id) JOIN branch_lineage l ON l.branch_id = i.branch_id
        ORDER BY i.quarter, i.branch_id, rank_in_branch, i.member_id"""


def _appraisal_sql(annual: str) -> str:
    return f"""
        SELECT a.member_id, m.name, a.branch_id, l.branch_name, a.quarters, a.annual_index, a.grade, a.stars
        FROM ({annual}) a JOIN member m USING (member_id) JOIN branch_lineage l ON l.branch_id = a.branch_id
        ORDER BY a.branch_id, a.annual_index DESC, a.member_id"""


RAW_ANNUAL = f"""
    SELECT member_id, arg_max(branch_id, quarter) AS branch_id, count(*) AS quarters, avg(vindex) AS annual_index,
           {GRADE_CASE.format(x='avg(vindex)')} AS grade, {STARS_CASE.format(x='avg(vindex)')} AS stars
    FROM ({_index_sql(f'{YEAR}Q1', f'{YEAR}Q4')}) GROUP BY member_id"""


def _falling_sql(index: str) -> str:
    return f"""
        WITH s AS (SELECT member_id, branch_id, list(vindex ORDER BY quarter) AS v FROM ({index}) GROUP BY ALL)
        SELECT s.member_id, m.name, s.branch_id, l.branch_name, v[1] AS start_index, v[3] AS last_index,
               v[1] - v[3] AS total_drop, v::DOUBLE[] AS indices,
               array_to_string(list_transform(v, lambda x: round(round(x::DOUBLE, 9)::DECIMAL(18, 9), 1)::VARCHAR), ' → ')
                   AS index_path
        FROM s JOIN member m USING (member_id) JOIN branch_lineage l ON l.branch_id = s.branch_id
        WHERE len(v) = 3 AND v[2] < v[1] AND v[3] < v[2] ORDER BY total_drop DESC, s.member_id"""


RANKING_RAW = f"""
    WITH t AS (SELECT quarter, branch_id, sum(score)::DOUBLE AS total, count(*) AS indicators
               FROM branch_score WHERE quarter <= '{LAST}' GROUP BY ALL),
    r AS (SELECT *, rank() OVER (PARTITION BY quarter ORDER BY total DESC) AS rank FROM t),
    g AS (SELECT *, lag(rank) OVER w AS pr, lag(quarter) OVER w AS pq, total < lag(total) OVER w AS fell
          FROM r WINDOW w AS (PARTITION BY branch_id ORDER BY quarter)),
    s AS (SELECT *, row_number() OVER (PARTITION BY branch_id, run ORDER BY quarter) - 1 AS falling_streak
          FROM (SELECT *, sum(CASE WHEN fell THEN 0 ELSE 1 END) OVER (PARTITION BY branch_id ORDER BY quarter) AS run FROM g))
    SELECT s.quarter, s.branch_id, l.branch_name, l.general_branch_name, s.total, s.indicators, s.rank,
           CASE WHEN quarter_index(pq) = quarter_index(s.quarter) - 1 THEN pr - s.rank END AS rank_change, falling_streak
    FROM s JOIN branch_lineage l USING (branch_id)
    WHERE s.quarter BETWEEN '{FIRST}' AND '{LAST}' ORDER BY s.quarter, s.rank, s.branch_id"""

RANKING_DERIVED = f"""
    SELECT t.quarter, t.branch_id, l.branch_name, l.general_branch_name, t.total, t.indicators, t.rank, t.rank_change,
           t.falling_streak
    FROM branch_quarter_total t JOIN branch_lineage l USING (branch_id)
    WHERE t.quarter BETWEEN '{FIRST}' AND '{LAST}' ORDER BY t.quarter, t.rank, t.branch_id"""


def _annual_totals_sql(totals: str) -> str:
    return f"""
        WITH y AS (SELECT branch_id, count(*) AS quarters, sum(total) AS total, avg(total) AS mean,
                          count(*) FILTER (WHERE rank <= 3) AS commended_quarters
                   FROM ({totals}) WHERE quarter BETWEEN '{YEAR}Q1' AND '{YEAR}Q4' GROUP BY ALL)
        SELECT y.branch_id, l.branch_name, l.general_branch_name, quarters, total, mean, commended_quarters,
               rank() OVER (ORDER BY round(mean, 9) DESC) AS rank
        FROM y JOIN branch_lineage l USING (branch_id) ORDER BY rank, y.branch_id"""


def _total_trend_sql(totals: str) -> str:
    return f"""
        SELECT quarter, avg(total) AS mean, median(total) AS median, min(total) AS min, max(total) AS max,
               count(*) AS n
        FROM ({totals}) WHERE quarter BETWEEN '{FIRST}' AND '{LAST}' GROUP BY quarter ORDER BY quarter"""


RAW_TOTALS = "SELECT quarter, branch_id, sum(score)::DOUBLE AS total, rank() OVER (PARTITION BY quarter ORDER BY sum(score) DESC) AS rank FROM branch_score GROUP BY quarter, branch_id"

INDICATORS_SQL = f"""
    SELECT s.branch_id, l.branch_name, s.indicator_id, i.name AS indicator, s.max_points::DOUBLE AS max_points,
           s.score::DOUBLE AS score, 100 * s.score::DOUBLE / s.max_points::DOUBLE AS pct,
           avg(s.score::DOUBLE) OVER (PARTITION BY s.indicator_id) AS hospital_mean,
           100 * hospital_mean / s.max_points::DOUBLE AS hospital_pct, s.score::DOUBLE - hospital_mean AS gap, i.position
    FROM branch_score s JOIN branch_lineage l USING (branch_id) JOIN assessment_indicator i USING (indicator_id)
    WHERE s.quarter = '{LAST}' ORDER BY s.branch_id, i.position"""

def _dimension_sql(means: str) -> str:
    """The breakdown with the dimension's name, the weighted combination (literal rater
    weights) and the self-rating gap, from ``means`` (quarter, dimension_id, self, peer, org, n)."""
    w = V.rater_weights
    return f"""
    SELECT m.quarter, m.dimension_id, d.name AS dimension, m.self, m.peer, m.org,
           {w['self']} * m.self + {w['peer']} * m.peer + {w['org']} * m.org AS combined, m.self - m.org AS self_gap, m.n
    FROM ({means}) m JOIN vanguard_dimension d USING (dimension_id) ORDER BY m.quarter, d.position"""


DIMENSION_RAW = _dimension_sql(f"""
    SELECT quarter, dimension_id, avg(score) FILTER (WHERE rater = 'self')::DOUBLE AS self,
           avg(score) FILTER (WHERE rater = 'peer')::DOUBLE AS peer, avg(score) FILTER (WHERE rater = 'org')::DOUBLE AS org,
           count(DISTINCT member_id) AS n
    FROM vanguard_score WHERE quarter = '{LAST}' GROUP BY ALL""")

DIMENSION_DERIVED = _dimension_sql(f"""
    SELECT quarter, dimension_id, sum(self_sum)::DOUBLE / sum(self_n) AS self, sum(peer_sum)::DOUBLE / sum(peer_n) AS peer,
           sum(org_sum)::DOUBLE / sum(org_n) AS org, sum(members) AS n
    FROM branch_quarter_dimension WHERE quarter = '{LAST}' GROUP BY ALL""")

DERIVED_INDEX = "SELECT * FROM member_quarter_index WHERE quarter BETWEEN '{first}' AND '{last}'"

FRAMES = {
    "scores": "SELECT member_id, quarter, dimension_id, rater, score::DOUBLE AS score FROM vanguard_score",
    "members": "SELECT member_id, name, branch_id FROM member",
    "history": "SELECT member_id, branch_id, from_quarter, to_quarter FROM member_quarter_branch",
    "dimensions": "SELECT dimension_id, name AS dimension, position FROM vanguard_dimension",
    "lineage": "SELECT * FROM branch_lineage",
    "branch_scores": "SELECT branch_id, quarter, indicator_id, score::DOUBLE AS score, max_points::DOUBLE AS max_points FROM branch_score",
    "indicators": "SELECT indicator_id, name AS indicator, position FROM assessment_indicator",
}


# --- pandas -----------------------------------------------------------------------------------


class Pandas:
    """The same results from the raw tables as DataFrames."""

    def __init__(self, data: dict[str, pd.DataFrame]) -> None:
        self.d = data
        self.dim_w = {d.id: d.weight for d in V.dimensions}

    def index(self, first: str, last: str) -> pd.DataFrame:
        s = self.d["scores"]
        s = s[(s["quarter"] >= first) & (s["quarter"] <= last)]
        weighted = s["score"] * s["dimension_id"].map(self.dim_w) * s["rater"].map(V.rater_weights)
        sheets = weighted.groupby([s["member_id"], s["quarter"]]).agg(["sum", "size"])
        sheets = sheets[sheets["size"] == SHEET]["sum"].rename("vindex").reset_index()
        # The branch of the member in that quarter (analysis.derived.BRANCH_OF_QUARTER).
        sheets = sheets.merge(self.d["history"], on="member_id")
        in_force = (sheets["quarter"] >= sheets["from_quarter"]) & (sheets["quarter"] < sheets["to_quarter"])
        return sheets[in_force].drop(columns=["from_quarter", "to_quarter"])

    def trend(self) -> pd.DataFrame:
        q = (self.index(WIDE_FIRST, LAST).groupby(["quarter", "branch_id"])["vindex"]
             .agg(mean="mean", median="median", sd="std", n="size").reset_index())
        q["qi"] = q["quarter"].map(lambda x: periods.split(x)[0] * 4 + periods.split(x)[1])
        for name, back in (("qoq", 1), ("yoy", 4)):
            earlier = q[["branch_id", "qi", "mean"]].assign(qi=q["qi"] + back).rename(columns={"mean": name})
            q = q.merge(earlier, on=["branch_id", "qi"], how="left")
            q[name] = q["mean"] - q[name]
        q = q.merge(self.d["lineage"][["branch_id", "branch_name"]], on="branch_id")
        return q[q["quarter"] >= FIRST].rename(columns={"branch_id": "unit_id", "branch_name": "unit_name"})

    def member_index(self) -> pd.DataFrame:
        i = self.index(LAST, LAST)
        # Ranked to 9 decimals, as analysis.derived documents.
        i["rank_in_branch"] = i["vindex"].round(9).groupby([i["quarter"], i["branch_id"]]).rank(method="min",
                                                                                               ascending=False)
        return (i.merge(self.d["members"][["member_id", "name"]], on="member_id")
                .merge(self.d["lineage"][["branch_id", "branch_name", "general_branch_name"]], on="branch_id"))

    def appraisal(self) -> pd.DataFrame:
        i = self.index(f"{YEAR}Q1", f"{YEAR}Q4").sort_values("quarter")
        # The branch of the member's last scored quarter of the year.
        a = i.groupby("member_id").agg(branch_id=("branch_id", "last"), quarters=("vindex", "size"),
                                       annual_index=("vindex", "mean")).reset_index()
        rounded = a["annual_index"].round(9)
        a["grade"] = np.select([rounded >= t.minimum for t in V.grades], [t.label for t in V.grades], default="")
        a["stars"] = np.select([rounded >= t.minimum for t in V.stars], [int(t.label) for t in V.stars], default=0)
        return (a.merge(self.d["members"][["member_id", "name"]], on="member_id")
                .merge(self.d["lineage"][["branch_id", "branch_name"]], on="branch_id"))

    def dimensions(self) -> pd.DataFrame:
        s = self.d["scores"]
        s = s[s["quarter"] == LAST]
        means = s.pivot_table(index=["quarter", "dimension_id"], columns="rater", values="score", aggfunc="mean")
        n = s.groupby(["quarter", "dimension_id"])["member_id"].nunique().rename("n")
        d = means.join(n).reset_index().merge(self.d["dimensions"], on="dimension_id")
        w = V.rater_weights
        return d.assign(combined=w["self"] * d["self"] + w["peer"] * d["peer"] + w["org"] * d["org"],
                        self_gap=d["self"] - d["org"]).sort_values(["quarter", "position"])

    def falling(self) -> pd.DataFrame:
        i = self.index(periods.shift(LAST, -2), LAST).sort_values("quarter")
        w = i.pivot(index="member_id", columns="quarter", values="vindex").dropna()
        first, middle, last = (w[c] for c in w.columns)
        w = w[(middle < first) & (last < middle)]
        branch = i.groupby("member_id")["branch_id"].last()
        return (pd.DataFrame({"member_id": w.index, "branch_id": branch[w.index].to_numpy(),
                              "start_index": first[w.index].to_numpy(), "last_index": last[w.index].to_numpy()})
                .assign(total_drop=lambda f: f["start_index"] - f["last_index"],
                        indices=[list(v) for v in zip(first[w.index], middle[w.index], last[w.index])],
                        index_path=lambda f: [" → ".join(_half_up(x) for x in v) for v in f["indices"]])
                .merge(self.d["members"][["member_id", "name"]], on="member_id")
                .merge(self.d["lineage"][["branch_id", "branch_name"]], on="branch_id")
                .sort_values(["total_drop", "member_id"], ascending=[False, True]))

    def totals(self) -> pd.DataFrame:
        # Scores are decimals with two places: summed in hundredths, as exactly as DuckDB's DECIMAL,
        # so that equal totals tie (a float sum can break a tie and move a rank).
        b = self.d["branch_scores"]
        cents = (b["score"] * 100).round().astype("int64")
        t = cents.groupby([b["quarter"], b["branch_id"]]).agg(total="sum", indicators="size").reset_index()
        t["total"] = t["total"] / 100
        t["rank"] = t.groupby("quarter")["total"].rank(method="min", ascending=False)
        return t

    def ranking(self) -> pd.DataFrame:
        t = self.totals().sort_values(["branch_id", "quarter"])
        t["qi"] = t["quarter"].map(lambda x: periods.split(x)[0] * 4 + periods.split(x)[1])
        by = t.groupby("branch_id")
        consecutive = by["qi"].shift() == t["qi"] - 1
        t["rank_change"] = (by["rank"].shift() - t["rank"]).where(consecutive)
        fell = t["total"] < by["total"].shift()
        run = (~fell).astype(int).groupby(t["branch_id"]).cumsum()
        t["falling_streak"] = t.groupby([t["branch_id"], run]).cumcount()
        t = t[(t["quarter"] >= FIRST) & (t["quarter"] <= LAST)]
        return t.merge(self.d["lineage"][["branch_id", "branch_name", "general_branch_name"]], on="branch_id")

    def indicators(self) -> pd.DataFrame:
        b = self.d["branch_scores"]
        b = b[b["quarter"] == LAST].copy()
        b["hospital_mean"] = b.groupby("indicator_id")["score"].transform("mean")
        b["gap"] = b["score"] - b["hospital_mean"]
        b["pct"] = 100 * b["score"] / b["max_points"]
        b["hospital_pct"] = 100 * b["hospital_mean"] / b["max_points"]
        return (b.merge(self.d["indicators"], on="indicator_id")
                .merge(self.d["lineage"][["branch_id", "branch_name"]], on="branch_id"))

    def total_trend(self) -> pd.DataFrame:
        t = self.totals()
        t = t[(t["quarter"] >= FIRST) & (t["quarter"] <= LAST)]
        return t.groupby("quarter")["total"].agg(["mean", "median", "min", "max"]).join(
            t.groupby("quarter").size().rename("n")).reset_index()

    def annual(self) -> pd.DataFrame:
        t = self.totals()
        t = t[t["quarter"].str.startswith(str(YEAR))]
        a = t.assign(commended=t["rank"] <= 3).groupby("branch_id").agg(
            quarters=("quarter", "size"), total=("total", "sum"), mean=("total", "mean"), commended_quarters=("commended", "sum"))
        a["rank"] = a["mean"].round(9).rank(method="min", ascending=False)
        return a.reset_index().merge(self.d["lineage"][["branch_id", "branch_name", "general_branch_name"]], on="branch_id")


def versus(con: duckdb.DuckDBPyConnection) -> list[Versus]:
    p = Pandas(frames(con, FRAMES))
    period = {"scope": SCOPE, "first": FIRST, "last": LAST}
    member_rank = "rank() OVER (PARTITION BY i.quarter, i.branch_id ORDER BY round(i.vindex, 9) DESC) AS rank_in_branch"
    return [
        Versus("vanguard.trend (branch)", lambda: vanguard.trend(con, level="branch", **period),
               ["quarter", "unit_id", "unit_name", "mean", "median", "sd", "n", "qoq", "yoy"], ["quarter", "unit_id"],
               {"raw tables": _trend_sql(_index_sql(WIDE_FIRST, LAST)),
                "derived tables": _trend_sql(DERIVED_INDEX.format(first=WIDE_FIRST, last=LAST))}, p.trend),
        Versus("vanguard.member_index", lambda: vanguard.member_index(con, scope=SCOPE, first=LAST, last=LAST),
               ["quarter", "member_id", "name", "branch_id", "branch_name", "general_branch_name", "vindex", "rank_in_branch"],
               ["quarter", "member_id"],
               {"raw tables": _members_sql(_index_sql(LAST, LAST), member_rank),
                "derived tables": _members_sql(DERIVED_INDEX.format(first=LAST, last=LAST), "i.rank_in_branch")},
               p.member_index),
        Versus("vanguard.appraisal", lambda: vanguard.appraisal(con, scope=SCOPE, year=YEAR),
               ["member_id", "name", "branch_id", "branch_name", "quarters", "annual_index", "grade", "stars"], ["member_id"],
               {"raw tables": _appraisal_sql(RAW_ANNUAL),
                "derived tables": _appraisal_sql(f"SELECT * FROM member_year_index WHERE year = {YEAR}")}, p.appraisal),
        Versus("vanguard.dimension_breakdown", lambda: vanguard.dimension_breakdown(con, scope=SCOPE, first=LAST, last=LAST),
               ["quarter", "dimension_id", "dimension", "self", "peer", "org", "combined", "self_gap", "n"],
               ["quarter", "dimension_id"],
               {"raw tables": DIMENSION_RAW, "derived tables": DIMENSION_DERIVED}, p.dimensions),
        Versus("vanguard.falling_members", lambda: vanguard.falling_members(con, scope=SCOPE, last=LAST),
               ["member_id", "name", "branch_id", "branch_name", "start_index", "last_index", "total_drop", "indices",
                "index_path"],
               ["member_id"],
               {"raw tables": _falling_sql(_index_sql(periods.shift(LAST, -2), LAST)),
                "derived tables": _falling_sql(DERIVED_INDEX.format(first=periods.shift(LAST, -2), last=LAST))},
               p.falling),
        Versus("assessment.branch_ranking", lambda: assessment.branch_ranking(con, **period),
               ["quarter", "branch_id", "branch_name", "general_branch_name", "total", "indicators", "rank", "rank_change",
                "falling_streak"],
               ["quarter", "branch_id"], {"raw tables": RANKING_RAW, "derived tables": RANKING_DERIVED}, p.ranking),
        Versus("assessment.indicator_scores", lambda: assessment.indicator_scores(con, scope=SCOPE, quarter=LAST),
               ["branch_id", "branch_name", "indicator_id", "indicator", "max_points", "score", "pct", "hospital_mean",
                "hospital_pct", "gap", "position"], ["branch_id", "indicator_id"],
               {"raw tables": INDICATORS_SQL}, p.indicators),
        Versus("assessment.total_trend", lambda: assessment.total_trend(con, **period),
               ["quarter", "mean", "median", "min", "max", "n"], ["quarter"],
               {"raw tables": _total_trend_sql(RAW_TOTALS),
                "derived tables": _total_trend_sql("SELECT * FROM branch_quarter_total")}, p.total_trend),
        Versus("assessment.annual_totals", lambda: assessment.annual_totals(con, scope=SCOPE, year=YEAR),
               ["branch_id", "branch_name", "general_branch_name", "quarters", "total", "mean", "commended_quarters", "rank"],
               ["branch_id"],
               {"raw tables": _annual_totals_sql(RAW_TOTALS),
                "derived tables": _annual_totals_sql("SELECT * FROM branch_quarter_total")}, p.annual),
    ]


@case("indices", "先锋指数 and 支部考核 page functions vs one DuckDB statement (raw or derived tables) and pandas")
def indices(quick: bool = False):
    import duckdb as _duckdb

    from bench import demo_database

    scale = 1 if quick else settings.scale
    con = _duckdb.connect(str(demo_database(scale)), read_only=True)
    try:
        return measurement("indices", compare(con, versus(con)), scale)
    finally:
        con.close()
