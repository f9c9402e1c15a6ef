"""The Chinese glossary: one header per column name of the analysis results.

Pages, downloads and reports show the same column under the same name (a ``branch_name`` is
党支部 everywhere). Where one column name means something else in one table (the branch that
owns a task is its 责任支部), the caller says so with an override; the glossary itself has one
entry per column. Imports nothing of ours, so the report package can use it as well as the UI.
"""

from __future__ import annotations

import pandas as pd

HEADERS: dict[str, str] = {
    # organisation and people
    "branch_id": "支部编号", "branch_name": "党支部", "general_branch_id": "总支编号",
    "general_branch_name": "党总支", "unit_id": "单位编号", "unit_name": "单位", "member_id": "党员编号",
    "name": "姓名", "party_role": "党内职务", "branches": "支部数", "members": "党员人数", "n": "人数",
    # periods
    "year": "年度", "quarter": "季度", "quarters": "评分季度数", "month": "月份", "month_label": "月份名称",
    "period": "期间", "period_label": "期间名称", "period_start": "期间开始", "period_end": "期间结束",
    "months": "活跃月数",
    # scores, ranks and comparisons
    "mean": "均值", "median": "中位数", "sd": "标准差", "qoq": "环比", "yoy": "同比", "total": "总分",
    "rank": "名次", "previous_rank": "上年名次", "rank_change": "名次变化", "falling_streak": "连续下降季度",
    "reason": "说明", "note": "说明", "max_points": "满分", "max_total": "满分", "score": "得分",
    "self_score": "自评分", "self_total": "自评总分", "self_gap": "自评差", "share": "得分率", "pct": "比例（%）",
    "hospital_mean": "全院均值", "hospital_n": "全院支部数", "gap": "与全院差", "commended_quarters": "获季度表扬次数",
    "ci_low": "95%CI下限（%）", "ci_high": "95%CI上限（%）",
    # 党员调动 (reason is "调动原因" in its tables)
    "effective_on": "生效日期", "direction": "方向", "from_branch_name": "调出支部", "to_branch_name": "调入支部",
    "transfers": "调动人次",
    # 党员先锋指数
    "annual_index": "年度指数", "grade": "等级", "stars": "星级", "excellent_pct": "优秀比例（%）",
    "start_index": "起始指数", "last_index": "最新指数", "total_drop": "累计下降", "indices": "各季度指数", "index_path": "各季度指数",
    # 支部考核
    "indicator_id": "指标编号", "indicator": "指标", "indicators": "指标数", "position": "排列顺序",
    "hospital_pct": "全院得分率（%）", "commended": "表扬", "flagged": "需关注",
    # 四有工程
    "dimension_id": "维度编号", "dimension_name": "维度", "dimension_rank": "维度名次",
    "dimensions_scored": "已评维度数", "complete": "评分完整", "unit_mean": "得分", "unit_self_mean": "自评分",
    "unit_n": "支部数", "min_share": "最低维度得分率", "weakest_dimension": "最弱维度", "candidate": "符合候选条件",
    "is_site": "已命名示范点", "site_title": "示范点称号", "site_year": "命名年度",
    # 三会一课 and attendance
    "kind": "会议类型", "grain": "频次单位", "times": "每期应开", "periods": "统计期数", "required": "应开次数",
    "held": "召开次数", "counted": "达标次数", "missing": "缺漏期数", "shortfall": "缺漏次数", "rate": "达标率（%）",
    "dates": "召开日期", "observed": "计入统计", "status": "状态", "meetings": "会议次数", "suppressed": "人数不足不予显示",
    "present": "出席", "leave": "请假", "absent": "缺席", "attendance_rate": "出席率（%）", "leave_rate": "请假率（%）",
    "absence_rate": "缺席率（%）", "attendance_n": "出勤记录数", "branches_with_gaps": "有缺漏支部数",
    "held_on": "日期", "title": "名称", "held_in_month": "当月召开", "days": "召开日",
    # activities
    "activity_id": "活动编号", "activity_type": "活动类型", "activities": "场次", "people_served": "服务人次",
    "hours": "时长（小时）", "first_held": "首次", "last_held": "最近一次",
    "lecturer": "授课人", "lecturer_role": "授课人身份", "lectures": "党课次数", "with_lecturer": "登记授课人",
    "by_secretary": "书记讲", "by_committee": "支委（含书记）讲", "by_member": "普通党员讲", "by_other": "院领导或外请讲",
    # 办实事
    "task_id": "编号", "category": "类别", "status_as_of": "期末状态", "started_on": "开始日期", "due_on": "计划完成",
    "completed_on": "实际完成", "done": "已完成", "open": "未完成", "overdue": "逾期未完成", "days_overdue": "逾期天数",
    # accounts and audit
    "username": "用户名", "display_name": "姓名", "role_zh": "角色", "active": "启用",
    "must_change_password": "须改密码", "failed_logins": "连续失败", "locked_until": "锁定至",
    "password_changed_at": "密码修改时间", "created_at": "创建时间", "last_seen": "最近访问", "open_sessions": "在线会话",
    "audit_id": "序号", "logged_at": "时间", "action": "操作代码", "action_zh": "操作", "detail": "详情",
    # 党建+业务 (analysis.business; the panel's per-indicator columns are named from the configuration)
    "department_type": "科室类型", "departments": "科室数", "staff": "职工人数", "vanguard": "先锋指数",
    "vanguard_n": "参评党员数", "assessment": "支部考核总分", "compliance": "三会一课达标率（%）", "unit": "单位",
    "higher_is_better": "越高越好", "k": "季度数", "n_obs": "观测数", "rho": "ρ", "rho_raw": "不控制类型时 ρ",
    "p_val": "p 值", "p_holm": "Holm 校正 p", "favourable": "按方向调整（正=业务更好）", "verdict": "判断代码",
    "verdict_label": "判断", "reading": "解读", "groups": "比较的科室类型", "coef": "每 1 个标准差的变化（原单位）",
    "beta": "标准化系数 β", "party": "党建得分", "business": "业务得分", "party_pct": "党建百分位",
    "business_pct": "业务百分位", "party_z": "党建标准分", "business_z": "业务标准分", "quadrant": "象限代码",
    "quadrant_name": "象限", "value": "数值", "hospital_median": "全院中位数", "hospital_p25": "全院下四分位",
    "hospital_p75": "全院上四分位", "percentile": "全院百分位（100=最好）", "rows": "科室季度数",
    "unmapped": "未对应支部的科室季度", "suggestion": "建议", "se": "标准误",
    # 党务台账 (analysis.registers)
    "rectification_id": "整改编号", "designated_on": "认定日期", "designated_by": "认定单位", "reasons": "软弱涣散情形",
    "measures": "整改措施", "responsible": "整改责任人", "deadline": "整改期限", "progress": "整改进展",
    "closed_on": "销号日期", "reassessment_score": "复评得分", "days_open": "已用天数", "designated_quarter": "认定季度",
    "closed_quarter": "销号季度", "before_mean": "认定前季度均分", "before_n": "认定前季度数", "after_mean": "销号后季度均分",
    "after_n": "销号后季度数", "change": "变化", "recovered": "分数回升",
    "person_id": "人员编号", "profession": "职业类别", "backbone": "业务骨干", "high_talent": "高知", "stage": "发展阶段",
    "applied_on": "递交申请", "activist_on": "确定积极分子", "candidate_on": "确定发展对象",
    "probationary_on": "接收预备党员", "full_on": "转正", "moved": "进入下一阶段人数", "median_days": "中位天数",
    "mean_days": "平均天数", "waiting": "目前在此阶段", "waiting_median_days": "已等待中位天数",
    "term_start": "任期开始", "term_due": "任期届满", "department_head": "兼任科室主任", "discipline_leader": "学科带头人",
    "double_leader": "双带头人", "days_to_due": "距届满天数", "registered": "已登记书记的支部", "double_leaders": "双带头人支部",
    "honour_id": "荣誉编号", "level": "级别", "branch_honours": "支部荣誉", "member_honours": "党员荣誉",
    "honours": "荣誉数", "titles": "荣誉名称",
    # the 党员发展 register beside the assessment's indicator
    "applied": "新增申请人", "activists": "新确定积极分子", "candidates": "新确定发展对象", "received": "接收预备党员",
    "converted": "转正", "in_pipeline": "培养中（季末）", "check": "核对提示",
    # 先锋岗 and 党员责任区
    "award_id": "评选编号", "kind_name": "类别", "awards": "获评数", "vanguard_posts": "先锋岗", "red_flags": "红旗责任区",
    "vindex": "先锋指数", "rank_in_branch": "支部内名次", "branch_scored": "支部参评人数", "rank_share": "名次百分位",
    "top_fifth": "居前五分之一", "zone_id": "责任区编号", "ward": "病区", "member_name": "责任党员",
    "established_on": "设立日期", "last_red_flag": "最近获评红旗", "quarter_label": "季度名称",
    "deployment_id": "派出编号", "mission": "任务类别", "role": "承担工作", "destination": "派往地", "is_member": "党员", "called_on": "号召日期",
    "volunteered_on": "请战日期", "ended_on": "返回日期", "people": "人数", "person_days": "人·天", "deployments": "派出人次",
    "within_1_day": "一天内请战", "group": "类别", "count": "符合人数", "exceeds": "党员多于职工（请核对）", "members_median_days": "党员请战中位天数", "others_median_days": "非党员请战中位天数",
}
"""Column name -> Chinese header."""

