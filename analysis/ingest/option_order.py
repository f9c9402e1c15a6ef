"""The order of a question's options when the export does not give it, and whether it is ordinal.

A readable (``_0``) 问卷星 export names the options chosen, not the questionnaire's options in
order, so by first appearance 手机部数 comes out 1部, 2部, 4部及以上, 3部 and age bands at random.
The rules, first that applies (:func:`infer_order`):

1. ``codes``: the questionnaire's own option numbers, from a numbered (``_2``) export or twin;
2. ``numeric``: every option reads as a number or a range (1部, 3000元以下, 3001-5000元, 16~19岁,
   60岁以上, 1万元以上, 第1名, 4分), ordered by its value;
3. ``scale``: the options are levels of a configured rating scale (一般/满意/非常满意,
   ``survey.ordinal_scales``), ordered from the lowest level;
4. ``questionnaire``: a readable multiple choice lists the chosen options of one answer in
   questionnaire order, so merging the answers recovers that order;
5. ``appearance``: the order of first appearance.

Options outside any order (不清楚, 其他【请注明】: ``survey.unscaled_options``) go last under rules
2 and 3. Rules 2 and 3 also mark the question ordinal (trend tests apply); so does rule 1 when
the option texts would satisfy them. The researcher may reorder the options later (rule
``researcher``, :mod:`analysis.survey.edits`).

Pure Python over option texts; no database.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["ORDER_RULES", "Ordering", "infer_order", "numeric_key", "scale_scores", "questionnaire_order"]

#: How a question's option order was decided, as stored in ``survey_question.order_rule``.
ORDER_RULES = ("codes", "numeric", "scale", "questionnaire", "appearance", "researcher")

# A number (with a Chinese multiplier or unit after it) in an option text.
_NUMBER = r"(\d+(?:\.\d+)?)\s*(万|千|百|[kK]|[wW])?\s*([^\d\s\-~～—–至到]{0,4}?)"
_BELOW_WORDS = ("以下", "以内", "及以下", "或以下", "以下（含）", "以下(含)", "以内（含）", "以内(含)", "之内", "内")
_ABOVE_WORDS = ("以上", "及以上", "或以上", "以上（含）", "以上(含)", "+", "＋", "多")
_BELOW_PREFIX = ("不足", "少于", "小于", "低于", "未满", "<", "＜", "≤", "<=")
_ABOVE_PREFIX = ("大于", "多于", "高于", "超过", ">", "＞", "≥", ">=")
_RANGE = re.compile(rf"{_NUMBER}\s*(?:-|~|～|—|–|至|到)\s*{_NUMBER}")
_SINGLE = re.compile(rf"(第)?{_NUMBER}")
_MULTIPLIERS = {"万": 1e4, "w": 1e4, "W": 1e4, "千": 1e3, "k": 1e3, "K": 1e3, "百": 1e2}
# Time units in years, so that "6个月-1年" sorts before "1-3年".
_UNITS = {"年": 1.0, "周年": 1.0, "个月": 1 / 12, "月": 1 / 12, "周": 1 / 52, "天": 1 / 365, "日": 1 / 365}
_UNIT_START = "[个年岁部名次人天周月元位万千]"
_CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# A score: a bare number or "4分" (the value a rating option carries).
_SCORE = re.compile(r"(-?\d+(?:\.\d+)?)\s*分?")


@dataclass(frozen=True)
class Ordering:
    """Options in order, how the order was found, whether it is ordinal, and their scores.

    ``scores`` maps an option to its value (``"4分"`` → 4, a scale level → its position from 1);
    options without one (ranges, nominal options, 不清楚) are absent.
    """

    options: tuple[str, ...]
    rule: str
    ordinal: bool
    scores: dict[str, float] = field(default_factory=dict)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def _unscaled(text: str, unscaled: Iterable[str]) -> bool:
    """Whether an option stands outside any order (不清楚, 其他【请注明】 ...)."""
    plain = _normalise(text)
    words = {_normalise(w) for w in unscaled}
    return plain in words or any(plain.startswith(w) and len(w) >= 2 for w in words if w.startswith("其他"))


def _arabic(text: str) -> str:
    """Chinese numerals below 100 as digits when they stand before a unit or 名 ("三年" → "3年")."""
    def convert(match: re.Match) -> str:
        token = match.group(0)
        if "十" in token:
            tens, _, units = token.partition("十")
            return str((_CHINESE_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CHINESE_DIGITS.get(units, 0) if units else 0))
        return str(_CHINESE_DIGITS[token])

    return re.sub(rf"[一二两三四五六七八九]?十[一二三四五六七八九]?(?={_UNIT_START})|[零一二两三四五六七八九](?={_UNIT_START})",
                  convert, text)


def _value(number: str, multiplier: str | None, unit: str) -> float:
    value = float(number) * _MULTIPLIERS.get(multiplier or "", 1.0)
    for name, factor in sorted(_UNITS.items(), key=lambda kv: -len(kv[0])):
        if unit.startswith(name):
            return value * factor
    return value


def numeric_key(text: str) -> tuple[float, int] | None:
    """Sort key of an option that reads as a number or a range, else None.

    Returns ``(value, side)``: the lower bound of a range or the number itself, and ``side`` 0
    for "below" (3000元以下, 不足1年), 1 for a number or a range, 2 for "above" (60岁以上), so
    that 1年以下 < 1-3年 < 3-5年 < 5年以上.

    Examples
    --------
    >>> [numeric_key(t) for t in ("3000元以下", "3001-5000元", "1万元以上", "16~19岁", "第1名", "4部及以上")]
    [(3000.0, 0), (3001.0, 1), (10000.0, 2), (16.0, 1), (1.0, 1), (4.0, 2)]
    >>> numeric_key("满意") is None
    True
    """
    plain = _arabic(_normalise(text).replace(",", "").replace("，", ""))
    if match := _RANGE.fullmatch(plain):
        # "1-3万元" and "1-3年": the lower bound borrows the upper bound's multiplier and unit
        # when it has none of its own ("8001元-1万元" keeps its own).
        multiplier, unit = match.group(2), match.group(3)
        if not multiplier and not unit:
            multiplier, unit = match.group(5), match.group(6)
        return _value(match.group(1), multiplier, unit), 1
    prefix = next((p for p in sorted(_BELOW_PREFIX + _ABOVE_PREFIX, key=len, reverse=True) if plain.startswith(p)), "")
    body = plain[len(prefix):]
    suffix = next((s for s in sorted(_BELOW_WORDS + _ABOVE_WORDS, key=len, reverse=True) if body.endswith(s)), "")
    core = body[: len(body) - len(suffix)] if suffix else body
    match = _SINGLE.fullmatch(core)
    if not match or (match.group(1) and (prefix or suffix)):
        return None
    value = _value(match.group(2), match.group(3), match.group(4))
    if prefix in _BELOW_PREFIX or suffix in _BELOW_WORDS:
        side = 0
    elif prefix in _ABOVE_PREFIX or suffix in _ABOVE_WORDS:
        side = 2
    else:
        side = 1
    if prefix and suffix and side != (0 if prefix in _BELOW_PREFIX else 2):
        return None  # "不足3年以上" contradicts itself
    return value, side


def score(text: str) -> float:
    """The value a rating option carries ("4分" or "4" → 4.0); NaN for any other option."""
    match = _SCORE.fullmatch(str(text).strip())
    return float(match.group(1)) if match else math.nan


def scale_scores(texts: Sequence[str], scales: Sequence[Sequence[str]], unscaled: Iterable[str]) -> dict[str, float] | None:
    """The level of each option in the first scale giving every option a level of its own.

    Options in ``unscaled`` are skipped; at least two options must be levels. Returns option →
    level (1 = the scale's lowest), or None when no scale fits.

    Examples
    --------
    >>> scale_scores(["满意", "一般", "非常满意", "不清楚"], [("不满意", "一般", "满意", "非常满意")], ["不清楚"])
    {'满意': 3.0, '一般': 2.0, '非常满意': 4.0}
    """
    scaled = [t for t in texts if not _unscaled(t, unscaled)]
    if len(scaled) < 2:
        return None
    for scale in scales:
        level_of = {_normalise(word): index for index, level in enumerate(scale, start=1) for word in level.split("|")}
        levels = [level_of.get(_normalise(t)) for t in scaled]
        if None not in levels and len(set(levels)) == len(levels):
            return {t: float(level) for t, level in zip(scaled, levels)}
    return None


def _numeric_order(texts: Sequence[str], unscaled: Iterable[str]) -> list[str] | None:
    """Options sorted by :func:`numeric_key` (unscaled ones last), or None when they do not all read as numbers.

    Pure scores ("1分" … "5分") tolerate other options as long as half of them are scores (a
    matrix's "不了解"), as the parser always did.
    """
    keys = {t: numeric_key(t) for t in texts}
    numeric = [t for t in texts if keys[t] is not None]
    rest = [t for t in texts if keys[t] is None]
    if len(numeric) < 2:
        return None
    scores_only = all(not math.isnan(score(t)) for t in numeric) and 2 * len(numeric) >= len(texts)
    if rest and not scores_only and not all(_unscaled(t, unscaled) for t in rest):
        return None
    return sorted(numeric, key=lambda t: keys[t]) + rest


def questionnaire_order(answers: pd.DataFrame, appearance: list[str]) -> list[str]:
    """Options of a readable multiple choice in questionnaire order.

    ``answers`` has ``row`` (one answer) and ``key`` (option text) in the order the cells list
    them. 问卷星 lists the options chosen in one cell in questionnaire order, so each cell is an
    ordered chain; merging the chains (a topological sort, ties broken by first appearance)
    recovers the order even when nobody chose every option. Contradictory chains fall back to
    first appearance.
    """
    position = {key: index for index, key in enumerate(appearance)}
    same_cell = answers["row"].eq(answers["row"].shift())
    edges = pd.DataFrame({"before": answers["key"].shift()[same_cell], "after": answers["key"][same_cell]})
    successors: dict[str, list[str]] = {key: [] for key in appearance}
    indegree = dict.fromkeys(appearance, 0)
    for before, after in edges.drop_duplicates().itertuples(index=False):
        if before != after:
            successors[before].append(after)
            indegree[after] += 1
    ready = [(position[key], key) for key in appearance if indegree[key] == 0]
    heapq.heapify(ready)
    ordered: list[str] = []
    while ready:
        _, key = heapq.heappop(ready)
        ordered.append(key)
        for after in successors[key]:
            indegree[after] -= 1
            if indegree[after] == 0:
                heapq.heappush(ready, (position[after], after))
    return ordered if len(ordered) == len(appearance) else appearance


def content_order(
    texts: Sequence[str], *, scales: Sequence[Sequence[str]], unscaled: Iterable[str]
) -> Ordering | None:
    """The order the option texts themselves imply (rules ``numeric`` and ``scale``), or None.

    Parameters
    ----------
    texts : option texts, in any order.
    scales, unscaled : ``survey.ordinal_scales`` and ``survey.unscaled_options``.

    Returns
    -------
    Ordering or None
        Ordinal, with ``scores`` for rating options ("4分") or scale levels.
    """
    unscaled = tuple(unscaled)
    numeric = _numeric_order(texts, unscaled)
    if numeric is not None:
        scores = {t: score(t) for t in numeric if not math.isnan(score(t))}
        return Ordering(tuple(numeric), "numeric", True, scores)
    levels = scale_scores(texts, scales, unscaled)
    if levels is not None:
        ordered = sorted(levels, key=levels.__getitem__) + [t for t in texts if t not in levels]
        return Ordering(tuple(ordered), "scale", True, levels)
    return None


def infer_order(
    appearance: Sequence[str],
    *,
    qtype: str,
    scales: Sequence[Sequence[str]],
    unscaled: Iterable[str],
    answers: pd.DataFrame | None = None,
    codes: Sequence[str] | None = None,
) -> Ordering:
    """The option order of one question by the rules of the module notes.

    Parameters
    ----------
    appearance : option texts in order of first appearance.
    qtype : single, multiple, matrix or ranking.
    scales, unscaled : ``survey.ordinal_scales`` and ``survey.unscaled_options``.
    answers : readable answers (``row``, ``key``) of a multiple choice, for rule ``questionnaire``.
    codes : option texts in the questionnaire's order (rule ``codes``), when an export gives it.

    Returns
    -------
    Ordering
        ``options`` (every text of ``appearance`` and ``codes``), ``rule``, ``ordinal``, ``scores``.
    """
    texts = list(dict.fromkeys([*(codes or ()), *appearance]))
    natural = content_order(texts, scales=scales, unscaled=unscaled)
    if codes:
        ordered = list(dict.fromkeys([*codes, *appearance]))
        if natural is None:
            return Ordering(tuple(ordered), "codes", False, _scores(ordered))
        return Ordering(tuple(ordered), "codes", True, natural.scores)
    if natural is not None:
        return natural
    if qtype == "multiple" and answers is not None:
        return Ordering(tuple(questionnaire_order(answers, list(appearance))), "questionnaire", False, {})
    return Ordering(tuple(appearance), "appearance", False, {})


def _scores(texts: Iterable[str]) -> dict[str, float]:
    return {t: score(t) for t in texts if not math.isnan(score(t))}
