"""Free-text answers: the most frequent words (jieba segmentation) and the answers containing
a word, returned as bare texts sorted by text so no answer can be linked to a respondent.

jieba is imported inside :func:`keywords` only (slow to import and to load its dictionary).
Imports the package's private helpers only.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import duckdb
import pandas as pd

from analysis.scope import Scope
from analysis.survey._common import QTYPE_LABELS, check_scope, pct, resolve_min_cell
from analysis.survey._groups import attribute_blocks, group_order, grouping, membership, refused_groups
from analysis.survey._question import Question, load_question
from analysis.survey.filters import RespondentFilter, restrict

__all__ = ["DOMAIN_WORDS", "NON_ANSWERS", "STOPWORDS", "answers_containing", "keywords", "text_answers"]

STOPWORDS: frozenset[str] = frozenset(
    """
    的 了 和 与 及 以及 或 或者 是 在 有 就 都 而 也 还 又 并 并且 但 但是 而且 因为 所以 如果 虽然
    然后 因此 这样 那样 这个 那个 这些 那些 这里 那里 这种 那种 一个 一些 一下 一点 一直 一定 一样
    我 你 他 她 它 我们 你们 他们 她们 自己 大家 本人 个人 什么 怎么 怎样 如何 为什么 哪些 哪里
    为 为了 对 对于 关于 把 被 让 给 从 到 向 以 由 按 按照 通过 根据 等 等等 之 其 其他 其它
    能 能够 可以 可能 会 要 需要 应 应该 应当 必须 希望 建议 意见 认为 觉得 感觉 没有 不是 不会
    不能 不要 已经 正在 目前 现在 今后 以后 之前 之后 方面 问题 情况 工作 进行 开展 做好 加强 提高
    非常 比较 更加 更 很 较 最 太 特别 十分 尤其 还是 只是 就是 还有 另外 此外 同时 其中 总之
    好 多 少 无 有关 相关 一些 一般 各种 各个 每个 所有 没 吗 呢 吧 啊 呀 哦 嗯 么
    """.split()
)

#: Answers that mean "nothing to say" (compared after trimming spaces and punctuation).
NON_ANSWERS: frozenset[str] = frozenset(
    {"", "空", "无", "没有", "暂无", "无意见", "无建议", "没有意见", "没有建议", "暂无意见", "暂无建议",
     "无无", "无。", "na", "n/a", "none", "nil", "no", "null", "略"}
)

#: Words kept whole when segmenting (jieba would otherwise split some of them).
DOMAIN_WORDS = (
    "党建", "党支部", "党总支", "支部书记", "三会一课", "主题党日", "组织生活", "民主评议", "党员示范岗",
    "先锋岗", "责任区", "党建引领", "医疗质量", "合理用药", "患者满意度", "绩效考核", "职称晋升",
    "人才培养", "医保", "DRG", "DRGs", "CMI", "义诊", "志愿服务", "我为群众办实事",
)


def _normalise(text: str) -> str:
    """Trim whitespace and surrounding punctuation, fold width and case."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"^[\W_]+|[\W_]+$", "", text)


def _shown(text: str) -> str:
    """An answer as listed: width folded, whitespace and surrounding punctuation trimmed."""
    return re.sub(r"^[\W_]+|[\W_]+$", "", unicodedata.normalize("NFKC", str(text)).strip())


def _is_non_answer(text: str | None) -> bool:
    if text is None:
        return True
    raw = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return raw in {"(空)", "(无)"} or _normalise(raw) in NON_ANSWERS


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba  # slow to import and to load its dictionary: only when text is analysed

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in DOMAIN_WORDS:
        tokenizer.add_word(word)
    return tokenizer


