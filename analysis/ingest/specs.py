"""What each import looks like: one column spec per kind of data, and how a header row maps onto it.

The spec is the single source for the template a hospital fills in (``templates``) and for
the importer's checks (header matching, types, ranges, allowed values, references). A value
may be written as the label shown in the template ("自评", "党支部") or as the stored code
("self", "branch"), so a DataFrame built by a program imports as well as a file typed by hand.

Kinds and their tables:

=================  ===================  ================================================
kind               table                a re-import of ... replaces the stored rows
=================  ===================  ================================================
org_units          org_unit             (never: existing units are reported as duplicates)
members            member               (never: existing members are reported as duplicates)
vanguard_scores    vanguard_score       the same quarter and branch (the member's branch)
branch_scores      branch_score         the same quarter (every branch)
four_have          four_have_score      the same year (every branch)
activities         activity             (never)
attendance         attendance           the same activity
tasks              service_task         the same 任务编号 (a task's status update)
departments        department_branch    the same 科室编号 and 起始季度 (the mapping is editable)
department_        department_          the same quarter and indicator (every department)
performance        performance
rectifications     rectification        the same 整改编号 (progress and 销号 are updates)
development        party_development    the same 人员编号 (a stage reached is an update)
secretaries        branch_secretary     the same 支部 and 任期开始日期
honours            honour               the same 荣誉编号
deployments        deployment           the same 派出编号
profiles           member_profile       the same 党员编号 (composition changes over time)
sites              demonstration_site   the same 支部, 年度 and 示范点称号
methods            branch_method        the same 编号
transfers          member_transfer      (never: a move is appended to the member's history;
                   (and membership)     a wrong one is rolled back, then imported again)
zones              duty_zone            the same 责任区编号
awards             award                the same 评选编号
wjx                survey, survey_*     (never: each export is a new survey)
=================  ===================  ================================================
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from analysis import config as config_mod
from analysis import periods
from analysis.metrics.activities import ACTIVITY_TYPES, LECTURER_ROLES

TYPES = ("text", "int", "decimal", "date", "quarter", "year", "choice", "ref")
REFS = ("unit", "owner", "branch", "member", "zone", "vanguard_dimension", "indicator", "four_have_dimension", "activity", "department")
# References whose names come from the hospital's configuration (not from the database).
CATALOGUE_REFS = ("vanguard_dimension", "indicator", "four_have_dimension")

# Sheets of a template that hold no data (the importer skips them).
INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "选项"

KIND_LABELS: dict[str, str] = {
    "org_units": "组织架构",
    "members": "党员名单",
    "vanguard_scores": "党员先锋指数评分",
    "branch_scores": "支部季度考核得分",
    "four_have": "“四有”评价得分",
    "activities": "支部活动",
    "attendance": "活动出勤",
    "tasks": "我为群众办实事任务",
    "departments": "科室与支部对应",
    "department_performance": "科室业绩指标",
    "rectifications": "软弱涣散党支部整改台账",
    "development": "党员发展台账",
    "secretaries": "支部书记任期",
    "honours": "荣誉表彰",
    "deployments": "援派与抗疫人员",
    "profiles": "党员职称学历与岗位",
    "sites": "党建示范点",
    "methods": "支部工作法与党建品牌",
    "transfers": "党员组织关系调动",
    "zones": "党员责任区",
    "awards": "先锋岗与红旗责任区评选",
    "wjx": "问卷星问卷导出",
}
KINDS = tuple(KIND_LABELS)
TABLE_KINDS = tuple(k for k in KINDS if k != "wjx")

RATERS = (("自评", "self"), ("互评", "peer"), ("组织评定", "org"))
YES_NO = (("是", "true"), ("否", "false"))  # stored as BOOLEAN
PROFESSIONS = ("医生", "护士", "医技", "药学", "行政后勤", "学生")
HONOUR_LEVELS = ("院级", "市级", "省级", "国家级")
MISSIONS = ("援疆", "援藏", "援鄂", "援港", "援沪", "对口帮扶", "抗疫", "其他")
TITLES = ("正高级", "副高级", "中级", "初级", "无")
EDUCATIONS = ("博士研究生", "硕士研究生", "大学本科", "大专及以下")
# Register kinds: a re-import replaces the stored rows with the same key (kind -> table).
REGISTER_TABLES = {"rectifications": "rectification", "development": "party_development",
                   "secretaries": "branch_secretary", "honours": "honour", "deployments": "deployment",
                   "profiles": "member_profile", "sites": "demonstration_site", "methods": "branch_method",
                   "zones": "duty_zone", "awards": "award"}
RATER_ALIASES = {"个人自评": "self", "党员互评": "peer", "组织评价": "org"}


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    header: the Chinese header of the template; ``aliases`` are other headers accepted.
    field: the database column (or, for ``ref`` columns, the column that stores the id).
    type: one of TYPES. ``choice`` columns list (label, stored value) pairs; ``ref`` columns
        name what they refer to (one of REFS), written as its id or its name.
    minimum/maximum: inclusive bounds of numbers; ``max_ref`` bounds a score by the max
        points of the indicator or dimension in the column whose field it names.
    """

    header: str
    field: str
    type: str
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    ref: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_ref: str | None = None
    decimals: int | None = None
    max_length: int | None = 200
    not_future: bool = False
    aliases: tuple[str, ...] = ()
    note: str = ""
    example: object = None
    stored: bool = True  # False: checked against the database but not stored (e.g. 姓名 for checking)

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"{self.header}: unknown column type {self.type!r}")
        if (self.type == "ref") != (self.ref is not None):
            raise ValueError(f"{self.header}: ref columns, and only they, name a reference")
        if self.ref is not None and self.ref not in REFS:
            raise ValueError(f"{self.header}: unknown reference {self.ref!r}")
        if (self.type == "choice") != bool(self.choices):
            raise ValueError(f"{self.header}: choice columns, and only they, list choices")

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.choices)

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """(minimum, maximum) of a number; a year without bounds of its own lies in 2000..2100."""
        if self.type == "year":
            return (2000 if self.minimum is None else self.minimum, 2100 if self.maximum is None else self.maximum)
        return self.minimum, self.maximum


