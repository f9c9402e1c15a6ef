"""Tests of analysis.survey.free_text: keywords and the answers containing one.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from analysis import survey
from tests import survey_fixtures
from tests.survey_fixtures import SCOPE

# The fixture database and the configuration defaults, shared by name (pytest finds fixtures by name).
con = survey_fixtures.con
default_config = survey_fixtures.default_config


def test_keywords(con):
    out = survey.keywords(con, survey_id=4, question_no=1, scope=SCOPE)
    counts = dict(zip(out["word"], out["n"]))
    assert out.attrs["answers"] == 4  # (空), 无 and 暂无 are not answers
    assert counts["义诊"] == 2 and counts["培训"] == 2 and counts["党员"] == 2
    assert all(len(w) >= 2 for w in out["word"])
    assert not {"希望", "空", "无", "暂无", "，"} & set(out["word"])
    assert out["pct"].iloc[0] == pytest.approx(out["n"].iloc[0] / 4 * 100)
    assert out["n"].is_monotonic_decreasing
    fewer = survey.keywords(con, survey_id=4, question_no=1, scope=SCOPE, top=2, stopwords=["义诊"])
    assert len(fewer) == 2 and "义诊" not in set(fewer["word"])


def test_answers_containing_returns_text_only(con):
    out = survey.answers_containing(con, survey_id=4, question_no=1, keyword="义诊", scope=SCOPE)
    assert list(out.columns) == ["text"]
    assert out["text"].tolist() == sorted(["希望多组织义诊活动", "义诊活动很好！"])
    assert survey.answers_containing(con, survey_id=4, question_no=1, keyword="无", scope=SCOPE).empty
    with pytest.raises(ValueError, match="关键词不能为空"):
        survey.answers_containing(con, survey_id=4, question_no=1, keyword=" ", scope=SCOPE)


def test_jieba_is_imported_lazily():
    # Importing jieba (and loading its dictionary) is slow: only keywords() may do it.
    tree = ast.parse(Path(inspect.getmodule(survey.keywords).__file__).read_text(encoding="utf-8"))
    top_level = {a.name for node in tree.body if isinstance(node, ast.Import) for a in node.names}
    top_level |= {node.module for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert "jieba" not in top_level
