"""``python -m analysis survey ...`` run as real subprocesses on a copy of the demo database.

References: SciPy (chi2_contingency, f distribution), statsmodels (proportion_confint,
confint_proportions_2indep), NumPy variance formulas on answers read straight from the file, and
the demo's calibrated figures (1,030 / 1,107 = 93.04 % of members, 1,327 / 1,543 = 86.00 % of
non-members chose 作用明显).

Until ``analysis/cli/main.py`` wires the command (``survey_cli.add_survey_command(commands)``) the
tests run ``python -m analysis.cli.survey``, the same parser on its own; afterwards they run
``python -m analysis``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from analysis import db
from analysis import survey as survey_lib
from analysis.cli import main as cli
from analysis.cli import survey as survey_cli

ROOT = Path(__file__).resolve().parent.parent


def _entry() -> list[str]:
    commands = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return ["-m", "analysis"] if "survey" in commands.choices else ["-m", "analysis.cli.survey"]


ENTRY = _entry()


@pytest.fixture(scope="module")
def copy(demo_path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("survey_cli") / "copy.duckdb"
    shutil.copy(demo_path, path)
    return path


@pytest.fixture(autouse=True)
def default_config(tmp_path, monkeypatch):
    """Defaults only (min_cell 5, 作用明显, members 中共党员/中共预备党员) for the subprocesses too."""
    empty = tmp_path / "defaults.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(empty))


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *ENTRY, "survey", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def run_json(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # strict: NaN would not parse as JSON null


def read(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# compare
# ---------------------------------------------------------------------------------------------


def test_compare_members_and_non_members(copy):
    out = run_json("compare", "--survey", "1", "--question", "4", "--group-question", "1", "--db", str(copy))
    shares = {row["group"]: row for row in out["shares"]}
    assert shares["党员"]["n"] == 1107 and shares["非党员"]["n"] == 1543
    assert round(shares["党员"]["pct"], 2) == 93.04 and round(shares["非党员"]["pct"], 2) == 86.00
    # Default split of the 政治面貌 question: the configured member options against the rest.
    assert out["groups"]["党员"] == ["中共党员"]
    assert sorted(out["groups"]["非党员"]) == sorted(["共青团员", "民主党派", "群众"])
    assert out["effective_options"] == ["作用明显"]

    c = out["comparison"]
    assert (c["group1"], c["group2"], c["n1"], c["n2"]) == ("党员", "非党员", 1107, 1543)
    # The 2×2 table rebuilt from the JSON counts, tested by SciPy without Yates' correction.
    table = np.array([[c["effective1"], c["n1"] - c["effective1"]], [c["effective2"], c["n2"] - c["effective2"]]])
    ref = stats.chi2_contingency(table, correction=False)
    assert c["test"] == "chi2" and c["df"] == 1
    assert c["chi2"] == pytest.approx(ref.statistic) and c["statistic"] == pytest.approx(ref.statistic)
    assert c["p"] == pytest.approx(ref.pvalue) and c["p_chi2"] == pytest.approx(ref.pvalue)
    assert c["cramer_v"] == pytest.approx(math.sqrt(ref.statistic / table.sum()))
    assert c["pct1"] == pytest.approx(100 * c["effective1"] / c["n1"])
    assert c["diff"] == pytest.approx(c["pct1"] - c["pct2"])
    low, high = confint_proportions_2indep(c["effective1"], c["n1"], c["effective2"], c["n2"], method="newcomb")
    assert (c["ci_low"], c["ci_high"]) == pytest.approx((low * 100, high * 100))
    lo, hi = proportion_confint(c["effective1"], c["n1"], method="wilson")
    assert (shares["党员"]["ci_low"], shares["党员"]["ci_high"]) == pytest.approx((lo * 100, hi * 100))
    assert c["suppressed"] is False


def test_compare_with_explicit_groups_matches_the_default(copy):
    default = run_json("compare", "--survey", "1", "--question", "4", "--group-question", "1", "--db", str(copy))
    explicit = run_json("compare", "--survey", "1", "--question", "4", "--group-question", "1",
                        "--group", "党员=中共党员", "--group", "非党员=共青团员,民主党派,群众", "--db", str(copy))
    assert explicit["comparison"] == default["comparison"]
    assert explicit["shares"] == default["shares"]


def test_compare_two_of_many_groups_and_other_positive_options(copy):
    out = run_json("compare", "--survey", "1", "--question", "4", "--group-question", "2", "--compare", "临床科室",
                   "护理单元", "--effective", "作用明显", "有一定作用", "--db", str(copy))
    rows = read(copy, """
        SELECT go.text, count(*), count(*) FILTER (WHERE oo.text IN ('作用明显', '有一定作用'))
        FROM survey_answer g JOIN survey_answer o USING (survey_id, response_id)
        JOIN survey_option go ON go.survey_id = g.survey_id AND go.question_no = g.question_no
                             AND go.option_no = g.option_no
        JOIN survey_option oo ON oo.survey_id = o.survey_id AND oo.question_no = o.question_no
                             AND oo.option_no = o.option_no
        WHERE g.survey_id = 1 AND g.question_no = 2 AND o.question_no = 4 GROUP BY 1""")
    by_option = {text: (n, e) for text, n, e in rows}
    c = out["comparison"]
    assert (c["n1"], c["effective1"]) == by_option["临床科室"] and (c["n2"], c["effective2"]) == by_option["护理单元"]
    assert sorted(row["group"] for row in out["shares"]) == sorted([*by_option, "合计"])


def test_compare_text_output_is_readable(copy):
    result = run("compare", "--survey", "1", "--question", "4", "--group-question", "1", "--db", str(copy))
    assert result.returncode == 0, result.stderr
    assert "93.0%" in result.stdout and "86.0%" in result.stdout and "1,107" in result.stdout
    assert "chi2(1) = 32.512" in result.stdout and "p < 0.001" in result.stdout


# ---------------------------------------------------------------------------------------------
# crosstab, freq, alpha, likert, ranking, list
# ---------------------------------------------------------------------------------------------


def _observed(out: dict) -> np.ndarray:
    rows, cols = out["rows"]["labels"], out["cols"]["labels"]
    return np.array([[out["counts"][r][c] for c in cols] for r in rows], dtype=float)


def test_crosstab_agrees_with_scipy(copy):
    # 政治面貌 × 科室类别: every 政治面貌 group has at least 122 respondents, so nothing is hidden.
    out = run_json("crosstab", "--survey", "1", "--rows", "1", "--cols", "2", "--db", str(copy))
    assert out["hidden_rows"] == {}
    observed = _observed(out)
    ref = stats.chi2_contingency(observed, correction=False)
    assert out["n"] == observed.sum() == 2650
    assert out["chi2"] == pytest.approx(ref.statistic) and out["p"] == pytest.approx(ref.pvalue)
    assert out["df"] == ref.dof == 9
    assert out["cramer_v"] == pytest.approx(math.sqrt(ref.statistic / (observed.sum() * 3)))
    rows, cols = out["rows"]["labels"], out["cols"]["labels"]
    expected = np.array([[out["expected"][r][c] for c in cols] for r in rows])
    np.testing.assert_allclose(expected, ref.expected_freq)
    # Adjusted residuals by the formula (O - E) / sqrt(E (1 - row share)(1 - column share)).
    n = observed.sum()
    adjusted = (observed - ref.expected_freq) / np.sqrt(
        ref.expected_freq * (1 - observed.sum(1, keepdims=True) / n) * (1 - observed.sum(0, keepdims=True) / n))
    residuals = np.array([[out["residuals"][r][c] for c in cols] for r in rows])
    np.testing.assert_allclose(residuals, adjusted)
    assert out["row_pct"][rows[0]][cols[0]] == pytest.approx(100 * observed[0, 0] / observed[0].sum())
    assert out["counts"]["合计"]["合计"] == 2650


def test_crosstab_hides_small_groups_but_tests_the_whole_table(copy, tmp_path, monkeypatch):
    # A minimum of 300: 行政后勤 (268) is under it, and 医技科室 (409, the smallest larger row)
    # goes with it, else the 合计 would give 行政后勤 back.
    toml = tmp_path / "hospital.toml"
    toml.write_text("[survey]\nmin_cell = 300\n", encoding="utf-8")
    monkeypatch.setenv("PARTY_DASHBOARD_CONFIG", str(toml))
    out = run_json("crosstab", "--survey", "1", "--rows", "2", "--cols", "4", "--db", str(copy))
    assert set(out["counts"]["行政后勤"].values()) == {"<300"} and set(out["counts"]["医技科室"].values()) == {"*"}
    assert all(isinstance(v, int) for v in out["counts"]["临床科室"].values())
    assert set(out["hidden_rows"]) == {"行政后勤", "医技科室"}
    full = np.zeros((4, 4))
    for r, c, n in read(copy, """
            SELECT a.option_no, b.option_no, count(*) FROM survey_answer a JOIN survey_answer b
            USING (survey_id, response_id) WHERE a.survey_id = 1 AND a.question_no = 2 AND b.question_no = 4
            GROUP BY ALL"""):
        full[r - 1, c - 1] = n
    ref = stats.chi2_contingency(full, correction=False)
    assert out["chi2"] == pytest.approx(ref.statistic) and out["p"] == pytest.approx(ref.pvalue)
    for r in out["hidden_rows"]:
        assert all(v is None for v in out["residuals"][r].values())
        assert all(v is None for v in out["row_pct"][r].values())


def test_freq_agrees_with_wilson(copy):
    out = run_json("freq", "--survey", "1", "--question", "4", "--db", str(copy))
    assert out["respondents"] == out["answered"] == 2650
    rows = [r for r in out["rows"] if r["option_no"] is not None]
    assert sorted(r["option"] for r in rows) == sorted(["作用明显", "有一定作用", "作用不明显", "不清楚"])
    assert sum(r["n"] for r in rows) == 2650
    assert next(r["n"] for r in rows if r["option"] == "作用明显") == 1030 + 1327
    for r in rows:
        lo, hi = proportion_confint(r["n"], 2650, method="wilson")
        assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo * 100, hi * 100))
        assert r["valid_pct"] == pytest.approx(100 * r["n"] / 2650)


def test_freq_of_a_matrix_row_shows_every_count(copy):
    # Whole-sample frequencies are never hidden, small counts included.
    out = run_json("freq", "--survey", "1", "--question", "6", "--item", "1", "--db", str(copy))
    counts = dict(read(copy, "SELECT option_no, count(*) FROM survey_answer WHERE survey_id = 1 AND question_no = 6 "
                             "AND item_no = 1 GROUP BY 1"))
    shown = {row["option_no"]: row["n"] for row in out["rows"] if row["option_no"] is not None}
    assert shown == {no: counts.get(no, 0) for no in shown}
    assert any(1 <= n < 5 for n in shown.values())  # 1分 for 医疗质量与安全: a small count, shown


def test_alpha_agrees_with_numpy(copy):
    out = run_json("alpha", "--survey", "1", "--question", "6", "--db", str(copy))
    rows = read(copy, """
        SELECT a.response_id, a.item_no, o.value FROM survey_answer a JOIN survey_option o
        USING (survey_id, question_no, option_no) WHERE a.survey_id = 1 AND a.question_no = 6
        ORDER BY 1, 2""")
    respondents = sorted({r for r, _, _ in rows})
    index = {r: i for i, r in enumerate(respondents)}
    x = np.full((len(respondents), 13), np.nan)
    for r, item, value in rows:
        x[index[r], item - 1] = value
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert (out["n"], out["k"], out["n_incomplete"]) == (n, k, 0)
    assert out["alpha"] == pytest.approx(alpha)
    # Feldt interval: 1 - (1 - alpha) F(0.975 / 0.025; n - 1, (n - 1)(k - 1)).
    assert out["ci_low"] == pytest.approx(1 - (1 - alpha) * stats.f.ppf(0.975, n - 1, (n - 1) * (k - 1)))
    assert out["ci_high"] == pytest.approx(1 - (1 - alpha) * stats.f.ppf(0.025, n - 1, (n - 1) * (k - 1)))
    first = out["items"][0]
    rest = x.sum(axis=1) - x[:, 0]
    assert first["item_total_r"] == pytest.approx(np.corrcoef(x[:, 0], rest)[0, 1])
    rest_items = x[:, 1:]
    if_deleted = (k - 1) / (k - 2) * (1 - rest_items.var(axis=0, ddof=1).sum() / rest_items.sum(axis=1).var(ddof=1))
    assert first["alpha_if_deleted"] == pytest.approx(if_deleted)
    assert out["label"] == "良好"


def test_likert_and_ranking(copy):
    likert = run_json("likert", "--survey", "1", "--question", "6", "--db", str(copy))
    items = {row["item"]: row for row in likert["items"]}
    assert items["DRG与CMI考核"]["rank"] == 1  # the weakest area of the demo
    # Whole-sample distributions are shown as in freq: 1分 for 医疗质量与安全, given by 1-4 people, too.
    assert 0 < items["医疗质量与安全"]["pct_1"] < 5 * 100 / items["医疗质量与安全"]["n"] and likert["hidden"] == []
    ranking = run_json("ranking", "--survey", "1", "--question", "7", "--db", str(copy))
    k, answered = 4, ranking["answered"]
    weighted = dict(read(copy, "SELECT option_no, sum(5 - rank) FROM survey_answer WHERE survey_id = 1 "
                               "AND question_no = 7 GROUP BY 1"))
    for row in ranking["options"]:
        assert row["score"] == pytest.approx(weighted[row["option_no"]] / answered)  # weights k - rank + 1
    assert ranking["options"][0]["option"] == "政治建设" and k == len(ranking["options"])


def test_list_shows_questions_and_no_respondent_data(copy):
    result = run("list", "--db", str(copy), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    (survey,) = out["surveys"]
    assert survey["respondents"] == 2650
    assert [q["qtype"] for q in survey["questions"]] == [
        "single", "single", "single", "single", "multiple", "matrix", "ranking", "text"]
    assert survey["questions"][0]["attribute"] == "政治面貌"
    assert len(survey["questions"][5]["items"]) == 13
    # Nothing about single respondents: no response ids, submission times, channels or IP addresses.
    assert not re.search(r"response_id|submitted|duration|channel", result.stdout)
    assert not re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", result.stdout)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["freq", "--survey", "99", "--question", "4"], "survey 99 does not exist"),
    (["freq", "--survey", "1", "--question", "42"], "survey 1 has no question 42"),
    (["freq", "--survey", "1", "--question", "6"], "pass --item"),
    (["freq", "--survey", "1", "--question", "4", "--item", "2"], "not a matrix question"),
    (["alpha", "--survey", "1", "--question", "4"], "needs a matrix question"),
    (["compare", "--survey", "1", "--question", "4", "--group-question", "2"], "choose two with --compare"),
    (["compare", "--survey", "1", "--question", "4", "--group-question", "1", "--group", "党员=党员"],
     "is not an option of question 1"),
    (["compare", "--survey", "1", "--question", "4", "--group-question", "1", "--group", "甲=中共党员",
      "--group", "乙=中共党员,群众"], "is in both"),
    (["compare", "--survey", "1", "--question", "4", "--group-question", "5"], "grouping needs a single choice"),
    (["crosstab", "--survey", "1", "--rows", "4", "--cols", "4"], "must be different"),
])
def test_bad_requests_exit_1_with_an_english_message(copy, args, message):
    result = run(*args, "--db", str(copy))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr


def test_missing_database_exits_2(tmp_path):
    result = run("list", "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 2 and "no database at" in result.stderr


def test_database_held_by_the_app_exits_2_with_the_workaround(copy, tmp_path):
    held = tmp_path / "held.duckdb"
    shutil.copy(copy, held)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "sys.stdin.read()", str(held)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = run("freq", "--survey", "1", "--question", "4", "--db", str(held))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert result.returncode == 2
    assert "locked by another process" in result.stderr and "copy" in result.stderr


def test_add_survey_command_sets_a_handler():
    parser = argparse.ArgumentParser()
    survey_cli.add_survey_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["survey", "compare", "--survey", "1", "--question", "4", "--group-question", "1",
                              "--group", "党员=中共党员", "--group", "非党员=群众", "--compare", "党员", "非党员"])
    assert callable(args.handler) and args.group == ["党员=中共党员", "非党员=群众"]
    with pytest.raises(SystemExit):
        parser.parse_args(["survey", "freq", "--question", "4"])  # --survey is required


# ---------------------------------------------------------------------------------------------
# toolbox: compare-groups, efa, waves
# ---------------------------------------------------------------------------------------------


def _scale_question(path: Path) -> int:
    return read(path, "SELECT min(question_no) FROM survey_question WHERE survey_id = 1 AND qtype = 'matrix'")[0][0]


def test_compare_groups_is_the_library_result(copy):
    scale = _scale_question(copy)
    out = run_json("compare-groups", "--survey", "1", "--question", str(scale), "--scale", "--group-question", "1",
                   "--db", str(copy))
    con = db.open_database(copy, read_only=True)
    try:
        groups = survey_lib.member_groups(con, scope=survey_cli.SCOPE, survey_id=1, question_no=1)
        expected = survey_lib.compare_scores(con, survey_id=1, question_no=scale, item_no=None, group_question_no=1,
                                             groups=groups, scope=survey_cli.SCOPE)
    finally:
        con.close()
    test = out["test"][0]
    assert test["method"] == "welch_t" and out["groups"] == {k: list(v) for k, v in groups.items()}
    assert test["statistic"] == pytest.approx(expected.test.iloc[0]["statistic"])
    assert [g["n"] for g in out["groups_table"]] == list(expected.groups["n"])
    text = run("compare-groups", "--survey", "1", "--question", str(scale), "--scale", "--group-question", "1",
               "--method", "rank", "--db", str(copy))
    assert text.returncode == 0 and "mann_whitney" in text.stdout and "rank_biserial" in text.stdout


def test_efa_and_its_refusals(copy):
    scale = _scale_question(copy)
    out = run_json("efa", "--survey", "1", "--questions", str(scale), "--db", str(copy))
    assert 0 < out["kmo"] <= 1 and out["bartlett_dof"] == len(out["loadings"]) * (len(out["loadings"]) - 1) // 2
    assert out["n_factors"] == sum(row["retained"] for row in out["eigen"]) or out["n_factors"] == 1
    assert "KMO" in out["reading"]
    refused = run("efa", "--survey", "1", "--questions", "1", "--db", str(copy))
    assert refused.returncode == 1 and "matrix" in refused.stderr


def test_waves_listing_and_unknown_instrument(copy):
    assert run_json("waves", "--db", str(copy)) == {"waves": []}
    unknown = run("waves", "--instrument", "不存在", "--question", "1", "--db", str(copy))
    assert unknown.returncode == 1 and "不存在" in unknown.stderr


def test_report_json_and_word_file(copy, tmp_path):
    out = run_json("report", "--survey", "1", "--output", str(tmp_path / "r.docx"), "--db", str(copy))
    con = db.open_database(copy, read_only=True)
    try:
        freq = survey_lib.frequencies(con, survey_id=1, question_no=1, scope=survey_cli.SCOPE)
    finally:
        con.close()
    first = out["questions"][0]
    assert first["question_no"] == 1 and "拟合优度检验" in first["sentence"]
    assert [row["人数"] for row in first["table"]] == [int(n) for n in freq["n"] if n == n][:len(first["table"])]
    assert (tmp_path / "r.docx").read_bytes()[:2] == b"PK"
    refused = run("report", "--survey", "1", "--output", str(tmp_path / "r.pdf"), "--db", str(copy))
    assert refused.returncode == 1 and ".docx or .html" in refused.stderr