@dataclass(frozen=True)
class Spec:
    """One importable dataset: its table, columns, natural key and re-import rule."""

    kind: str
    label: str
    table: str
    sheet: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    replaces: str  # how a re-import replaces stored rows, in Chinese ('' = never)
    description: str

    def column(self, field: str) -> Column:
        for column in self.columns:
            if column.field == field:
                return column
        raise KeyError(field)

    def position(self, field: str) -> int:
        """The column's index in ``columns`` (the order problems of one row are listed in)."""
        return [c.field for c in self.columns].index(field)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


def catalogue_labels(ref: str, cfg: config_mod.Config) -> tuple[str, ...]:
    """Names of the configured vanguard dimensions, assessment indicators or 四有 dimensions."""
    if ref == "vanguard_dimension":
        return tuple(d.name for d in cfg.vanguard.dimensions)
    if ref == "indicator":
        return tuple(i.name for i in cfg.assessment.indicators)
    if ref == "four_have_dimension":
        return tuple(i.name for i in cfg.four_have)
    raise KeyError(ref)


def catalogue_max_points(ref: str, cfg: config_mod.Config) -> tuple[float, ...]:
    """Max points of the configured assessment indicators or 四有 dimensions, in catalogue order."""
    items = cfg.assessment.indicators if ref == "indicator" else cfg.four_have
    return tuple(float(i.max_points) for i in items)


def by_kind(cfg: config_mod.Config | None = None) -> dict[str, Spec]:
    """Every table kind's spec, with catalogue names and examples from the configuration."""
    cfg = cfg or config_mod.load()
    shared = _SharedColumns(dt.date.today())
    out = [
        _org_units(),
        _members(shared),
        _vanguard_scores(shared, cfg),
        _branch_scores(shared, cfg),
        _four_have(shared, cfg),
        _activities(shared),
        _attendance(shared),
        _tasks(shared),
        _departments(shared),
        _department_performance(shared, cfg),
        _rectifications(shared),
        _development(shared),
        _secretaries(shared),
        _honours(shared),
        _deployments(shared),
        _profiles(shared),
        _sites(shared),
        _methods(shared),
        _transfers(shared, cfg),
        _zones(shared),
        _awards(shared, cfg),
    ]
    return {spec.kind: spec for spec in out}


def spec(kind: str, cfg: config_mod.Config | None = None) -> Spec:
    """The spec of one table kind; ValueError for 'wjx' (no template) or an unknown kind."""
    all_specs = by_kind(cfg)
    if kind not in all_specs:
        if kind == "wjx":
            raise ValueError("wjx imports are 问卷星 exports, not a template: download them from wjx.cn")
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(TABLE_KINDS)}")
    return all_specs[kind]


# --- header rows ----------------------------------------------------------------------------


def normalise_header(text: object) -> str:
    """A header as compared: full-width brackets and asterisks folded, blanks and '*' removed, lower case."""
    out = str(text or "")
    for a, b in (("（", "("), ("）", ")"), ("＊", "*")):
        out = out.replace(a, b)
    return re.sub(r"[\s*]", "", out).lower()


def match_headers(headers: list[str], spec: Spec) -> tuple[dict[str, int], list[str], list[tuple[str, str]]]:
    """Map spec fields to column positions by header, alias or field name.

    Returns (field -> column position, headers matching no column, (header, column header)
    pairs of a second column matching an already matched column).
    """
    names: dict[str, str] = {}
    for column in spec.columns:
        for name in (column.header, *column.aliases, column.field):
            names.setdefault(normalise_header(name), column.field)
    mapping: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: list[tuple[str, str]] = []
    for position, header in enumerate(headers):
        key = normalise_header(header)
        if not key:
            continue
        target = names.get(key)
        if target is None:
            unknown.append(str(header))
        elif target in mapping:
            duplicates.append((str(header), spec.column(target).header))
        else:
            mapping[target] = position
    return mapping, unknown, duplicates