def _texts(con: duckdb.DuckDBPyConnection, q: Question) -> list[tuple[str, int]]:
    """Each distinct substantive answer and how many respondents gave it (answers repeat a lot:
    each is segmented once, however often it was given)."""
    rows = con.execute(
        """
        SELECT text, count(*) FROM survey_answer
        WHERE survey_id = $s AND question_no = $q AND text IS NOT NULL
        GROUP BY text ORDER BY text
        """,
        {"s": q.survey_id, "q": q.question_no},
    ).fetchall()
    return [(text, n) for text, n in rows if not _is_non_answer(text)]


def keywords(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    scope: Scope,
    respondents: RespondentFilter | None = None,
    top: int = 30,
    stopwords: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Most frequent words of the free-text answers to a question.

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
        Any question with text answers: a 填空题, or the fill-ins of "其他〖…〗" options.
    scope : Scope
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.
    top : int
        How many words to return.
    stopwords : iterable of str, optional
        Extra words to drop, on top of the built-in :data:`STOPWORDS`.

    Returns
    -------
    DataFrame
        ``word``, ``n`` (answers containing the word at least once), ``pct`` (n / substantive
        answers × 100), sorted by n descending then word. ``attrs["answers"]``: the number of
        substantive answers.

    Notes
    -----
    Answers meaning "nothing" ((空), 无, 没有, 暂无 ...; :data:`NON_ANSWERS`) are dropped before
    counting. Each answer is segmented with jieba (precise mode, with :data:`DOMAIN_WORDS` added)
    and each word counts once per answer. Dropped: stop words, single characters, numbers and
    tokens without a letter or CJK character.
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=None)
    if top < 1:
        raise ValueError("top 至少为 1")
    q = load_question(con, survey_id, question_no, allowed=tuple(QTYPE_LABELS), purpose="关键词分析")
    texts = _texts(con, q)
    drop = STOPWORDS | {_normalise(w) for w in (stopwords or ())}
    tokenizer = _tokenizer()
    counts: dict[str, int] = {}
    for text, given in texts:
        for word in _words(tokenizer, text, drop):
            counts[word] = counts.get(word, 0) + given
    answers = sum(given for _, given in texts)
    out = pd.DataFrame(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top], columns=["word", "n"])
    out["n"] = out["n"].astype("int64")
    out["pct"] = pct(out["n"], answers)
    out.attrs = {"question": q.text, "answers": answers}
    return out


def _words(tokenizer, text: str, drop: frozenset[str]) -> set[str]:
    """The distinct words of one answer worth counting (no stop words, single characters, numbers)."""
    words = set()
    for token in tokenizer.lcut(unicodedata.normalize("NFKC", text)):
        word = token.strip().lower()
        if len(word) < 2 or word in drop or word.isdigit():
            continue
        if not any(ch.isalpha() for ch in word):
            continue
        words.add(word)
    return words