GRAINS: dict[str, str] = {"month": "月", "quarter": "季度"}
"""The period a meeting rule counts in (``grain`` values) -> Chinese."""

RATERS: dict[str, str] = {"self": "个人自评", "peer": "党员互评", "org": "组织评定"}
"""The three raters of the vanguard index (``dimension_breakdown`` columns) -> Chinese, in order."""


def headers(frame: pd.DataFrame, **overrides: str) -> pd.DataFrame:
    """``frame`` with Chinese column headers from :data:`HEADERS`.

    ``overrides`` (column -> header) replace the glossary for this table only, where a column
    means something narrower here. Columns in neither keep their name (a grade label such as
    优秀 already is one).

    Returns
    -------
    The same rows and columns, renamed.
    """
    return frame.rename(columns={c: overrides.get(c, HEADERS.get(c, c)) for c in frame.columns})


def readable(frame: pd.DataFrame, *, drop: tuple[str, ...] = (), decimals: int = 2, **overrides: str) -> pd.DataFrame:
    """``frame`` as a table shows it: ``drop`` left out, ``grain`` in Chinese, floats rounded
    to ``decimals``, and Chinese headers (see :func:`headers`).

    Returns
    -------
    The columns of ``frame`` not dropped, under their Chinese headers.
    """
    out = frame.drop(columns=[c for c in drop if c in frame.columns])
    if "grain" in out.columns:
        out = out.assign(grain=out["grain"].map(GRAINS))
    floats = out.select_dtypes("float").columns
    return headers(out.assign(**{c: out[c].round(decimals) for c in floats}), **overrides)