# --- the specs ------------------------------------------------------------------------------


def _choices(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


class _SharedColumns:
    """Columns several kinds share, with examples dated relative to ``today``."""

    def __init__(self, today: dt.date) -> None:
        self.example_quarter = periods.shift(periods.quarter_of(today), -1)
        self.example_year = today.year - 1
        self.branch = Column("所在支部", "branch_id", "ref", ref="branch", aliases=("支部", "党支部", "支部名称", "支部编号"),
                             note="填写支部编号（如 B01）或系统中已有的支部全称", example="B01")
        self.quarter = Column("季度", "quarter", "quarter", not_future=True, aliases=("考核季度", "评价季度"),
                              note="如 2025Q3 或 2025年第3季度", example=self.example_quarter)
        self.member = Column("党员编号", "member_id", "ref", ref="member", aliases=("编号", "人员编号"),
                             note="系统中已有的党员编号", example="M0001")
        # An activity's or a task's owner: a branch as a rule, a 党总支 or the 党委 for their own.
        self.owner_aliases = ("单位", "所在单位", "所在支部", "支部", "党支部", "支部名称", "支部编号")
        self.owner_note = "填写党支部、党总支或党委的编号（如 B01）或全称；总支、党委自己组织的填总支或党委"


def _org_units() -> Spec:
    return Spec(
        "org_units", KIND_LABELS["org_units"], "org_unit", "组织架构",
        (
            Column("单位编号", "unit_id", "text", max_length=32, aliases=("编号",), note="唯一编号，如 C00、G01、B01",
                   example="B99"),
            Column("单位名称", "name", "text", aliases=("名称",), note="全院唯一，如 心血管内科党支部",
                   example="示例科室党支部"),
            Column("层级", "level", "choice",
                   choices=(("党委", "committee"), ("党总支", "general_branch"), ("党支部", "branch")),
                   note="医院党委只有一个，无上级单位", example="党支部"),
            Column("上级单位", "parent_id", "ref", ref="unit", required=False, aliases=("上级单位编号",),
                   note="上级单位的编号或名称；党委不填，党总支填党委，党支部填党总支或党委", example="G01"),
            Column("所在科室", "department", "text", required=False, aliases=("科室",), example="示例科室"),
            Column("成立日期", "founded_on", "date", required=False, not_future=True, example=dt.date(2020, 7, 1)),
        ),
        key=("unit_id",),
        replaces="",
        description="党委、党总支、党支部的层级关系。上级单位可以是本文件中较早层级的单位。",
    )


def _members(shared: _SharedColumns) -> Spec:
    return Spec(
        "members", KIND_LABELS["members"], "member", "党员名单",
        (
            Column("党员编号", "member_id", "text", max_length=32, aliases=("编号", "人员编号"),
                   note="全院唯一编号", example="M9999"),
            Column("姓名", "name", "text", max_length=50, example="张示例"),
            shared.branch,
            Column("性别", "gender", "choice", required=False, choices=_choices("男", "女"), example="女"),
            Column("出生年份", "birth_year", "int", required=False, minimum=1920, maximum=2015, example=1985),
            Column("党内职务", "party_role", "choice", choices=_choices("书记", "副书记", "委员", "党员", "预备党员"),
                   aliases=("职务",), example="党员"),
            Column("职业类别", "profession", "choice", choices=_choices(*PROFESSIONS),
                   aliases=("岗位类别", "职业"), example="护士"),
            Column("入党日期", "joined_on", "date", not_future=True, aliases=("入党时间",),
                   note="预备党员填写接收为预备党员的日期；不早于 1921-07-01", example=dt.date(2012, 7, 1)),
            Column("示范岗", "honour_post", "choice", required=False,
                   choices=_choices("服务", "技能", "创新", "绩效", "管理", "领航"),
                   aliases=("党员示范岗", "先锋岗"), note="党员示范岗/先锋岗类别；学生党员为“领航”，无则不填",
                   example="服务"),
            Column("责任区", "duty_zone", "text", required=False, aliases=("党员责任区",), example="示例科室党员责任区"),
            Column("在册", "active", "choice", required=False, choices=YES_NO,
                   note="不填视为“是”；转出、去世等填“否”", example="是"),
        ),
        key=("member_id",),
        replaces="",
        description="每行一名党员。已在系统中的党员编号会被报告为重复（名单不覆盖，变更请联系管理员）。",
    )


def _vanguard_scores(shared: _SharedColumns, cfg: config_mod.Config) -> Spec:
    return Spec(
        "vanguard_scores", KIND_LABELS["vanguard_scores"], "vanguard_score", "先锋指数评分",
        (
            shared.quarter,
            shared.member,
            Column("姓名", "member_name", "text", required=False, stored=False, max_length=50,
                   note="选填，用于核对：与党员编号对应的姓名不一致时报错", example="张三"),
            Column("评价维度", "dimension_id", "ref", ref="vanguard_dimension", aliases=("维度",),
                   example=cfg.vanguard.dimensions[0].name),
            Column("评价主体", "rater", "choice", choices=RATERS, aliases=("评价方式", "评分主体"),
                   note="自评（个人自评）、互评（党员互评）或组织评定", example="自评"),
            Column("得分", "score", "decimal", minimum=0, maximum=100, decimals=2, aliases=("分数",),
                   note="百分制", example=92.5),
        ),
        key=("quarter", "member_id", "dimension_id", "rater"),
        replaces="重新导入某季度某支部的评分，将整体替换该季度该支部（按党员当前所在支部）已有的评分",
        description="每行是一名党员在一个季度、一个维度上、一种评价主体给出的得分。",
    )


def _branch_scores(shared: _SharedColumns, cfg: config_mod.Config) -> Spec:
    first = cfg.assessment.indicators[0]
    return Spec(
        "branch_scores", KIND_LABELS["branch_scores"], "branch_score", "支部考核得分",
        (
            shared.quarter,
            shared.branch,
            Column("考核指标", "indicator_id", "ref", ref="indicator", aliases=("指标", "指标名称"), example=first.name),
            Column("得分", "score", "decimal", minimum=0, max_ref="indicator_id", decimals=2, aliases=("分数",),
                   note="0 至该指标满分", example=float(first.max_points) - 1),
        ),
        key=("quarter", "branch_id", "indicator_id"),
        replaces="重新导入某季度的得分，将整体替换该季度全部支部已有的得分",
        description=f"每行是一个支部在一个季度、一项指标上的得分；{len(cfg.assessment.indicators)} 项指标满分合计 100 分。",
    )


def _four_have(shared: _SharedColumns, cfg: config_mod.Config) -> Spec:
    first = cfg.four_have[0]
    return Spec(
        "four_have", KIND_LABELS["four_have"], "four_have_score", "四有评价",
        (
            Column("年度", "year", "year", not_future=True, aliases=("年份", "评价年度"), example=shared.example_year),
            shared.branch,
            Column("评价维度", "dimension_id", "ref", ref="four_have_dimension", aliases=("维度",), example=first.name),
            Column("自评得分", "self_score", "decimal", required=False, minimum=0, max_ref="dimension_id",
                   decimals=2, example=float(first.max_points) - 2),
            Column("评定得分", "score", "decimal", minimum=0, max_ref="dimension_id", decimals=2,
                   aliases=("得分",), example=float(first.max_points) - 3),
        ),
        key=("year", "branch_id", "dimension_id"),
        replaces="重新导入某年度的评价，将整体替换该年度全部支部已有的评价",
        description="每行是一个支部在一个年度、一个“四有”维度上的自评与评定得分。",
    )


def _activities(shared: _SharedColumns) -> Spec:
    return Spec(
        "activities", KIND_LABELS["activities"], "activity", "支部活动",
        (
            Column("活动编号", "activity_id", "text", max_length=40, aliases=("编号",),
                   note="全院唯一编号，出勤记录按此编号对应", example="A2025-0001"),
            Column("举办单位", "unit_id", "ref", ref="owner", aliases=shared.owner_aliases + ("组织单位",),
                   note=shared.owner_note, example="B01"),
            Column("活动类型", "activity_type", "choice", choices=_choices(*ACTIVITY_TYPES), aliases=("类型",),
                   example="主题党日"),
            Column("活动主题", "title", "text", aliases=("主题", "活动名称"), example="示例主题党日"),
            Column("活动日期", "held_on", "date", not_future=True, aliases=("日期",),
                   example=dt.date(shared.example_year, 7, 1)),
            Column("服务人次", "people_served", "int", required=False, minimum=0, maximum=10_000_000,
                   note="义诊、志愿服务等服务的群众人次，不填为 0", example=0),
            Column("时长（小时）", "hours", "decimal", required=False, minimum=0, maximum=2000, decimals=1,
                   aliases=("时长", "小时数"), note="不填为 0", example=2),
            Column("授课人", "lecturer", "text", required=False, max_length=50, aliases=("主讲人",),
                   note="仅党课填写：讲课人姓名", example=None),
            Column("授课人身份", "lecturer_role", "choice", required=False, choices=LECTURER_ROLES,
                   aliases=("主讲人身份",), note="仅党课填写，与授课人一并填写", example=None),
        ),
        key=("activity_id",),
        replaces="",
        description="每行一次活动。出勤情况另用“活动出勤”模板导入。",
    )


def _attendance(shared: _SharedColumns) -> Spec:
    return Spec(
        "attendance", KIND_LABELS["attendance"], "attendance", "活动出勤",
        (
            Column("活动编号", "activity_id", "ref", ref="activity", note="已导入的活动编号", example="A2025-0001"),
            shared.member,
            Column("姓名", "member_name", "text", required=False, stored=False, max_length=50,
                   note="选填，用于核对", example="张三"),
            Column("出勤情况", "status", "choice", choices=_choices("出席", "请假", "缺席"), aliases=("出勤", "状态"),
                   example="出席"),
        ),
        key=("activity_id", "member_id"),
        replaces="重新导入某次活动的出勤，将整体替换该活动已有的出勤记录",
        description="每行是一名党员在一次活动中的出勤情况。",
    )


def _tasks(shared: _SharedColumns) -> Spec:
    year = shared.example_year
    return Spec(
        "tasks", KIND_LABELS["tasks"], "service_task", "办实事任务",
        (
            Column("任务编号", "task_id", "text", max_length=40, aliases=("编号",), example="T2025-01"),
            Column("任务名称", "title", "text", aliases=("任务", "名称"), note="全院唯一", example="示例：优化门诊预约流程"),
            Column("责任单位", "unit_id", "ref", ref="owner", aliases=shared.owner_aliases + ("责任支部",),
                   note=shared.owner_note + "；全院性项目填党委", example="B01"),
            Column("类别", "category", "text", aliases=("任务类别",), example="便民服务"),
            Column("状态", "status", "choice", choices=_choices("未开始", "进行中", "已完成"), aliases=("进展",),
                   example="进行中"),
            Column("开始日期", "started_on", "date", example=dt.date(year, 3, 1)),
            Column("计划完成日期", "due_on", "date", aliases=("计划完成时间",), example=dt.date(year, 12, 31)),
            Column("实际完成日期", "completed_on", "date", required=False, not_future=True, aliases=("完成日期",),
                   note="状态为“已完成”时必填，否则不填", example=None),
        ),
        key=("task_id",),
        replaces="任务编号已存在的任务将被本文件中的内容替换（用于更新进展）",
        description="每行一项“我为群众办实事”任务。",
    )


def _departments(shared: _SharedColumns) -> Spec:
    return Spec(
        "departments", KIND_LABELS["departments"], "department_branch", "科室与支部",
        (
            Column("科室编号", "department_id", "text", max_length=40, aliases=("科室代码",),
                   note="医院自己的科室编码（如 HIS 科室代码），科室业绩指标按此编号对应", example="K0101"),
            Column("科室名称", "department_name", "text", max_length=60, aliases=("科室",), example="示例科室"),
            Column("科室类型", "department_type", "choice", choices=_choices(*config_mod.DEPARTMENT_TYPES),
                   aliases=("类型", "科室类别"), note="用于按科室类型控制的关联分析", example="内科"),
            shared.branch,
            Column("起始季度", "from_quarter", "quarter", aliases=("生效季度", "自季度"),
                   note="科室从该季度起属于该支部，直到该科室下一条记录的起始季度", example=shared.example_quarter),
            Column("职工人数", "staff", "int", minimum=1, maximum=100_000, aliases=("人数", "科室人数"),
                   note="一个支部对应多个科室时，按职工人数加权合并各科室指标", example=40),
        ),
        key=("department_id", "from_quarter"),
        replaces="科室编号与起始季度都相同的记录将被本文件中的内容替换（用于更正对应关系）",
        description="每行是一个科室从某季度起所属的党支部。一个支部可以对应多个科室；科室改属其他支部时，"
                    "新增一行并填写新的起始季度。",
    )


def _department_performance(shared: _SharedColumns, cfg: config_mod.Config) -> Spec:
    first = cfg.business.indicators[0]
    return Spec(
        "department_performance", KIND_LABELS["department_performance"], "department_performance", "科室业绩指标",
        (
            shared.quarter,
            Column("科室", "department_id", "ref", ref="department", aliases=("科室编号", "科室代码", "科室名称"),
                   note="已导入“科室与支部对应”的科室编号或名称", example="K0101"),
            Column("业绩指标", "indicator_id", "choice",
                   choices=tuple((i.name, i.id) for i in cfg.business.indicators),
                   aliases=("指标", "指标名称", "指标编号"), note="配置中的科室业绩指标（名称或编号）", example=first.name),
            Column("指标值", "value", "decimal", decimals=4, aliases=("数值", "值"),
                   note="按该指标的单位填写（如百分比填 28.4，不填 0.284）", example=1.05),
        ),
        key=("quarter", "department_id", "indicator_id"),
        replaces="重新导入某季度某项指标的数据，将整体替换该季度该指标全部科室已有的数据",
        description="每行是一个科室在一个季度、一项业绩指标上的数值（多来自三级公立医院绩效考核已上报的数据）。",
    )


# --- registers (issue #17) ------------------------------------------------------------------


def _flag(header: str, field: str, note: str, *, aliases: tuple[str, ...] = ()) -> Column:
    """An optional 是/否 column, stored as a boolean (empty: 否)."""
    return Column(header, field, "choice", required=False, choices=YES_NO, aliases=aliases, note=note + "；不填视为“否”",
                  example="否")


def _rectifications(shared: _SharedColumns) -> Spec:
    year = shared.example_year
    return Spec(
        "rectifications", KIND_LABELS["rectifications"], "rectification", "整改台账",
        (
            Column("整改编号", "rectification_id", "text", max_length=40, aliases=("编号",), example=f"R{year}-01"),
            shared.branch,
            Column("认定年度", "year", "year", not_future=True, aliases=("年度",), example=year),
            Column("认定日期", "designated_on", "date", not_future=True, example=dt.date(year, 1, 20)),
            Column("认定单位", "designated_by", "text", max_length=60, aliases=("认定人", "认定机构"), example="医院党委"),
            Column("软弱涣散情形", "reasons", "text", max_length=500, aliases=("主要问题", "认定原因"),
                   example="组织生活不经常、不认真"),
            Column("整改措施", "measures", "text", max_length=1000, aliases=("措施",), example="党委委员联系指导，每月督查"),
            Column("整改责任人", "responsible", "text", max_length=50, aliases=("责任人",), example="张三"),
            Column("整改期限", "deadline", "date", aliases=("完成时限", "期限"), example=dt.date(year, 12, 31)),
            Column("整改进展", "progress", "text", required=False, max_length=1000, aliases=("进展情况",),
                   example="已完成支委会调整"),
            Column("销号日期", "closed_on", "date", required=False, not_future=True, aliases=("销号时间",),
                   note="整改验收合格、予以销号的日期；未销号不填", example=None),
            Column("复评得分", "reassessment_score", "decimal", required=False, minimum=0, maximum=100, decimals=2,
                   aliases=("验收得分",), note="销号所依据的复评得分（百分制）；销号时必填", example=None),
        ),
        key=("rectification_id",),
        replaces="整改编号已存在的记录将被本文件中的内容替换（用于更新进展和销号）",
        description="每行是一个被认定为软弱涣散的党支部的一次整改，从认定、措施、期限到销号。",
    )


def _development(shared: _SharedColumns) -> Spec:
    year = shared.example_year
    return Spec(
        "development", KIND_LABELS["development"], "party_development", "党员发展",
        (
            Column("人员编号", "person_id", "text", max_length=40, aliases=("编号",), note="全院唯一编号",
                   example=f"D{year}-001"),
            Column("姓名", "name", "text", max_length=50, example="李示例"),
            shared.branch,
            Column("职业类别", "profession", "choice", required=False, choices=_choices(*PROFESSIONS),
                   aliases=("岗位类别",), example="医生"),
            _flag("业务骨干", "backbone", "双培养：业务骨干填“是”", aliases=("是否业务骨干",)),
            _flag("高知", "high_talent", "高级职称或博士学位填“是”", aliases=("高知群体", "是否高知")),
            Column("递交申请日期", "applied_on", "date", not_future=True, aliases=("入党申请日期", "申请日期"),
                   example=dt.date(year - 2, 3, 1)),
            Column("确定积极分子日期", "activist_on", "date", required=False, not_future=True,
                   aliases=("积极分子日期",), example=dt.date(year - 2, 9, 1)),
            Column("确定发展对象日期", "candidate_on", "date", required=False, not_future=True,
                   aliases=("发展对象日期",), example=dt.date(year - 1, 10, 1)),
            Column("接收预备党员日期", "probationary_on", "date", required=False, not_future=True,
                   aliases=("预备党员日期", "入党日期"), example=dt.date(year, 1, 10)),
            Column("转正日期", "full_on", "date", required=False, not_future=True, aliases=("转为正式党员日期",),
                   note="预备期一年，转正日期不早于接收预备党员满一年", example=None),
        ),
        key=("person_id",),
        replaces="人员编号已存在的记录将被本文件中的内容替换（用于登记新的发展阶段）",
        description="每行一名入党申请人，逐阶段填写到达日期：入党申请人、积极分子、发展对象、预备党员、正式党员。",
    )


def _secretaries(shared: _SharedColumns) -> Spec:
    year = shared.example_year
    return Spec(
        "secretaries", KIND_LABELS["secretaries"], "branch_secretary", "支部书记",
        (
            shared.branch,
            Column("书记姓名", "name", "text", max_length=50, aliases=("姓名", "支部书记"), example="王示例"),
            Column("任期开始日期", "term_start", "date", not_future=True, aliases=("任职日期", "选举日期"),
                   example=dt.date(year - 1, 6, 1)),
            Column("任期届满日期", "term_due", "date", aliases=("届满日期", "换届日期"), note="支部委员会每届任期一般为三年",
                   example=dt.date(year + 2, 6, 1)),
            Column("兼任科室主任", "department_head", "choice", choices=YES_NO, aliases=("科室负责人",),
                   note="书记同时是科室主任或负责人填“是”", example="是"),
            Column("学科带头人", "discipline_leader", "choice", choices=YES_NO, aliases=("是否学科带头人",), example="否"),
        ),
        key=("branch_id", "term_start"),
        replaces="支部与任期开始日期都相同的记录将被本文件中的内容替换",
        description="每行是一个支部的一届书记任期。换届后新增一行；最近开始的一届是现任。",
    )


def _honours(shared: _SharedColumns) -> Spec:
    return Spec(
        "honours", KIND_LABELS["honours"], "honour", "荣誉表彰",
        (
            Column("荣誉编号", "honour_id", "text", max_length=40, aliases=("编号",), example=f"H{shared.example_year}-01"),
            Column("年度", "year", "year", not_future=True, example=shared.example_year),
            Column("荣誉名称", "title", "text", max_length=60, aliases=("荣誉", "称号"),
                   note="如 模范党支部、星级党支部、先进基层党组织、优秀共产党员、优秀党务工作者", example="模范党支部"),
            Column("级别", "level", "choice", choices=_choices(*HONOUR_LEVELS), aliases=("表彰级别",), example="院级"),
            shared.branch,
            Column("党员编号", "member_id", "ref", ref="member", required=False, aliases=("获奖党员编号",),
                   note="表彰党员时填写；表彰支部不填", example=None),
            Column("星级", "stars", "int", required=False, minimum=1, maximum=5,
                   note="星级党支部填 1 至 5；其他荣誉不填", example=None),
        ),
        key=("honour_id",),
        replaces="荣誉编号已存在的记录将被本文件中的内容替换",
        description="每行一项表彰：表彰支部时只填支部；表彰党员时另填党员编号，支部填其获奖时所在支部。",
    )


def _deployments(shared: _SharedColumns) -> Spec:
    year = shared.example_year
    return Spec(
        "deployments", KIND_LABELS["deployments"], "deployment", "援派人员",
        (
            Column("派出编号", "deployment_id", "text", max_length=40, aliases=("编号",), example=f"P{year}-01"),
            Column("姓名", "name", "text", max_length=50, example="赵示例"),
            shared.branch,
            Column("党员编号", "member_id", "ref", ref="member", required=False,
                   note="党员填写；非党员不填", example=None),
            Column("任务类别", "mission", "choice", choices=_choices(*MISSIONS), aliases=("类别", "援派类别"), example="援疆"),
            Column("派往地", "destination", "text", max_length=60, aliases=("目的地", "派驻单位"), example="新疆某县人民医院"),
            Column("承担工作", "role", "text", required=False, max_length=60, aliases=("岗位", "职务"), example="医疗队员"),
            Column("号召日期", "called_on", "date", required=False, not_future=True, aliases=("动员日期",),
                   note="医院发出号召、征集人员的日期", example=dt.date(year, 2, 1)),
            Column("请战日期", "volunteered_on", "date", required=False, not_future=True, aliases=("报名日期",),
                   example=dt.date(year, 2, 2)),
            Column("出发日期", "started_on", "date", not_future=True, aliases=("开始日期",), example=dt.date(year, 3, 1)),
            Column("返回日期", "ended_on", "date", required=False, not_future=True, aliases=("结束日期",),
                   note="尚未返回不填", example=dt.date(year, 8, 31)),
        ),
        key=("deployment_id",),
        replaces="派出编号已存在的记录将被本文件中的内容替换（用于登记返回日期）",
        description="每行是一人的一次援派或抗疫任务；非党员也登记，以便计算党员占比。",
    )


def _profiles(shared: _SharedColumns) -> Spec:
    return Spec(
        "profiles", KIND_LABELS["profiles"], "member_profile", "职称学历",
        (
            shared.member,
            Column("姓名", "member_name", "text", required=False, stored=False, max_length=50,
                   note="选填，用于核对", example="张三"),
            Column("职称", "title", "choice", required=False, choices=_choices(*TITLES), aliases=("专业技术职称",),
                   note="学生、无职称填“无”", example="中级"),
            Column("学历", "education", "choice", required=False, choices=_choices(*EDUCATIONS), aliases=("最高学历",),
                   example="大学本科"),
            _flag("一线岗位", "front_line", "在临床、护理、医技一线岗位填“是”", aliases=("一线", "是否一线")),
            _flag("离退休", "retired", "离退休党员填“是”（离退休党员不在一线岗位）", aliases=("是否离退休",)),
        ),
        key=("member_id",),
        replaces="党员编号已存在的记录将被本文件中的内容替换（职称、学历、岗位变化时重新导入）",
        description="每行一名党员的职称、学历、是否一线岗位、是否离退休，用于党员结构分析。出生年份在党员名单中。",
    )


def _sites(shared: _SharedColumns) -> Spec:
    return Spec(
        "sites", KIND_LABELS["sites"], "demonstration_site", "示范点",
        (
            Column("年度", "year", "year", not_future=True, aliases=("命名年度",), example=shared.example_year),
            shared.branch,
            Column("示范点称号", "title", "text", max_length=80, aliases=("称号", "名称"), example="“四有”示范点"),
        ),
        key=("branch_id", "year", "title"),
        replaces="支部、年度、称号都相同的记录将被替换",
        description="每行是一个支部在一个年度被命名的党建示范点。",
    )


def _methods(shared: _SharedColumns) -> Spec:
    return Spec(
        "methods", KIND_LABELS["methods"], "branch_method", "工作法与品牌",
        (
            Column("编号", "method_id", "text", max_length=40, aliases=("品牌编号",), example=f"GZF{shared.example_year}-01"),
            shared.branch,
            Column("类别", "kind", "choice", choices=_choices("支部工作法", "党建品牌"), example="支部工作法"),
            Column("名称", "name", "text", max_length=80, aliases=("工作法名称", "品牌名称"), example="示例工作法"),
            Column("提出年度", "year", "year", not_future=True, aliases=("年度",), example=shared.example_year),
            Column("简介", "summary", "text", required=False, max_length=500, aliases=("内容简介",),
                   example="支部书记与科室主任共同谋划党建和业务"),
        ),
        key=("method_id",),
        replaces="编号已存在的记录将被本文件中的内容替换",
        description="每行是一个支部总结提炼的一项支部工作法或党建品牌。",
    )


def _transfers(shared: _SharedColumns, cfg: config_mod.Config) -> Spec:
    year = shared.example_year
    sides = {"required": "必填", "empty": "不填", "optional": "选填"}
    rules = "；".join(f"{r.name}：调出支部{sides[r.from_branch]}、调入支部{sides[r.to_branch]}" for r in cfg.transfer_reasons)
    return Spec(
        "transfers", KIND_LABELS["transfers"], "member_transfer", "党员调动",
        (
            shared.member,
            Column("姓名", "member_name", "text", required=False, stored=False, max_length=50,
                   note="选填，用于核对", example="张三"),
            Column("调出支部", "from_branch_id", "ref", ref="branch", required=False, aliases=("原支部", "转出支部"),
                   note="党员调动前所在支部（编号或全称）；从院外转入不填", example="B01"),
            Column("调入支部", "to_branch_id", "ref", ref="branch", required=False, aliases=("新支部", "接收支部"),
                   note="党员调动后所在支部；转出院外不填", example="B02"),
            Column("生效日期", "effective_on", "date", not_future=True, aliases=("调动日期", "转接日期"),
                   note="组织关系转接生效之日：当日起属于调入支部；季度末所在支部计入该季度", example=dt.date(year, 7, 1)),
            Column("调动原因", "reason", "choice", choices=_choices(*(r.name for r in cfg.transfer_reasons)),
                   aliases=("原因", "类别"), note=rules, example=cfg.transfer_reasons[0].name),
            Column("备注", "note", "text", required=False, max_length=200, example=None),
        ),
        key=("member_id", "effective_on"),
        replaces="",
        description="每行是一名党员的一次组织关系调动。同一党员的调动按生效日期依次登记，"
                    "调出支部须是其当时所在支部；登记有误时撤销该批次后重新导入。",
    )


def _zones(shared: _SharedColumns) -> Spec:
    return Spec(
        "zones", KIND_LABELS["zones"], "duty_zone", "党员责任区",
        (
            Column("责任区编号", "zone_id", "text", max_length=40, aliases=("编号",), example="Z01"),
            Column("责任区名称", "name", "text", max_length=60, aliases=("名称",), example="心血管内科一病区党员责任区"),
            Column("病区", "ward", "text", max_length=40, aliases=("所在病区",), example="心血管内科一病区"),
            shared.branch,
            Column("责任党员编号", "member_id", "ref", ref="member", aliases=("责任人编号", "党员编号"),
                   note="负责该责任区的党员", example="M0001"),
            Column("设立日期", "established_on", "date", required=False, not_future=True, aliases=("设立时间",),
                   example=dt.date(shared.example_year, 1, 1)),
        ),
        key=("zone_id",),
        replaces="责任区编号已存在的记录将被本文件中的内容替换（用于更换责任党员）",
        description="每行一个党员责任区：所在病区、所属支部和负责的党员。",
    )


def _awards(shared: _SharedColumns, cfg: config_mod.Config) -> Spec:
    kinds = tuple((k.name, k.id) for k in cfg.award_kinds)
    return Spec(
        "awards", KIND_LABELS["awards"], "award", "季度评选",
        (
            Column("评选编号", "award_id", "text", max_length=40, aliases=("编号",), example=f"XF{shared.example_quarter}-01"),
            shared.quarter,
            Column("类别", "kind", "choice", choices=kinds, aliases=("评选类别", "先锋岗类别"), example=kinds[0][0]),
            shared.branch,
            Column("党员编号", "member_id", "ref", ref="member", required=False, aliases=("获评党员编号",),
                   note="先锋岗填写获评党员；红旗责任区不填", example="M0001"),
            Column("责任区编号", "zone_id", "ref", ref="zone", required=False, aliases=("责任区",),
                   note="红旗责任区填写责任区编号或名称；先锋岗不填", example=None),
        ),
        key=("award_id",),
        replaces="评选编号已存在的记录将被本文件中的内容替换",
        description="每行一项季度评选结果：先锋岗评给党员（领航先锋岗限学生党员），红旗责任区评给党员责任区。",
    )
