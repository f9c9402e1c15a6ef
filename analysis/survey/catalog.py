"""What the database holds: the surveys, their questions and options, and the defaults the
survey page and the CLI start from (the outcome question, the 党员/非党员 split, the options
counted as a positive answer, the questions that can group respondents).

Imports the package's private helpers only.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from analysis import config as config_mod
from analysis.db import fetch_frame
from analysis.scope import Scope
from analysis.survey._common import ORDER_RULE_LABELS, QTYPE_LABELS, check_scope
from analysis.survey._question import load_question, require_survey

__all__ = [
    "attribute_question",
    "default_crosstab",
    "default_effective",
    "default_outcome",
    "grouping_questions",
    "member_groups",
    "question_options",
    "questions",
    "surveys",
]

#: Question types whose answers are options (an outcome or a grouping can be read from them).
CHOICE_TYPES = ("single", "matrix", "multiple")


def surveys(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> pd.DataFrame:
    """Every survey in the database, newest first.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope

    Returns
    -------
    DataFrame
        One row per survey, sorted by ``fielded_to`` descending (undated last), then id
        descending:

        * ``survey_id``, ``title``, ``source`` (wjx, tencent, template, demo)
        * ``fielded_from``, ``fielded_to``: fieldwork dates (days; may be NaT)
        * ``respondents``: number of responses
        * ``questions``: number of questions
    """
    check_scope(scope)
    out = fetch_frame(
        con,
        """
        SELECT s.survey_id, s.title, s.source, s.fielded_from, s.fielded_to,
               (SELECT count(*) FROM survey_response r WHERE r.survey_id = s.survey_id) AS respondents,
               (SELECT count(*) FROM survey_question q WHERE q.survey_id = s.survey_id) AS questions
        FROM survey s
        ORDER BY s.fielded_to DESC NULLS LAST, s.survey_id DESC
        """
    )
    return out.astype({"survey_id": "int64", "respondents": "int64", "questions": "int64"})


def questions(con: duckdb.DuckDBPyConnection, *, scope: Scope, survey_id: int) -> pd.DataFrame:
    """The questions of a survey with what each analysis needs to know about them.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope
    survey_id : int

    Returns
    -------
    DataFrame
        One row per question in question order:

        * ``question_no``, ``text``
        * ``qtype``: single, multiple, matrix, ranking or text; ``qtype_label``: 单选题 ...
        * ``attribute``: respondent attribute the question records (政治面貌, 科室类别 ...) or
          NA for opinion questions
        * ``options``: number of options; ``items``: number of matrix rows (0 otherwise)
        * ``scored``: True for a matrix question whose options carry numeric values (a scale;
          options such as 不了解 may lack one)
        * ``answered``: respondents with at least one answer to the question
        * ``text_answers``: answers carrying free text (填空题, or "其他〖…〗" fill-ins)
        * ``ordinal``: True when the options are ordered levels (1部 < 2部, 一般 < 满意): trend
          tests apply
        * ``order_rule``: how the option order was found (codes, numeric, scale, questionnaire,
          appearance, researcher, import; NA for free text); ``order_label`` the same in Chinese
        * ``label``: ``"Q4 您认为…（单选题）"`` for pickers

    Raises ``ValueError`` (Chinese message) when the survey does not exist.
    """
    check_scope(scope)
    require_survey(con, survey_id)
    out = fetch_frame(
        con,
        """
        SELECT q.question_no, q.text, q.qtype, q.attribute, coalesce(q.ordinal, FALSE) AS ordinal, q.order_rule,
               (SELECT count(*) FROM survey_option o
                WHERE o.survey_id = q.survey_id AND o.question_no = q.question_no) AS options,
               (SELECT count(*) FROM survey_item i
                WHERE i.survey_id = q.survey_id AND i.question_no = q.question_no AND i.item_no > 0) AS items,
               coalesce((SELECT bool_or(o.value IS NOT NULL) FROM survey_option o
                         WHERE o.survey_id = q.survey_id AND o.question_no = q.question_no), FALSE) AS scored,
               (SELECT count(DISTINCT a.response_id) FROM survey_answer a
                WHERE a.survey_id = q.survey_id AND a.question_no = q.question_no) AS answered,
               (SELECT count(*) FROM survey_answer a
                WHERE a.survey_id = q.survey_id AND a.question_no = q.question_no
                  AND a.text IS NOT NULL AND trim(a.text) <> '') AS text_answers
        FROM survey_question q
        WHERE q.survey_id = $s
        ORDER BY q.question_no
        """,
        {"s": survey_id},
    )
    out = out.astype({c: "int64" for c in ("question_no", "options", "items", "answered", "text_answers")})
    out["scored"] = out["scored"].astype(bool) & (out["qtype"] == "matrix")
    out["qtype_label"] = out["qtype"].map(QTYPE_LABELS)
    out["ordinal"] = out["ordinal"].astype(bool)
    out["order_label"] = out["order_rule"].map(ORDER_RULE_LABELS)
    out["label"] = [
        f"Q{no} {text}（{kind}）" for no, text, kind in zip(out["question_no"], out["text"], out["qtype_label"])
    ]
    columns = ["question_no", "text", "qtype", "qtype_label", "attribute", "options", "items", "scored", "answered",
               "text_answers", "ordinal", "order_rule", "order_label", "label"]
    return out[columns]


def question_options(
    con: duckdb.DuckDBPyConnection, *, scope: Scope, survey_id: int, question_no: int
) -> pd.DataFrame:
    """Options and matrix rows of one question.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope
    survey_id, question_no : int

    Returns
    -------
    DataFrame
        One row per option in option order: ``option_no``, ``option``, ``value`` (the scale value,
        NaN for nominal options). ``attrs``: ``question`` (text), ``qtype``, ``items`` (list of
        ``(item_no, item)`` for matrix rows, empty otherwise).

    Raises ``ValueError`` (Chinese message) for an unknown survey or question.
    """
    check_scope(scope)
    q = load_question(con, survey_id, question_no, allowed=tuple(QTYPE_LABELS), purpose="查看选项")
    out = q.options.copy()
    out["option_no"] = out["option_no"].astype("int64")
    out["value"] = out["value"].astype(float)
    items = q.items[q.items["item_no"] > 0]
    out.attrs = {
        "question": q.text,
        "qtype": q.qtype,
        "items": [(int(i), str(t)) for i, t in zip(items["item_no"], items["item"])],
    }
    return out


def member_groups(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    survey_id: int,
    question_no: int,
    cfg: config_mod.Config | None = None,
) -> dict[str, tuple[str, ...]] | None:
    """The default two-group split of a 政治面貌 question: 党员 vs 非党员.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope
    survey_id, question_no : int
        A single-choice question.
    cfg : Config, optional
        Configuration (``survey.member_options``); ``None`` loads it.

    Returns
    -------
    dict or None
        ``{"党员": options in survey.member_options, "非党员": every other option}`` (option
        texts in option order) when the question is marked with the attribute 政治面貌 and
        both groups get at least one option; otherwise ``None``. The same split as the
        overview's headline (:func:`analysis.metrics.overview.survey_headline`).
    """
    check_scope(scope)
    cfg = cfg or config_mod.load()
    row = con.execute(
        "SELECT attribute, qtype FROM survey_question WHERE survey_id = $s AND question_no = $q",
        {"s": survey_id, "q": question_no},
    ).fetchone()
    if row is None or row[0] != "政治面貌" or row[1] != "single":
        return None
    options = [r[0] for r in con.execute(
        "SELECT text FROM survey_option WHERE survey_id = $s AND question_no = $q ORDER BY position, option_no",
        {"s": survey_id, "q": question_no},
    ).fetchall()]
    members = tuple(o for o in options if o in cfg.survey.member_options)
    others = tuple(o for o in options if o not in cfg.survey.member_options)
    if not members or not others:
        return None
    return {"党员": members, "非党员": others}


def default_effective(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    survey_id: int,
    question_no: int,
    cfg: config_mod.Config | None = None,
) -> tuple[str, ...]:
    """The options counted as a "positive" answer when the user has not chosen any.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope
    survey_id, question_no : int
        A single-choice or matrix question.
    cfg : Config, optional
        Configuration (``survey.effective_options``); ``None`` loads it.

    Returns
    -------
    tuple of str
        The question's options that are configured effective options (e.g. 作用明显); else, for
        a scored matrix question, the options with the two highest values (top-2 box, as
        ``top2_pct`` of :func:`likert_items`); else the first option. Option order kept.
    """
    check_scope(scope)
    cfg = cfg or config_mod.load()
    q = load_question(con, survey_id, question_no, allowed=("single", "matrix"), purpose="有效比例分析")
    texts = list(q.options["option"])
    configured = tuple(t for t in texts if t in cfg.survey.effective_options)
    if configured:
        return configured
    scored = q.options.dropna(subset=["value"])
    if q.qtype == "matrix" and len(scored):
        top = scored.nlargest(2, "value")["option_no"]
        return tuple(q.options.loc[q.options["option_no"].isin(top), "option"])
    return tuple(texts[:1])


def default_outcome(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    survey_id: int,
    effective_options: Sequence[str] | None = None,
) -> int:
    """The question the survey page opens on, as the overview's headline chooses it.

    Parameters
    ----------
    con : DuckDB connection
    scope : Scope
    survey_id : int
    effective_options : list of str, optional
        Option texts counted as effective; ``None`` takes ``survey.effective_options`` from the
        configuration.

    Returns
    -------
    int
        The first single-choice opinion question (no respondent attribute) offering one of
        ``effective_options``; else the first choice question without an attribute; else the
        first choice question. Raises ``ValueError`` when the survey has no choice question.
    """
    check_scope(scope)
    if effective_options is None:
        effective_options = config_mod.load().survey.effective_options
    qs = questions(con, scope=scope, survey_id=survey_id)
    opinions = qs[qs["qtype"].isin(CHOICE_TYPES)]
    if opinions.empty:
        raise ValueError(f"问卷 {survey_id} 没有选择题")
    for no in opinions.loc[(opinions["qtype"] == "single") & opinions["attribute"].isna(), "question_no"]:
        offered = question_options(con, scope=scope, survey_id=survey_id, question_no=int(no))["option"]
        if set(offered) & set(effective_options):
            return int(no)
    plain = opinions[opinions["attribute"].isna()]
    return int((plain if len(plain) else opinions)["question_no"].iloc[0])


def grouping_questions(qs: pd.DataFrame) -> list[int]:
    """The single-choice questions that can split respondents into groups.

    Parameters
    ----------
    qs : DataFrame
        :func:`questions` of one survey.

    Returns
    -------
    list of int
        Question numbers: questions recording a respondent attribute (政治面貌, 科室类别, 职称 ...)
        first, as they are the usual groupings; then the other single-choice questions.
    """
    singles = qs[qs["qtype"] == "single"]
    ordered = pd.concat([singles[singles["attribute"].notna()], singles[singles["attribute"].isna()]])
    return [int(n) for n in ordered["question_no"]]


def attribute_question(qs: pd.DataFrame, attribute: str) -> int | None:
    """The single-choice question recording a respondent attribute, e.g. 政治面貌.

    Parameters
    ----------
    qs : DataFrame
        :func:`questions` of one survey.
    attribute : str

    Returns
    -------
    int or None
        The first such question's number; ``None`` when the survey has none.
    """
    found = qs.loc[(qs["qtype"] == "single") & (qs["attribute"] == attribute), "question_no"]
    return int(found.iloc[0]) if len(found) else None


def default_crosstab(qs: pd.DataFrame, *, question_no: int) -> tuple[int, int]:
    """The rows and columns the cross table opens on.

    Parameters
    ----------
    qs : DataFrame
        :func:`questions` of one survey, with at least two single-choice questions.
    question_no : int
        The question being read (the page's outcome question).

    Returns
    -------
    (int, int)
        Rows: the 政治面貌 question, else the first of :func:`grouping_questions`. Columns:
        ``question_no`` when it can be crossed with the rows, else the next grouping question.
    """
    crossable = grouping_questions(qs)
    if len(crossable) < 2:
        raise ValueError("交叉分析需要至少两道单选题")
    political = attribute_question(qs, "政治面貌")
    rows = political if political is not None else crossable[0]
    cols = question_no if question_no in crossable and question_no != rows else next(n for n in crossable if n != rows)
    return rows, cols
