"""What a researcher changes about a survey: the order of a question's options (and whether it
is ordinal), and which surveys are waves of one questionnaire with which questions matched.

Each change is one transaction with its audit row and the data-version bump (cached results
keyed by the version are then recomputed). Only the committee and researchers may make them.
Imports :mod:`analysis.db`, :mod:`analysis.access.audit` and the package's private helpers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from analysis import db
from analysis.access import audit
from analysis.scope import Scope
from analysis.survey._common import check_scope
from analysis.survey._question import load_question, require_survey

__all__ = ["EDITORS", "link_waves", "set_option_order", "unlink_waves"]

#: Roles that may change option order and waves.
EDITORS = ("committee", "researcher")


def _require_editor(scope: Scope) -> None:
    check_scope(scope)
    if scope.role not in EDITORS:
        raise PermissionError("仅党委/党办和研究人员可以调整问卷的选项顺序或多期关联")


def set_option_order(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    options: Sequence[str],
    ordinal: bool,
    scope: Scope,
) -> dict:
    """Put a question's options in the researcher's order and mark it ordinal or not.

    Parameters
    ----------
    con : DuckDB connection (read-write)
    survey_id, question_no : int
        A single-choice, multiple-choice, matrix or ranking question.
    options : list of str
        Every option text of the question, each once, in the new order.
    ordinal : bool
        Whether the options are ordered levels (trend tests are then offered).
    scope : Scope
        The committee or a researcher (PermissionError otherwise); the audit row names them.

    Returns
    -------
    dict
        ``{"before": [...], "after": [...], "ordinal": bool}``, as written to the audit log
        (action ``survey_option_order``).

    Raises ``ValueError`` (Chinese) when ``options`` is not a reordering of the question's options.
    """
    _require_editor(scope)
    q = load_question(con, survey_id, question_no, allowed=("single", "multiple", "matrix", "ranking"),
                      purpose="调整选项顺序")
    before = [str(t) for t in q.options["option"]]
    after = [str(t) for t in options]
    if sorted(after) != sorted(before) or len(set(after)) != len(after):
        raise ValueError(f"{q.label}的新顺序必须恰好包含它的每个选项各一次：{'、'.join(before)}")
    number = dict(zip(before, (int(no) for no in q.options["option_no"])))
    detail = {"survey_id": survey_id, "question_no": question_no, "before": before, "after": after,
              "ordinal": bool(ordinal)}
    with db.transaction(con):
        con.execute(
            """
            UPDATE survey_option o SET position = n.position
            FROM (SELECT unnest($nos) AS option_no, unnest($positions) AS position) n
            WHERE o.survey_id = $s AND o.question_no = $q AND o.option_no = n.option_no
            """,
            {"s": survey_id, "q": question_no, "nos": [number[t] for t in after],
             "positions": list(range(1, len(after) + 1))},
        )
        con.execute("UPDATE survey_question SET ordinal = $ordinal, order_rule = 'researcher' "
                    "WHERE survey_id = $s AND question_no = $q",
                    {"ordinal": bool(ordinal), "s": survey_id, "q": question_no})
        audit.record(con, scope.username, "survey_option_order", detail)
        db.bump_data_version(con)
    return {"before": before, "after": after, "ordinal": bool(ordinal)}


def link_waves(
    con: duckdb.DuckDBPyConnection,
    *,
    instrument: str,
    waves: Sequence[tuple[int, str]],
    matches: Mapping[int, Mapping[int, int]],
    scope: Scope,
) -> None:
    """Record surveys as the waves of one questionnaire, with their questions matched.

    Parameters
    ----------
    con : DuckDB connection (read-write)
    instrument : str
        The questionnaire's name (e.g. "党建引领科室发展调查"); replaces whatever was linked under
        it before.
    waves : list of (survey_id, wave label)
        In time order, e.g. ``[(3, "2024年"), (7, "2025年")]``; at least two, each survey once.
    matches : {survey_id: {question_no: key_no}}
        For every wave after the first, which of its questions is which question of the first
        wave (``key_no``); the first wave's questions are their own keys. Questions left out are
        not compared. Usually :func:`analysis.survey.waves.propose_matches`, reviewed.
    scope : Scope
        The committee or a researcher; audited as ``survey_waves``.

    Returns
    -------
    None

    Raises ``ValueError`` (Chinese) for a survey or question that does not exist, a survey
    linked to another questionnaire, a question matched twice, or fewer than two waves.
    """
    _require_editor(scope)
    instrument = str(instrument).strip()
    labels = [str(label).strip() for _, label in waves]
    ids = [int(sid) for sid, _ in waves]
    if not instrument:
        raise ValueError("请填写问卷（量表）名称")
    if len(ids) < 2 or len(set(ids)) != len(ids):
        raise ValueError("多期对比需要至少两份不同的问卷")
    if "" in labels or len(set(labels)) != len(labels):
        raise ValueError("每一期需要各不相同的名称（如“2024年”）")
    rows = _wave_question_rows(con, ids, matches)
    taken = con.execute("SELECT survey_id, instrument FROM survey_wave WHERE list_contains($ids, survey_id) "
                        "AND instrument <> $i", {"ids": ids, "i": instrument}).fetchall()
    if taken:
        sid, other = taken[0]
        raise ValueError(f"问卷 {sid} 已是“{other}”的一期，请先解除那里的关联")
    with db.transaction(con):
        _delete_instrument(con, instrument)
        con.executemany("INSERT INTO survey_wave (survey_id, instrument, wave_label, wave_order) VALUES (?, ?, ?, ?)",
                        [[sid, instrument, label, order] for order, (sid, label) in enumerate(zip(ids, labels), start=1)])
        con.executemany("INSERT INTO survey_wave_question (survey_id, question_no, key_no) VALUES (?, ?, ?)", rows)
        audit.record(con, scope.username, "survey_waves", {
            "instrument": instrument, "waves": [{"survey_id": s, "label": label} for s, label in zip(ids, labels)],
            "matched": {str(s): sum(1 for r in rows if r[0] == s) for s in ids}})
        db.bump_data_version(con)


def _wave_question_rows(con: duckdb.DuckDBPyConnection, ids: list[int],
                        matches: Mapping[int, Mapping[int, int]]) -> list[list[int]]:
    """(survey_id, question_no, key_no) of every wave; refuses unknown surveys and questions."""
    known: dict[int, set[int]] = {}
    for sid in ids:
        require_survey(con, sid)
        known[sid] = {r[0] for r in con.execute(
            "SELECT question_no FROM survey_question WHERE survey_id = ?", [sid]).fetchall()}
    base = ids[0]
    rows = [[base, no, no] for no in sorted(known[base])]
    for sid in ids[1:]:
        pairs = {int(q): int(k) for q, k in (matches.get(sid) or {}).items()}
        unknown = sorted(set(pairs) - known[sid])
        if unknown:
            raise ValueError(f"问卷 {sid} 没有第 {unknown[0]} 题")
        bad_keys = sorted(set(pairs.values()) - known[base])
        if bad_keys:
            raise ValueError(f"第一期问卷 {base} 没有第 {bad_keys[0]} 题")
        if len(set(pairs.values())) != len(pairs):
            raise ValueError(f"问卷 {sid} 有两道题对应了第一期的同一道题")
        rows += [[sid, q, k] for q, k in sorted(pairs.items())]
    return rows


def _delete_instrument(con: duckdb.DuckDBPyConnection, instrument: str) -> None:
    con.execute("DELETE FROM survey_wave_question WHERE survey_id IN "
                "(SELECT survey_id FROM survey_wave WHERE instrument = ?)", [instrument])
    con.execute("DELETE FROM survey_wave WHERE instrument = ?", [instrument])


def unlink_waves(con: duckdb.DuckDBPyConnection, *, instrument: str, scope: Scope) -> None:
    """Remove the links of one questionnaire's waves (the surveys stay).

    Parameters
    ----------
    con : DuckDB connection (read-write)
    instrument : str
    scope : Scope
        The committee or a researcher; audited as ``survey_waves`` with no waves.

    Returns
    -------
    None
    """
    _require_editor(scope)
    with db.transaction(con):
        _delete_instrument(con, str(instrument).strip())
        audit.record(con, scope.username, "survey_waves", {"instrument": str(instrument).strip(), "waves": []})
        db.bump_data_version(con)
