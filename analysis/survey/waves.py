"""Waves: the same questionnaire fielded at different times (each year's 党建引领作用 survey),
linked by the researcher (:func:`analysis.survey.edits.link_waves`) and compared.

Questions are matched to the first wave's question numbers (the *key*) by text
(:func:`propose_matches`), reviewed and stored; :func:`wave_change` then shows the effective
share of a key question in every wave and its change from the previous wave, with the Newcombe
interval and a test, for the whole sample or per group. The minimum reporting group applies in
every wave as in :func:`analysis.survey.effective_share`.

Imports the package's private helpers and :mod:`analysis.survey.shares`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from analysis.db import fetch_frame
from analysis.scope import Scope
from analysis.survey._common import ALL_LABEL, TOTAL_LABEL, check_scope
from analysis.survey._question import require_survey
from analysis.survey.filters import RespondentFilter
from analysis.survey.shares import effective_share, two_proportions

__all__ = ["propose_matches", "wave_change", "waves"]


def waves(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> pd.DataFrame:
    """Every linked wave, by questionnaire and time order.

    Parameters
    ----------
    scope : any role (waves carry no respondent data).

    Returns
    -------
    DataFrame
        * ``instrument``: the questionnaire's name
        * ``wave_order`` (1 = first), ``wave_label`` (e.g. "2024年")
        * ``survey_id``, ``title``
        * ``respondents``: responses of the survey
        * ``matched``: questions matched to the first wave's
    """
    check_scope(scope)
    return fetch_frame(
        con,
        """
        SELECT w.instrument, w.wave_order, w.wave_label, w.survey_id, s.title,
               (SELECT count(*) FROM survey_response r WHERE r.survey_id = w.survey_id) AS respondents,
               (SELECT count(*) FROM survey_wave_question m WHERE m.survey_id = w.survey_id) AS matched
        FROM survey_wave w JOIN survey s USING (survey_id)
        ORDER BY w.instrument, w.wave_order
        """
    ).astype({"wave_order": "int64", "survey_id": "int64", "respondents": "int64", "matched": "int64"})


def _plain(text: str) -> str:
    """Question text without spaces, punctuation and a leading number, for matching."""
    return re.sub(r"[\s\W_]+", "", re.sub(r"^\s*\d+[.、．]", "", str(text)))


def propose_matches(
    con: duckdb.DuckDBPyConnection,
    *,
    base_survey_id: int,
    survey_id: int,
    scope: Scope,
    min_similarity: float = 0.8,
) -> pd.DataFrame:
    """Which question of ``survey_id`` is which question of ``base_survey_id``, by text, for review.

    Parameters
    ----------
    scope : any role.
    base_survey_id : the first wave (its question numbers are the keys).
    survey_id : a later wave.
    min_similarity : float
        Least similarity (0-1, :class:`difflib.SequenceMatcher` ratio of the texts without spaces
        and punctuation) for a proposal; pairs of different question types are never proposed.

    Returns
    -------
    DataFrame
        One row per question of ``survey_id``, in question order:

        * ``question_no``, ``text``, ``qtype``
        * ``key_no``, ``key_text``: the proposed question of the first wave (NA: none)
        * ``similarity``: 1.0 for the same text; NaN without a proposal

    Notes
    -----
    Pairs are taken best first, each question of either wave at most once, so a reworded
    question does not steal the match of one whose text is unchanged.
    """
    check_scope(scope)
    for sid in (base_survey_id, survey_id):
        require_survey(con, sid)
    sql = "SELECT question_no, text, qtype FROM survey_question WHERE survey_id = ? ORDER BY question_no"
    base = con.execute(sql, [base_survey_id]).fetchall()
    later = con.execute(sql, [survey_id]).fetchall()
    pairs = sorted(
        ((difflib.SequenceMatcher(None, _plain(text), _plain(key_text)).ratio(), no, key_no)
         for no, text, qtype in later for key_no, key_text, key_qtype in base if qtype == key_qtype),
        key=lambda pair: (-pair[0], pair[1], pair[2]),
    )
    chosen: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()
    for similarity, no, key_no in pairs:
        if similarity >= min_similarity and no not in chosen and key_no not in taken:
            chosen[no] = (key_no, similarity)
            taken.add(key_no)
    key_texts = {no: text for no, text, _ in base}
    out = pd.DataFrame({
        "question_no": [no for no, _, _ in later],
        "text": [text for _, text, _ in later],
        "qtype": [qtype for _, _, qtype in later],
        "key_no": pd.array([chosen[no][0] if no in chosen else None for no, _, _ in later], dtype="Int64"),
        "key_text": [key_texts[chosen[no][0]] if no in chosen else None for no, _, _ in later],
        "similarity": [chosen[no][1] if no in chosen else math.nan for no, _, _ in later],
    })
    return out.astype({"question_no": "int64"})


def _wave_questions(con: duckdb.DuckDBPyConnection, instrument: str, key_no: int) -> list[tuple[int, str, int | None]]:
    """(survey_id, wave label, question_no of key ``key_no`` or None) of every wave, in order."""
    rows = con.execute(
        """
        SELECT w.survey_id, w.wave_label, m.question_no
        FROM survey_wave w
        LEFT JOIN survey_wave_question m ON m.survey_id = w.survey_id AND m.key_no = $k
        WHERE w.instrument = $i
        ORDER BY w.wave_order
        """,
        {"i": instrument, "k": key_no},
    ).fetchall()
    if not rows:
        raise ValueError(f"没有名为“{instrument}”的多期问卷")
    return rows


def wave_change(
    con: duckdb.DuckDBPyConnection,
    *,
    instrument: str,
    key_no: int,
    item_no: int = 0,
    effective_options: Sequence[str] | None = None,
    group_key_no: int | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    scope: Scope,
    respondents: RespondentFilter | None = None,
    respondents_survey_id: int | None = None,
    min_cell: int | None = None,
) -> pd.DataFrame:
    """The effective share of one question in every wave, and its change from the wave before.

    Parameters
    ----------
    instrument : the questionnaire, as linked by :func:`analysis.survey.edits.link_waves`.
    key_no : the question, by its number in the first wave; waves without a match are skipped.
    item_no : matrix row; 0 otherwise.
    effective_options : option texts counted as effective (as in :func:`effective_share`);
        they must exist in every wave compared.
    group_key_no : a single-choice question (by its first-wave number) forming groups, e.g.
        政治面貌; ``None``: the whole sample.
    groups : group label -> option texts of the grouping question; ``None``: one group per option.
    respondents : RespondentFilter, optional
        Only the respondents meeting it, in every wave: its conditions name questions of the wave
        ``respondents_survey_id`` and apply to the matching question of each wave (a condition
        on a question some wave lacks, or on submission dates, which differ by wave, is refused).
        Each wave's filter follows the rules of :mod:`analysis.survey.filters`.
    respondents_survey_id : the wave whose question numbers ``respondents`` uses.
    min_cell : the minimum reporting group (``None`` = configuration, ``0`` = off).

    Returns
    -------
    DataFrame
        One row per group (全部 when ungrouped; no 合计 row) and wave, by group then wave order:

        * ``group``, ``wave_label``, ``survey_id``
        * ``n``, ``effective``: respondents who answered, and chose an effective option ("<5" or
          "*" where the group may not be shown in that wave)
        * ``pct``, ``ci_low``, ``ci_high``: the effective share and its Wilson 95 % interval
        * ``diff``, ``diff_ci_low``, ``diff_ci_high``: change from the previous wave shown for
          the group, in percentage points, with the Newcombe 95 % interval (NaN on its first wave)
        * ``p_val``: χ² test of the 2×2 table (Fisher's exact test when an expected count is
          below 5); ``test``: which one

    Notes
    -----
    The waves are treated as independent samples: respondents of different years are not
    linked (问卷星 exports carry no person identifier), so a respondent answering twice makes
    the test conservative rather than anticonservative only if answers correlate positively.
    Each wave's groups follow the minimum reporting group of that wave.
    """
    check_scope(scope)
    rows = [r for r in _wave_questions(con, instrument, key_no) if r[2] is not None]
    if len(rows) < 2:
        raise ValueError(f"第 {key_no} 题在“{instrument}”中少于两期有对应的题目，无法比较")
    group_nos = ({sid: no for sid, _, no in _wave_questions(con, instrument, group_key_no)}
                 if group_key_no is not None else {})
    filters = _wave_filters(con, instrument, respondents, respondents_survey_id)
    frames = []
    for survey_id, label, question_no in rows:
        group_no = group_nos.get(survey_id) if group_key_no is not None else None
        if group_key_no is not None and group_no is None:
            continue
        try:
            share = effective_share(con, survey_id=survey_id, question_no=question_no, item_no=item_no,
                                    group_question_no=group_no, groups=groups, effective_options=effective_options,
                                    scope=scope, respondents=filters.get(survey_id), min_cell=min_cell)
        except ValueError as exc:
            raise ValueError(f"{label}：{exc}") if filters else exc from None
        share = share[share["group"] != TOTAL_LABEL]
        frames.append(share.assign(wave_label=label, survey_id=survey_id)[
            ["group", "wave_label", "survey_id", "n", "effective", "pct", "ci_low", "ci_high"]])
    out = pd.concat(frames, ignore_index=True)
    order = list(dict.fromkeys(out["group"]))
    out["group"] = pd.Categorical(out["group"], categories=order or [ALL_LABEL])
    out = out.sort_values("group", kind="stable").reset_index(drop=True)
    out["group"] = out["group"].astype(str)
    changes = {name: [] for name in ("diff", "diff_ci_low", "diff_ci_high", "p_val", "test")}
    previous: dict[str, tuple[int, int]] = {}
    for row in out.itertuples(index=False):
        shown = not isinstance(row.n, str)
        before = previous.get(row.group)
        if shown and before is not None:
            test = two_proportions(int(row.effective), int(row.n), *before)
            values = (test["diff"], test["ci_low"], test["ci_high"], test["p_val"], test["test"])
        else:
            values = (math.nan, math.nan, math.nan, math.nan, None)
        for name, value in zip(changes, values):
            changes[name].append(value)
        if shown:
            previous[row.group] = (int(row.effective), int(row.n))
    return out.assign(**changes)


def _wave_filters(con: duckdb.DuckDBPyConnection, instrument: str, respondents: RespondentFilter | None,
                  survey_id: int | None) -> dict[int, RespondentFilter]:
    """``respondents`` (in the questions of wave ``survey_id``) restated for every wave."""
    if respondents is None or respondents.empty:
        return {}
    if respondents.submitted_from or respondents.submitted_to:
        raise ValueError("多期对比不能按提交日期筛选（各期的提交日期不同），请只用题目条件")
    key_of = dict(con.execute("SELECT question_no, key_no FROM survey_wave_question WHERE survey_id = $s",
                              {"s": survey_id}).fetchall())
    per_wave: dict[int, dict[str, list]] = {}
    for kind in ("options", "ranges"):
        for condition in getattr(respondents, kind):
            key_no = key_of.get(condition.question_no)
            if key_no is None:
                raise ValueError(f"筛选条件的第 {condition.question_no} 题没有与“{instrument}”的其他各期对应")
            for wave_id, label, question_no in _wave_questions(con, instrument, key_no):
                if question_no is None:
                    raise ValueError(f"筛选条件的第 {condition.question_no} 题在“{label}”中没有对应的题目")
                conditions = per_wave.setdefault(wave_id, {"options": [], "ranges": []})
                conditions[kind].append(dataclasses.replace(condition, question_no=question_no))
    return {wave_id: RespondentFilter(options=tuple(c["options"]), ranges=tuple(c["ranges"]))
            for wave_id, c in per_wave.items()}
