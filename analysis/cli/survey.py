"""``python -m analysis survey ...``: the survey page's numbers on the command line.

Subcommands (each takes ``--db PATH`` and ``--json``):

* ``list [--survey ID]``: surveys with their questions, options and matrix rows
* ``freq --survey ID --question Q [--item I]``: frequencies with Wilson 95 % intervals
* ``compare --survey ID --question Q [--item I] --group-question G [--group NAME=OPT,OPT ...]
  [--compare A B] [--effective OPT ...]``: share of "positive" answers by group, the two-group
  difference with its Newcombe interval, χ² or Fisher, Cramér's V
* ``crosstab --survey ID --rows Q --cols Q [--row-item I] [--col-item I]``: counts, row and column
  percentages, adjusted residuals, χ² test of independence
* ``alpha --survey ID --question Q``: Cronbach's alpha with its Feldt interval, item statistics
* ``likert --survey ID --question Q [--group-question G] [--group ...]``: matrix scale items
* ``ranking --survey ID --question Q``: mean rank and 问卷星 综合得分 per option
* ``compare-groups --survey ID --question Q [--item I | --scale] --group-question G [--group ...]
  [--method parametric|rank]``: a score compared across groups (Welch t / ANOVA with
  Games-Howell, or Mann-Whitney / Kruskal-Wallis with Dunn-Holm) with effect sizes
* ``efa --survey ID --questions Q [Q ...] [--factors K] [--rotation varimax|promax]``: KMO,
  Bartlett, parallel analysis and rotated loadings of matrix scale items
* ``report --survey ID [--output FILE.docx|FILE.html]``: the 问卷默认报告 (every question's table
  and sentence; with ``--output`` also written as Word or offline HTML)
* ``waves [--instrument NAME --question K [--effective OPT ...] [--group-question K]]``: the
  linked waves, or one question's effective share per wave with its change, CI and test

The numbers are those of the 问卷分析 page (same functions in :mod:`analysis.survey`, same
defaults: the configured effective options, 党员 vs 非党员 for a 政治面貌 question). The CLI acts
as a researcher (``Scope("cli", "researcher")``) and applies the configured minimum reporting
group (``analysis.survey.privacy``), so it never shows more than a researcher sees in the app. It
opens the database read-only and never writes.

JSON: percentages in percent (0-100) unrounded, NaN as ``null``; the counts of a hidden group are
the string ``"<5"`` (fewer respondents) or ``"*"`` (it would give such a group back by
subtraction), and ``hidden`` gives the reason of each, in Chinese.

Exit codes: 0 success; 1 bad request (unknown survey, question, item, option or group, a question
of the wrong type); 2 the database cannot be used (missing, locked by the running app, schema).

Wiring: :func:`add_survey_command` adds the ``survey`` command to ``analysis.cli``'s subparsers;
``python -m analysis.cli.survey survey ...`` runs it on its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analysis import config as config_mod
from analysis import db, survey
from analysis.formatting import count, fixed, p_value, percent
from analysis.report import survey_report
from analysis.scope import Scope
from analysis.survey import reading, validity

SCOPE = Scope("cli", "researcher")
QTYPES_EN = {"single": "single choice", "multiple": "multiple choice", "matrix": "matrix", "ranking": "ranking",
             "text": "free text"}


class RequestError(Exception):
    """A request the data cannot answer (exit 1); the message is English."""


class DatabaseUnavailable(Exception):
    """The database file cannot be opened (exit 2); the message is English."""


# ------------------------------------------------------------------------------ parser


def add_survey_command(subparsers: argparse._SubParsersAction) -> None:
    """Add ``survey`` with its subcommands to ``subparsers``; each sets ``handler``.

    ``handler(args) -> int`` prints the result (JSON with ``--json``, else a table) and returns
    the exit code.
    """
    survey_parser = subparsers.add_parser(
        "survey", help="survey statistics (read-only, as a researcher)",
        description="Survey statistics as on the 问卷分析 page: read-only, researcher scope, small cells suppressed.",
    )
    commands = survey_parser.add_subparsers(dest="survey_command", required=True, metavar="SUBCOMMAND")

    def command(name: str, help_text: str, action: Callable) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--db", type=Path, default=db.default_path(), help=f"database file (default {db.default_path()})")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.set_defaults(handler=_handler, survey_action=action)
        return parser

    def grouping(parser: argparse.ArgumentParser, required: bool) -> None:
        parser.add_argument("--group-question", type=int, required=required, metavar="Q",
                            help="single-choice question forming the groups (e.g. the 政治面貌 question)")
        parser.add_argument("--group", action="append", default=None, metavar="NAME=OPTION[,OPTION...]",
                            help="merge options of the group question into a named group; repeat for each group "
                                 "(default: 党员/非党员 for a 政治面貌 question, else one group per option)")

    listing = command("list", "list surveys with their questions and options", _list)
    listing.add_argument("--survey", type=int, metavar="ID", help="only this survey")

    freq = command("freq", "frequencies of a single-choice, multiple-choice or matrix-row question", _freq)
    freq.add_argument("--survey", type=int, required=True, metavar="ID")
    freq.add_argument("--question", type=int, required=True, metavar="Q")
    freq.add_argument("--item", type=int, default=0, metavar="I", help="matrix row (1, 2, ...)")

    compare = command("compare", "share of positive answers by group and the two-group test", _compare)
    compare.add_argument("--survey", type=int, required=True, metavar="ID")
    compare.add_argument("--question", type=int, required=True, metavar="Q", help="outcome question")
    compare.add_argument("--item", type=int, default=0, metavar="I", help="matrix row of the outcome question")
    grouping(compare, required=True)
    compare.add_argument("--compare", nargs=2, metavar=("A", "B"), help="the two groups to compare (needed when "
                                                                           "there are more than two)")
    compare.add_argument("--effective", nargs="+", metavar="OPTION",
                         help="options counted as positive (default: configured, e.g. 作用明显)")

    crosstab = command("crosstab", "cross table of two single-choice questions with the chi-square test", _crosstab)
    crosstab.add_argument("--survey", type=int, required=True, metavar="ID")
    crosstab.add_argument("--rows", type=int, required=True, metavar="Q")
    crosstab.add_argument("--cols", type=int, required=True, metavar="Q")
    crosstab.add_argument("--row-item", type=int, default=0, metavar="I")
    crosstab.add_argument("--col-item", type=int, default=0, metavar="I")

    alpha = command("alpha", "Cronbach's alpha of a matrix scale question", _alpha)
    alpha.add_argument("--survey", type=int, required=True, metavar="ID")
    alpha.add_argument("--question", type=int, required=True, metavar="Q")

    likert = command("likert", "item means, distributions and top-2 box of a matrix scale question", _likert)
    likert.add_argument("--survey", type=int, required=True, metavar="ID")
    likert.add_argument("--question", type=int, required=True, metavar="Q")
    grouping(likert, required=False)

    ranking = command("ranking", "mean rank and 综合得分 of a ranking question", _ranking)
    ranking.add_argument("--survey", type=int, required=True, metavar="ID")
    ranking.add_argument("--question", type=int, required=True, metavar="Q")


    scores = command("compare-groups", "a scale item or score compared across groups, with post-hoc pairs",
                     _compare_scores)
    scores.add_argument("--survey", type=int, required=True, metavar="ID")
    scores.add_argument("--question", type=int, required=True, metavar="Q", help="scored single-choice or matrix question")
    which = scores.add_mutually_exclusive_group()
    which.add_argument("--item", type=int, default=0, metavar="I", help="matrix row")
    which.add_argument("--scale", action="store_true", help="the matrix question's mean score over all its rows")
    grouping(scores, required=True)
    scores.add_argument("--method", choices=("parametric", "rank"), default="parametric")

    efa = command("efa", "KMO, Bartlett, parallel analysis and exploratory factor analysis of scale items", _efa)
    efa.add_argument("--survey", type=int, required=True, metavar="ID")
    efa.add_argument("--questions", type=int, nargs="+", required=True, metavar="Q", help="matrix scale questions")
    efa.add_argument("--factors", type=int, default=None, metavar="K", help="default: by parallel analysis")
    efa.add_argument("--rotation", choices=("varimax", "promax"), default="varimax")

    report = command("report", "the default report: every question's table and plain sentence", _report)
    report.add_argument("--survey", type=int, required=True, metavar="ID")
    report.add_argument("--output", type=Path, metavar="FILE", help="also write it as .docx (Word) or .html (offline)")

    waves = command("waves", "linked waves, or one question's change between waves", _waves)
    waves.add_argument("--instrument", metavar="NAME", help="the questionnaire the waves were linked under")
    waves.add_argument("--question", type=int, metavar="K", help="question number in the first wave")
    waves.add_argument("--item", type=int, default=0, metavar="I", help="matrix row")
    waves.add_argument("--effective", nargs="+", metavar="OPTION", help="options counted as positive")
    waves.add_argument("--group-question", type=int, metavar="K", help="grouping question (first-wave number)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``survey ...`` on its own: ``python -m analysis.cli.survey survey freq ...``."""
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Hospital Party-building analytics")
    add_survey_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


