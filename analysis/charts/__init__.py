"""Chart styling in one place: every plotly figure of the app and the reports is made here.

Figures take tidy DataFrames from the analysis functions and never compute statistics; they
only choose marks, labels and colours. Titles name the subject and the period.

The house style (font, titles, axes, reference lines) lives in ``base``; the figures in one
module per page family: ``trends`` (总览 and the lines of many units), ``branches`` (四有工程,
办实事, 先锋指数 and 考核 by branch), ``meetings`` (组织生活), ``registers`` (党务台账),
``survey`` (问卷分析), ``business`` (党建+业务) and ``report`` (汇报材料 and 大屏展示). Callers
write ``from analysis import charts`` and ``charts.<figure>(...)``: every figure and constant
is re-exported here.
"""

from analysis.charts.base import FONT_FAMILY, hover_rounded, quarter_text
from analysis.charts.base import _quarter_axis as _quarter_axis
from analysis.charts.base import _reference_lines as _reference_lines
from analysis.charts.base import _style as _style
from analysis.charts.base import _subtitle as _subtitle
from analysis.charts.branches import (
    dimension_dots,
    distribution_box,
    four_have_heatmap,
    four_have_ranking,
    gap_bars,
    grade_stacked,
    lost_points_bars,
    member_dots,
    profile_trend,
    quarter_heatmap,
    radar,
    rank_bump,
    ranked_bars,
    task_completion_bars,
)
from analysis.charts.business import (
    MANY_POINTS,
    QUADRANT_COLOURS,
    VERDICT_COLOURS,
    association_forest,
    business_branch_trend,
    business_quadrant,
)
from analysis.charts.meetings import (
    ACTIVITY_COLOURS,
    ATTENDANCE_COLOURS,
    MEETING_STATUS_COLOURS,
    STATUS_LEGEND,
    activity_stacked,
    attendance_bars,
    compliance_heatmap,
    compliance_ranking,
    meeting_calendar,
)
from analysis.charts.registers import share_bars, stacked_counts
from analysis.charts.report import REPORT_THEMES, report_figure, report_images
from analysis.charts.survey import (
    CJK_FONT,
    SURVEY_HIDDEN_NOTE,
    crosstab_heatmap,
    item_total_bars,
    keyword_bars,
    likert_diverging,
    likert_group_means,
    ranking_score_bars,
    scree_parallel,
    survey_group_shares,
    survey_option_bars,
    wave_share_lines,
    word_cloud,
)
from analysis.charts.trends import (
    END_LABEL_PX,
    completion_trend,
    share_by_group,
    spread_positions,
    total_trend,
    unit_trend_lines,
    vanguard_trend,
)

__all__ = [
    # base
    "FONT_FAMILY",
    "hover_rounded",
    "quarter_text",
    # trends
    "END_LABEL_PX",
    "completion_trend",
    "share_by_group",
    "spread_positions",
    "total_trend",
    "unit_trend_lines",
    "vanguard_trend",
    # branches
    "dimension_dots",
    "distribution_box",
    "four_have_heatmap",
    "four_have_ranking",
    "gap_bars",
    "grade_stacked",
    "lost_points_bars",
    "member_dots",
    "profile_trend",
    "quarter_heatmap",
    "radar",
    "rank_bump",
    "ranked_bars",
    "task_completion_bars",
    # meetings
    "ACTIVITY_COLOURS",
    "ATTENDANCE_COLOURS",
    "MEETING_STATUS_COLOURS",
    "STATUS_LEGEND",
    "activity_stacked",
    "attendance_bars",
    "compliance_heatmap",
    "compliance_ranking",
    "meeting_calendar",
    # registers
    "share_bars",
    "stacked_counts",
    # survey
    "CJK_FONT",
    "SURVEY_HIDDEN_NOTE",
    "crosstab_heatmap",
    "item_total_bars",
    "keyword_bars",
    "likert_diverging",
    "likert_group_means",
    "ranking_score_bars",
    "scree_parallel",
    "survey_group_shares",
    "survey_option_bars",
    "wave_share_lines",
    "word_cloud",
    # business
    "MANY_POINTS",
    "QUADRANT_COLOURS",
    "VERDICT_COLOURS",
    "association_forest",
    "business_branch_trend",
    "business_quadrant",
    # report
    "REPORT_THEMES",
    "report_figure",
    "report_images",
]