def answers_containing(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    keyword: str,
    scope: Scope,
    respondents: RespondentFilter | None = None,
) -> pd.DataFrame:
    """The free-text answers to a question that contain ``keyword`` (case-insensitive).

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
    keyword : str
        Matched literally as a substring (no wildcards).
    scope : Scope
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.

    Returns
    -------
    DataFrame
        One column, ``text``, sorted by text: no respondent ids, and not in response order, so
        an answer cannot be linked to a respondent's other answers. Non-answers are left out.
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=None)
    keyword = str(keyword).strip()
    if not keyword:
        raise ValueError("关键词不能为空")
    q = load_question(con, survey_id, question_no, allowed=tuple(QTYPE_LABELS), purpose="文本检索")
    rows = con.execute(
        """
        SELECT text FROM survey_answer
        WHERE survey_id = $s AND question_no = $q AND text IS NOT NULL
          AND contains(lower(text), lower($kw))
        ORDER BY text
        """,
        {"s": q.survey_id, "q": q.question_no, "kw": keyword},
    ).fetchall()
    out = pd.DataFrame({"text": [r[0] for r in rows if not _is_non_answer(r[0])]}, dtype=object)
    out.attrs = {"question": q.text, "keyword": keyword}
    return out



def text_answers(
    con: duckdb.DuckDBPyConnection,
    *,
    survey_id: int,
    question_no: int,
    scope: Scope,
    group_question_no: int | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    respondents: RespondentFilter | None = None,
    min_cell: int | None = None,
) -> pd.DataFrame:
    """The free-text answers to a question, identical ones merged with their count, by group if asked.

    Parameters
    ----------
    con : DuckDB connection
    survey_id, question_no : int
    scope : Scope
    group_question_no : int, optional
        A single-choice question (科室, 政治面貌 ...) whose groups list their answers apart;
        ``None``: the whole sample.
    groups : group label -> option texts of the grouping question; ``None``: one per option.
    respondents : RespondentFilter, optional
        Only the respondents meeting it (:mod:`analysis.survey.filters`); a filter that would single
        people out raises ``ValueError`` with the reason.
    min_cell : int, optional
        The minimum reporting group (only when grouped); ``None`` = configuration, ``0`` = off.

    Returns
    -------
    DataFrame
        ``group`` (when grouped), ``text``, ``n`` (respondents who gave the answer), most
        frequent first, then by text: no respondent ids and not in response order.
        ``attrs``: ``question``, ``answers`` (substantive answers listed), ``hidden`` (when
        grouped: each group left out, with the reason in Chinese).

    Notes
    -----
    Answers are the same when they agree after folding width and case and trimming whitespace
    and surrounding punctuation ("加强学习。" and " 加强学习" are one answer); the most frequent
    spelling is listed. Non-answers (无, 没有, (空) ...) are left out. Grouped, only the groups the
    minimum reporting group lets a breakdown show (:mod:`analysis.survey.privacy`, over the
    respondents with a substantive answer) are listed: the answers of a small group appear only
    in the whole-sample list, never with their group.
    """
    check_scope(scope)
    con = restrict(con, survey_id=survey_id, respondents=respondents, scope=scope, min_cell=min_cell)
    min_group = resolve_min_cell(min_cell)
    q = load_question(con, survey_id, question_no, allowed=tuple(QTYPE_LABELS), purpose="文字回答")
    split = grouping(con, survey_id, group_question_no, groups)
    members, m_params = membership(split)
    rows = con.execute(
        f"""
        WITH membership AS ({members})
        SELECT m.grp, a.text, count(DISTINCT a.response_id) AS n
        FROM survey_answer a JOIN membership m USING (response_id)
        WHERE a.survey_id = $s AND a.question_no = $q AND a.text IS NOT NULL
        GROUP BY ALL
        """,
        {"s": survey_id, "q": question_no, **m_params},
    ).fetchall()
    hidden = {}
    if split is not None and min_group > 1:
        blocks = attribute_blocks(con, split.question, 0, _ANSWERED_TEXT_SQL, {"q": question_no}, min_group=min_group)
        hidden = {group: reason for group, (reason, _) in refused_groups(split, blocks).items()}
    merged: dict[tuple[str, str], dict[str, int]] = {}
    for group, text, n in rows:
        if group in hidden or _is_non_answer(text):
            continue
        spellings = merged.setdefault((group, _normalise(text)), {})
        spellings[_shown(text)] = spellings.get(_shown(text), 0) + n
    order = {group: i for i, group in enumerate(group_order(split))}
    listed = [(group, max(spellings, key=lambda t: (spellings[t], t)), sum(spellings.values()))
              for (group, _), spellings in merged.items()]
    listed.sort(key=lambda row: (order[row[0]], -row[2], row[1]))
    out = pd.DataFrame(listed, columns=["group", "text", "n"]).astype({"n": "int64"})
    if split is None:
        out = out.drop(columns="group")
    out.attrs = {"question": q.text, "answers": int(out["n"].sum()), "hidden": hidden}
    return out


# Respondents with a text answer to question $q: the base of its groups.
_ANSWERED_TEXT_SQL = """
    SELECT DISTINCT response_id FROM survey_answer
    WHERE survey_id = $s AND question_no = $q AND text IS NOT NULL
"""
