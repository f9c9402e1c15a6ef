"""Tests of analysis.survey.ranking: 问卷星 综合得分 and mean ranks by hand.
"""

from __future__ import annotations

import pytest

from analysis import survey
from tests import survey_fixtures
from tests.survey_fixtures import SCOPE

# The fixture database and the configuration defaults, shared by name (pytest finds fixtures by name).
con = survey_fixtures.con
default_config = survey_fixtures.default_config


def test_ranking_scores_by_hand(con):
    # 4 options → weights 4, 3, 2, 1 for positions 1-4; 3 respondents answered (the 4th did not).
    # 党员教育: 1st, 2nd, 1st → (4 + 3 + 4) / 3 = 3.667; mean rank (1 + 2 + 1) / 3 = 1.333
    # 业务融合: 2nd, 1st      → (3 + 4) / 3     = 2.333; mean rank 1.5
    # 志愿服务: 3rd, 4th, 2nd → (2 + 1 + 3) / 3 = 2.000; mean rank 3
    # 阵地建设: 3rd           → 2 / 3           = 0.667; mean rank 3
    out = survey.ranking_scores(con, survey_id=3, question_no=1, scope=SCOPE)
    assert out["option"].tolist() == ["党员教育", "业务融合", "志愿服务", "阵地建设"]
    assert out["score"].tolist() == pytest.approx([11 / 3, 7 / 3, 2.0, 2 / 3])
    assert out["mean_rank"].tolist() == pytest.approx([4 / 3, 1.5, 3.0, 3.0])
    assert out["n"].tolist() == [3, 2, 3, 1]
    assert out["order"].tolist() == [1, 2, 3, 4]
    assert out.attrs["answered"] == 3