# ------------------------------------------------------------------------------ running


def _handler(args: argparse.Namespace) -> int:
    try:
        con = _open(args.db)
    except DatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        payload, text = args.survey_action(con, args)
    except RequestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # analysis.survey refused the request (its message is Chinese)
        print(f"error: the request was refused: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    if args.json:
        print(json.dumps(_plain(payload), ensure_ascii=False, indent=2, allow_nan=False))
    else:
        print(text)
    return 0


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    if not Path(path).is_file():
        raise DatabaseUnavailable(f"no database at {path}")
    try:
        return db.open_database(path, read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseUnavailable(
                f"{path} is locked by another process (most likely the running dashboard, which holds the file "
                f"read-write). Run on a copy instead: copy the file (and {Path(path).name}.wal if present) "
                f"elsewhere, e.g. cp {path} /tmp/survey-copy.duckdb, then pass --db /tmp/survey-copy.duckdb"
            ) from exc
        raise DatabaseUnavailable(f"cannot open {path}: {exc}") from exc
    except db.SchemaError as exc:
        raise DatabaseUnavailable(str(exc)) from exc
    except duckdb.Error as exc:
        raise DatabaseUnavailable(f"cannot open {path}: {exc}") from exc


def _plain(value: Any) -> Any:
    """JSON-ready: NaN/NA -> None, numpy scalars -> Python, dates -> ISO text, tuples -> lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.date().isoformat() if isinstance(value, (pd.Timestamp, dt.datetime)) else value.isoformat()
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [_plain(dict(zip(frame.columns, row))) for row in frame.itertuples(index=False, name=None)]


def _nested(frame: pd.DataFrame) -> dict:
    """{row label: {column label: value}} of a two-way table."""
    return {str(r): {str(c): _plain(frame.at[r, c]) for c in frame.columns} for r in frame.index}


# ------------------------------------------------------------------------------ checks (English messages)


def _survey(con: duckdb.DuckDBPyConnection, survey_id: int) -> pd.Series:
    found = survey.surveys(con, scope=SCOPE)
    if survey_id not in set(found["survey_id"]):
        known = ", ".join(f"{i} ({t})" for i, t in zip(found["survey_id"], found["title"])) or "none"
        raise RequestError(f"survey {survey_id} does not exist; surveys in the database: {known}")
    return found.set_index("survey_id").loc[survey_id]


def _question(con: duckdb.DuckDBPyConnection, survey_id: int, question_no: int, allowed: Sequence[str],
              purpose: str) -> pd.Series:
    questions = survey.questions(con, scope=SCOPE, survey_id=survey_id)
    if question_no not in set(questions["question_no"]):
        numbers = ", ".join(str(n) for n in questions["question_no"])
        raise RequestError(f"survey {survey_id} has no question {question_no}; its questions are {numbers} "
                           f"(see `survey list --survey {survey_id}`)")
    q = questions.set_index("question_no").loc[question_no]
    if q["qtype"] not in allowed:
        names = [QTYPES_EN[t] for t in allowed]
        wanted = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise RequestError(f"question {question_no} is a {QTYPES_EN[q['qtype']]} question; {purpose} needs a "
                           f"{wanted} question")
    return q


def _item(con: duckdb.DuckDBPyConnection, survey_id: int, question_no: int, qtype: str, item_no: int,
          flag: str = "--item") -> None:
    if qtype == "matrix":
        items = survey.question_options(con, scope=SCOPE, survey_id=survey_id, question_no=question_no).attrs["items"]
        numbers = [i for i, _ in items]
        if item_no not in numbers:
            raise RequestError(f"question {question_no} is a matrix question: pass {flag} with one of its rows "
                               f"{numbers[0]}-{numbers[-1]}" if numbers else f"question {question_no} has no rows")
    elif item_no != 0:
        raise RequestError(f"question {question_no} is not a matrix question; leave out {flag}")


def _options(con: duckdb.DuckDBPyConnection, survey_id: int, question_no: int) -> list[str]:
    return list(survey.question_options(con, scope=SCOPE, survey_id=survey_id, question_no=question_no)["option"])


def _check_options(texts: Sequence[str], known: Sequence[str], question_no: int, what: str) -> None:
    unknown = [t for t in texts if t not in known]
    if unknown:
        verb = "is not an option" if len(unknown) == 1 else "are not options"
        raise RequestError(f"{what} {', '.join(unknown)} {verb} of question {question_no}; "
                           f"its options are: {', '.join(known)}")


def _groups(con: duckdb.DuckDBPyConnection, survey_id: int, group_no: int,
            specs: Sequence[str] | None) -> dict[str, tuple[str, ...]] | None:
    """--group NAME=OPT,OPT ... as a mapping; the 政治面貌 default (党员/非党员); or None (one group per option)."""
    known = _options(con, survey_id, group_no)
    if not specs:
        return survey.member_groups(con, scope=SCOPE, survey_id=survey_id, question_no=group_no)
    groups: dict[str, tuple[str, ...]] = {}
    for spec in specs:
        name, sep, texts = spec.partition("=")
        name = name.strip()
        options = tuple(t.strip() for t in texts.replace("，", ",").split(",") if t.strip())
        if not sep or not name or not options:
            raise RequestError(f"--group {spec!r}: expected NAME=OPTION[,OPTION...], e.g. 党员=中共党员")
        if name in groups:
            raise RequestError(f"--group: the group name {name!r} is given twice")
        _check_options(options, known, group_no, "--group:")
        groups[name] = options
    seen: dict[str, str] = {}
    for name, options in groups.items():
        for option in options:
            if option in seen:
                raise RequestError(f"--group: option {option!r} is in both {seen[option]!r} and {name!r}")
            seen[option] = name
    if survey.TOTAL_LABEL in groups:
        raise RequestError(f"--group: {survey.TOTAL_LABEL!r} is reserved for the total row")
    return groups


# ------------------------------------------------------------------------------ text formatting


def _pct(value: Any) -> str:
    return percent(value, missing="-")


def _n(value: Any) -> str:
    return count(value, missing="-")


def _num(value: Any, digits: int = 2) -> str:
    return "-" if pd.isna(value) else fixed(value, digits)


def _ci(low: Any, high: Any) -> str:
    return "-" if pd.isna(low) or pd.isna(high) else f"{fixed(low, 1)}-{fixed(high, 1)}%"


def _grid(frame: pd.DataFrame) -> str:
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200,
                           "display.max_columns", 50, "display.max_colwidth", 40):
        return frame.to_string(index=False)


def _about(args: argparse.Namespace, s: pd.Series, q: pd.Series) -> dict:
    """The keys a one-question payload starts with."""
    return {"survey_id": args.survey, "survey": s["title"], "question_no": args.question, "question": q["text"]}


def _heading(args: argparse.Namespace, s: pd.Series, q: pd.Series) -> str:
    return f"survey {args.survey} {s['title']}, question {args.question}: {q['text']}\n"


def _group_rule_note(min_cell: int) -> str:
    return (f"a group of fewer than {min_cell} respondents shows <{min_cell}; * marks a group hidden because "
            "subtracting it from another figure would give such a group back")


# ------------------------------------------------------------------------------ subcommands


def _list(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    found = survey.surveys(con, scope=SCOPE)
    if args.survey is not None:
        _survey(con, args.survey)
        found = found[found["survey_id"] == args.survey]
    payload: dict = {"surveys": []}
    lines: list[str] = []
    for s in found.itertuples(index=False):
        questions = survey.questions(con, scope=SCOPE, survey_id=int(s.survey_id))
        entry = _plain({"survey_id": s.survey_id, "title": s.title, "source": s.source, "fielded_from": s.fielded_from,
                        "fielded_to": s.fielded_to, "respondents": s.respondents, "questions": []})
        fielded = f", fielded {_plain(s.fielded_from)} to {_plain(s.fielded_to)}" if pd.notna(s.fielded_from) else ""
        lines.append(f"survey {s.survey_id}: {s.title} ({s.respondents:,} responses{fielded})")
        for q in questions.itertuples(index=False):
            options = survey.question_options(con, scope=SCOPE, survey_id=int(s.survey_id), question_no=int(q.question_no))
            entry["questions"].append(_plain({
                "question_no": q.question_no, "text": q.text, "qtype": q.qtype, "attribute": q.attribute,
                "answered": q.answered,
                "options": _records(options),
                "items": [{"item_no": i, "item": t} for i, t in options.attrs["items"]],
            }))
            attribute = f" [attribute: {q.attribute}]" if pd.notna(q.attribute) else ""
            lines.append(f"  Q{q.question_no} ({q.qtype}){attribute} {q.text}  answered {q.answered:,}")
            if len(options):
                lines.append("      options: " + " | ".join(f"{o.option_no}. {o.option}" for o in options.itertuples()))
            if options.attrs["items"]:
                lines.append("      rows:    " + " | ".join(f"{i}. {t}" for i, t in options.attrs["items"]))
        payload["surveys"].append(entry)
    return payload, "\n".join(lines) if lines else "no surveys"


def _freq(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    s = _survey(con, args.survey)
    q = _question(con, args.survey, args.question, ("single", "multiple", "matrix"), "a frequency table")
    _item(con, args.survey, args.question, q["qtype"], args.item)
    freq = survey.frequencies(con, survey_id=args.survey, question_no=args.question, item_no=args.item, scope=SCOPE)
    payload = {
        "survey_id": args.survey, "survey": s["title"], "question_no": args.question, "item_no": args.item,
        "question": q["text"], "qtype": q["qtype"], "respondents": freq.attrs["respondents"],
        "answered": freq.attrs["answered"], "ci": "wilson 95%", "rows": _records(freq),
    }
    multiple = q["qtype"] == "multiple"
    table = pd.DataFrame({
        "option": freq["option"], "n": [_n(v) for v in freq["n"]],
        **({"% of selections": [_pct(v) for v in freq["response_pct"]],
            "% of respondents": [_pct(v) for v in freq["case_pct"]]} if multiple else
           {"% of all": [_pct(v) for v in freq["pct"]], "valid %": [_pct(v) for v in freq["valid_pct"]]}),
        "95% CI": [_ci(lo, hi) for lo, hi in zip(freq["ci_low"], freq["ci_high"])],
    })
    item = f", row {args.item}" if args.item else ""
    text = (f"survey {args.survey} {s['title']}, question {args.question}{item} ({q['qtype']}): {q['text']}\n"
            f"respondents {freq.attrs['respondents']:,}, answered {freq.attrs['answered']:,}; Wilson 95% intervals; "
            f"whole-sample counts, nothing hidden\n\n{_grid(table)}")
    return payload, text


def _compare(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    s = _survey(con, args.survey)
    q = _question(con, args.survey, args.question, ("single", "matrix"), "a group comparison")
    _item(con, args.survey, args.question, q["qtype"], args.item)
    g = _question(con, args.survey, args.group_question, ("single",), "grouping")
    if args.group_question == args.question:
        raise RequestError("the group question must differ from the outcome question")
    effective = tuple(args.effective) if args.effective else survey.default_effective(
        con, scope=SCOPE, survey_id=args.survey, question_no=args.question)
    _check_options(effective, _options(con, args.survey, args.question), args.question, "--effective:")
    groups = _groups(con, args.survey, args.group_question, args.group)
    common = dict(survey_id=args.survey, question_no=args.question, item_no=args.item,
                  group_question_no=args.group_question, groups=groups, effective_options=effective, scope=SCOPE)
    shares = survey.effective_share(con, **common)
    pair = _pair([str(x) for x in shares["group"] if x != survey.TOTAL_LABEL], args.compare)
    cmp = survey.compare_groups(con, compare=pair, **common)
    min_cell = config_mod.load().survey.min_cell
    payload = {
        "survey_id": args.survey, "survey": s["title"], "question_no": args.question, "item_no": args.item,
        "question": q["text"], "group_question_no": args.group_question, "group_question": g["text"],
        "effective_options": list(effective), "groups": groups, "min_cell": min_cell, "ci": "wilson 95%",
        "shares": _records(shares), "hidden": shares.attrs["hidden"], "comparison": _comparison_json(cmp),
    }
    table = pd.DataFrame({
        "group": shares["group"], "n": [_n(v) for v in shares["n"]], "positive": [_n(v) for v in shares["effective"]],
        "%": [_pct(v) for v in shares["pct"]],
        "95% CI": [_ci(lo, hi) for lo, hi in zip(shares["ci_low"], shares["ci_high"])],
    })
    head = _heading(args, s, q) + (
        f"positive answers: {', '.join(effective)}; groups from question {args.group_question} ({g['text']}); "
        f"{_group_rule_note(min_cell)}\n\n{_grid(table)}\n\n")
    return payload, head + _comparison_text(cmp, min_cell)


def _pair(labels: list[str], requested: Sequence[str] | None) -> tuple[str, str]:
    """The two groups of --compare, checked; or the only two groups there are."""
    pair = tuple(requested) if requested else None
    if pair is None:
        if len(labels) != 2:
            raise RequestError(f"the grouping gives {len(labels)} groups ({', '.join(labels)}); choose two with "
                               "--compare A B, or merge options with --group NAME=OPTION,...")
        pair = (labels[0], labels[1])
    for label in pair:
        if label not in labels:
            raise RequestError(f"--compare: no group {label!r}; the groups are {', '.join(labels)}")
    if pair[0] == pair[1]:
        raise RequestError("--compare needs two different groups")
    return pair


def _comparison_json(cmp: survey.GroupComparison) -> dict:
    return {
        "group1": cmp.group1, "group2": cmp.group2, "n1": cmp.n1, "n2": cmp.n2, "effective1": cmp.effective1,
        "effective2": cmp.effective2, "pct1": cmp.pct1, "pct2": cmp.pct2, "diff": cmp.diff, "ci_low": cmp.ci_low,
        "ci_high": cmp.ci_high, "ci": "newcombe hybrid score 95%", "test": cmp.test or None,
        "statistic": cmp.chi2, "chi2": cmp.chi2, "df": cmp.dof, "p": cmp.p_val, "p_chi2": cmp.p_chi2,
        "p_fisher": cmp.p_fisher, "odds_ratio": cmp.odds_ratio, "cramer_v": cmp.cramer_v,
        "effect_size": survey.effect_size_label(cmp.cramer_v), "min_expected": cmp.min_expected,
        "suppressed": cmp.suppressed, "note": cmp.note or None,
    }


def _comparison_text(cmp: survey.GroupComparison, min_cell: int) -> str:
    if cmp.suppressed:
        return (f"{cmp.group1} vs {cmp.group2}: not reported, a group is hidden (fewer than {min_cell} respondents, "
                "or it would give such a group back by subtraction)")
    test = ("Fisher's exact test (an expected count is below 5)" if cmp.test == "fisher"
            else f"chi-square test (no continuity correction): chi2({cmp.dof}) = {fixed(cmp.chi2, 3)}")
    return (f"{cmp.group1} vs {cmp.group2}: difference {fixed(cmp.diff, 1, sign=True)} percentage points "
            f"(95% CI {fixed(cmp.ci_low, 1, sign=True)} to {fixed(cmp.ci_high, 1, sign=True)}, Newcombe)\n"
            f"{test}, p {p_value(cmp.p_val, prefix=False)}; Cramer's V = {fixed(cmp.cramer_v, 3)}; odds ratio {fixed(cmp.odds_ratio, 2)}; "
            f"smallest expected count {fixed(cmp.min_expected, 1)}")


def _crosstab(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    s = _survey(con, args.survey)
    rq = _question(con, args.survey, args.rows, ("single", "matrix"), "a cross table")
    cq = _question(con, args.survey, args.cols, ("single", "matrix"), "a cross table")
    _item(con, args.survey, args.rows, rq["qtype"], args.row_item, "--row-item")
    _item(con, args.survey, args.cols, cq["qtype"], args.col_item, "--col-item")
    if (args.rows, args.row_item) == (args.cols, args.col_item):
        raise RequestError("rows and columns must be different questions")
    ct = survey.crosstab(con, survey_id=args.survey, row_question_no=args.rows, col_question_no=args.cols,
                         row_item_no=args.row_item, col_item_no=args.col_item, scope=SCOPE)
    min_cell = config_mod.load().survey.min_cell
    payload = {
        "survey_id": args.survey, "survey": s["title"],
        "rows": {"question_no": args.rows, "item_no": args.row_item, "question": rq["text"],
                 "labels": [str(x) for x in ct.expected.index]},
        "cols": {"question_no": args.cols, "item_no": args.col_item, "question": cq["text"],
                 "labels": [str(x) for x in ct.expected.columns]},
        "total_label": survey.TOTAL_LABEL, "min_cell": min_cell,
        "counts": _nested(ct.counts), "row_pct": _nested(ct.row_pct), "col_pct": _nested(ct.col_pct),
        "expected": _nested(ct.expected), "residuals": _nested(ct.residuals),
        "n": ct.n, "statistic": ct.chi2, "chi2": ct.chi2, "df": ct.dof, "p": ct.p_val, "cramer_v": ct.cramer_v,
        "effect_size": reading.crosstab_effect_size(ct),
        "min_expected": ct.min_expected, "expected_below_5_pct": ct.expected_below_5_pct, "p_fisher": ct.p_fisher,
        "hidden_rows": ct.hidden_rows,
    }
    counts = ct.counts.map(_n).rename_axis(None).reset_index(names=f"Q{args.rows} \\ Q{args.cols}")
    residuals = ct.residuals.map(lambda v: "-" if pd.isna(v) else fixed(v, 2, sign=True)).rename_axis(None)
    residuals = residuals.reset_index(names="adjusted residual")
    lines = [f"survey {args.survey} {s['title']}", f"rows: Q{args.rows} {rq['text']}", f"cols: Q{args.cols} {cq['text']}",
             _group_rule_note(min_cell), "", _grid(counts), "", _grid(residuals), "", *_independence_lines(ct)]
    return payload, "\n".join(lines)


def _independence_lines(ct: survey.Crosstab) -> list[str]:
    if pd.isna(ct.chi2):
        return ["chi-square test not possible: fewer than two non-empty rows or columns"]
    lines = [
        f"chi-square test of independence: chi2({ct.dof}) = {fixed(ct.chi2, 3)}, p {p_value(ct.p_val, prefix=False)}, "
        f"n = {ct.n:,}; Cramer's V = {fixed(ct.cramer_v, 3)}",
        f"expected counts below 5: {fixed(ct.expected_below_5_pct, 0)}% of cells (smallest {fixed(ct.min_expected, 1)})"
        + ("; the chi-square approximation is unreliable" if ct.expected_below_5_pct > 20 else ""),
    ]
    if not pd.isna(ct.p_fisher):
        lines.append(f"Fisher's exact test (2x2): p {p_value(ct.p_fisher, prefix=False)}")
    return lines


def _alpha(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    s = _survey(con, args.survey)
    q = _question(con, args.survey, args.question, ("matrix",), "Cronbach's alpha")
    rel = survey.cronbach_alpha(con, survey_id=args.survey, question_no=args.question, scope=SCOPE)
    payload = {
        **_about(args, s, q),
        "alpha": rel.alpha, "ci_low": rel.ci_low, "ci_high": rel.ci_high, "ci": "feldt 95%", "n": rel.n, "k": rel.k,
        "n_incomplete": rel.n_incomplete, "label": survey.alpha_label(rel.alpha), "items": _records(rel.items),
    }
    items = pd.DataFrame({
        "item": rel.items["item"], "mean": rel.items["mean"].map(_num), "sd": rel.items["sd"].map(_num),
        "item-total r": rel.items["item_total_r"].map(lambda v: _num(v, 3)),
        "alpha if deleted": rel.items["alpha_if_deleted"].map(lambda v: _num(v, 3)),
    })
    text = _heading(args, s, q) + (
        f"Cronbach's alpha = {fixed(rel.alpha, 3)} (95% CI {fixed(rel.ci_low, 3)}-{fixed(rel.ci_high, 3)}, Feldt); "
        f"k = {rel.k} items, n = {rel.n:,} complete responses, {rel.n_incomplete:,} incomplete left out\n\n"
        f"{_grid(items)}")
    return payload, text


def _likert(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    s = _survey(con, args.survey)
    q = _question(con, args.survey, args.question, ("matrix",), "a scale summary")
    groups = None
    if args.group_question is not None:
        _question(con, args.survey, args.group_question, ("single",), "grouping")
        groups = _groups(con, args.survey, args.group_question, args.group)
    elif args.group:
        raise RequestError("--group needs --group-question")
    items = survey.likert_items(con, survey_id=args.survey, question_no=args.question, scope=SCOPE,
                                group_question_no=args.group_question, groups=groups)
    min_cell = config_mod.load().survey.min_cell
    payload = {
        **_about(args, s, q),
        "scale": items.attrs["scale"], "group_question_no": args.group_question, "groups": groups,
        "min_cell": min_cell, "items": _records(items),
        "hidden": [[item_no, group, reason] for (item_no, group), reason in items.attrs["hidden"].items()],
    }
    table = items.copy()
    for col in table.columns:
        if col == "n":
            table[col] = table[col].map(_n)
        elif col in ("mean", "sd"):
            table[col] = table[col].map(_num)
        elif col.endswith("pct") or col.startswith("pct_"):
            table[col] = table[col].map(_pct)
    text = _heading(args, s, q) + (
        f"rank 1 = lowest mean (weakest); top2_pct = share choosing one of the two highest values; "
        f"'-' = a hidden group: {_group_rule_note(min_cell)}\n\n"
        f"{_grid(table.drop(columns='item_no'))}")
    return payload, text


def _ranking(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    s = _survey(con, args.survey)
    q = _question(con, args.survey, args.question, ("ranking",), "ranking scores")
    scores = survey.ranking_scores(con, survey_id=args.survey, question_no=args.question, scope=SCOPE)
    payload = {**_about(args, s, q), "answered": scores.attrs["answered"], "options": _records(scores)}
    table = pd.DataFrame({
        "order": scores["order"], "option": scores["option"], "n": scores["n"].map(_n),
        "mean rank": scores["mean_rank"].map(_num), "score": scores["score"].map(_num),
    })
    text = _heading(args, s, q) + (
        f"answered {scores.attrs['answered']:,}; score = sum over positions of count x (k - position + 1) / answered "
        f"(问卷星 综合得分)\n\n{_grid(table)}")
    return payload, text



def _compare_scores(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    s = _survey(con, args.survey)
    q = _question(con, args.survey, args.question, ("single", "matrix"), "a score comparison")
    if args.scale:
        if q["qtype"] != "matrix":
            raise RequestError(f"--scale needs a matrix question; question {args.question} is {QTYPES_EN[q['qtype']]}")
        item_no = None
    else:
        _item(con, args.survey, args.question, q["qtype"], args.item)
        item_no = args.item
    _question(con, args.survey, args.group_question, ("single",), "grouping")
    groups = _groups(con, args.survey, args.group_question, args.group)
    result = survey.compare_scores(con, survey_id=args.survey, question_no=args.question, item_no=item_no,
                                   group_question_no=args.group_question, groups=groups, method=args.method,
                                   scope=SCOPE)
    min_cell = config_mod.load().survey.min_cell
    payload = {**_about(args, s, q), "item_no": item_no, "group_question_no": args.group_question, "groups": groups,
               "method": args.method, "min_cell": min_cell, "groups_table": _records(result.groups),
               "test": _records(result.test), "posthoc": _records(result.posthoc), "hidden": result.hidden}
    table = result.groups.assign(n=result.groups["n"].map(_n), mean=result.groups["mean"].map(_num),
                                 sd=result.groups["sd"].map(_num), median=result.groups["median"].map(_num))
    lines = [_heading(args, s, q), _grid(table), ""]
    if result.test.empty:
        lines.append("fewer than two groups can be shown: no test")
    else:
        t = result.test.iloc[0]
        lines.append(f"{t['method']}: statistic = {fixed(t['statistic'], 3)}, {p_value(t['p_val'])}, "
                     f"{t['effect_name']} = {fixed(t['effect_size'], 3)}, {int(t['groups'])} groups, n = {int(t['n']):,}")
    if not result.posthoc.empty:
        pairs = result.posthoc.assign(diff=result.posthoc["diff"].map(_num),
                                      p_adj=result.posthoc["p_adj"].map(lambda p: p_value(p, prefix=False)))
        lines += ["", _grid(pairs)]
    if result.hidden:
        lines += ["", f"hidden groups are neither shown nor tested; {_group_rule_note(min_cell)}"]
    return payload, "\n".join(lines)


def _efa(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    s = _survey(con, args.survey)
    for question_no in args.questions:
        _question(con, args.survey, question_no, ("matrix",), "factor analysis")
    fa = survey.factor_analysis(con, survey_id=args.survey, question_nos=args.questions, n_factors=args.factors,
                                rotation=args.rotation, scope=SCOPE)
    payload = {"survey_id": args.survey, "survey": s["title"], "questions": args.questions, "n": fa.n, "kmo": fa.kmo,
               "bartlett_chi2": fa.bartlett_chi2, "bartlett_dof": fa.bartlett_dof, "bartlett_p": fa.bartlett_p,
               "n_factors": fa.n_factors, "rotation": fa.rotation, "eigen": _records(fa.eigen),
               "loadings": _records(fa.loadings), "reading": validity.factor_reading(fa)}
    loadings = fa.loadings.drop(columns=["question_no", "item_no"]).round(3)
    text = (f"survey {args.survey} {s['title']}, questions {', '.join(map(str, args.questions))}\n"
            f"n = {fa.n:,} complete responses; KMO = {fixed(fa.kmo, 3)}; Bartlett chi2({fa.bartlett_dof}) = "
            f"{fixed(fa.bartlett_chi2, 1)}, {p_value(fa.bartlett_p)}; {fa.n_factors} factors, {fa.rotation}\n\n"
            f"{_grid(fa.eigen.round(3))}\n\n{_grid(loadings)}\n\n{validity.factor_reading(fa)}")
    return payload, text


def _report(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    s = _survey(con, args.survey)
    if args.output is not None and args.output.suffix.lower() not in (".docx", ".html"):
        raise RequestError(f"--output {args.output}: the file name must end in .docx or .html")
    built = survey_report.survey_report(con, survey_id=args.survey, scope=SCOPE)
    if args.output is not None:
        if args.output.suffix.lower() == ".docx":
            args.output.write_bytes(survey_report.survey_report_docx(built))
        else:
            args.output.write_text(survey_report.survey_report_html(built), encoding="utf-8")
    payload = {"survey_id": args.survey, "survey": s["title"], "caption": built.caption,
               "output": None if args.output is None else str(args.output),
               "questions": [{"question_no": p.question_no, "heading": p.heading, "sentence": p.sentence,
                              "table": _records(p.table.frame)} for p in built.parts]}
    text = "\n\n".join([f"{s['title']}: {built.caption}", *(f"{p.heading}\n{p.sentence}\n{_grid(p.table.frame)}"
                                                           for p in built.parts)])
    return payload, text + (f"\n\nwritten to {args.output}" if args.output else "")


def _waves(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> tuple[dict, str]:
    linked = survey.waves(con, scope=SCOPE)
    if args.instrument is None:
        return {"waves": _records(linked)}, (_grid(linked) if len(linked) else "no linked waves")
    if args.question is None:
        raise RequestError("--instrument needs --question (the question number in the first wave)")
    change = survey.wave_change(con, instrument=args.instrument, key_no=args.question, item_no=args.item,
                                effective_options=args.effective, group_key_no=args.group_question, scope=SCOPE)
    outcome = "、".join(args.effective or config_mod.load().survey.effective_options)
    payload = {"instrument": args.instrument, "question_no": args.question, "effective": outcome,
               "min_cell": config_mod.load().survey.min_cell, "waves": _records(change)}
    table = change.drop(columns=["survey_id"]).assign(
        n=change["n"].map(_n), effective=change["effective"].map(_n), pct=change["pct"].map(_pct),
        ci=[_ci(lo, hi) for lo, hi in zip(change["ci_low"], change["ci_high"])],
        diff=change["diff"].map(lambda v: "-" if pd.isna(v) else f"{fixed(v, 1, sign=True)} pp"),
        p_val=change["p_val"].map(lambda p: p_value(p, prefix=False)),
    ).drop(columns=["ci_low", "ci_high", "diff_ci_low", "diff_ci_high"])
    return payload, f"{args.instrument}, question {args.question}: share choosing {outcome}\n\n{_grid(table)}"


if __name__ == "__main__":
    sys.exit(main())
