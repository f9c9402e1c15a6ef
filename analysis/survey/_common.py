"""Small things every survey module shares: labels, the scope check, the minimum reporting group,
percentages with their Wilson interval, and unique option labels.

Private to :mod:`analysis.survey`. Imports only ``analysis.config``, ``analysis.scope`` and
``analysis.stats``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from analysis import config as config_mod
from analysis.scope import Scope
from analysis.stats import wilson_interval

#: The row of a frequency table counting respondents who gave no answer.
MISSING_LABEL = "未作答"
#: The totals row and column of a table (a group or option may not be called this).
TOTAL_LABEL = "合计"
#: The one group when results are not split by a grouping question.
ALL_LABEL = "全部"

QTYPE_LABELS = {
    "single": "单选题",
    "multiple": "多选题",
    "matrix": "矩阵题",
    "ranking": "排序题",
    "text": "填空题",
}


#: How a question's option order was found (survey_question.order_rule; see
#: analysis.ingest.option_order), as the page names it.
ORDER_RULE_LABELS = {
    "codes": "问卷原始选项序号",
    "numeric": "按数字或区间排序",
    "scale": "按量表等级排序",
    "questionnaire": "按问卷中的选项顺序",
    "appearance": "按首次出现的顺序",
    "researcher": "研究人员手动调整",
    "import": "导入时的顺序",
}


def check_scope(scope: Scope) -> None:
    if not isinstance(scope, Scope):
        raise TypeError(f"scope must be an analysis.scope.Scope, got {type(scope).__name__}")


def resolve_min_cell(min_cell: int | None) -> int:
    """The minimum reporting group: ``None`` takes the configuration's, ``0`` turns the rule off."""
    if min_cell is None:
        return config_mod.load().survey.min_cell
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 0:
        raise ValueError(f"min_cell 必须是非负整数（0 表示不限制最小报告组），收到 {min_cell!r}")
    return int(min_cell)


def wilson_pct(count: ArrayLike, nobs: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Wilson 95 % interval in percent; NaN where the base is 0."""
    low, high = wilson_interval(count, nobs)
    return low * 100, high * 100


def pct(count: ArrayLike, base: ArrayLike) -> np.ndarray:
    """count / base × 100; NaN where the base is 0."""
    count = np.asarray(count, dtype=float)
    base = np.asarray(base, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base > 0, count / base * 100, np.nan)


def unique_labels(labels: Sequence[str], numbers: Sequence[int]) -> list[str]:
    """Option texts as labels; duplicated texts get their number so columns stay unique."""
    labels = [str(x) for x in labels]
    dup = {x for x in labels if labels.count(x) > 1}
    return [f"{n}. {x}" if x in dup else x for x, n in zip(labels, numbers)]
