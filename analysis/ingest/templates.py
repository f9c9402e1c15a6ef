"""What each import looks like: one column spec per dataset, and the Excel templates built from it.

The spec is the single source for the template a hospital fills in (Chinese headers, the
instructions sheet, drop-down lists, the example row) and for the importer's validation
(header matching, types, ranges, allowed values, references). A value may be written as the
label shown in the template ("自评", "党支部") or as the stored code ("self", "branch"), so a
DataFrame built by a program imports as well as a file typed by hand.

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
wjx                survey, survey_*     (never: each export is a new survey)
=================  ===================  ================================================
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from analysis import config as config_mod
from analysis import periods

TYPES = ("text", "int", "decimal", "date", "quarter", "year", "choice", "ref")
REFS = ("unit", "branch", "member", "vanguard_dimension", "indicator", "four_have_dimension", "activity")

INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "选项"
TEMPLATE_ROWS = 5000  # rows that get the drop-down lists and checks in the template

ACTIVITY_TYPES = ("支部党员大会", "支委会", "党小组会", "党课", "主题党日", "义诊", "志愿服务",
                  "健康扶贫", "培训", "讲党课比赛", "援派", "其他")


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

    def format_zh(self) -> str:
        """The column's format in words, for the instructions sheet."""
        kind = {
            "text": "文本", "int": "整数", "decimal": "数字", "date": "日期，如 2025-03-31",
            "quarter": "季度，如 2025Q3 或 2025年第3季度", "year": "年份，如 2025", "choice": "从下拉列表选择",
            "ref": {
                "unit": "单位编号或名称", "branch": "支部编号或支部名称", "member": "党员编号",
                "vanguard_dimension": "评价维度名称", "indicator": "考核指标名称",
                "four_have_dimension": "“四有”维度名称", "activity": "活动编号",
            }.get(self.ref or "", "编号"),
        }[self.type]
        if self.decimals is not None:
            kind += f"，最多 {self.decimals} 位小数"
        return kind

    def range_zh(self, cfg: config_mod.Config) -> str:
        """Allowed values or range, for the instructions sheet."""
        if self.type == "choice":
            return "、".join(self.labels)
        if self.type == "ref" and self.ref in ("vanguard_dimension", "indicator", "four_have_dimension"):
            return "、".join(catalogue_labels(self.ref, cfg))
        parts = []
        if self.max_ref:
            parts.append("0 至该指标（维度）满分")
        elif self.minimum is not None and self.maximum is not None:
            parts.append(f"{_num(self.minimum)} 至 {_num(self.maximum)}")
        elif self.minimum is not None:
            parts.append(f"不小于 {_num(self.minimum)}")
        if self.not_future:
            parts.append("不晚于今天（当前季度）")
        return "；".join(parts)


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

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def example_row(self) -> dict[str, object]:
        return {c.header: c.example for c in self.columns}


KIND_LABELS: dict[str, str] = {
    "org_units": "组织架构",
    "members": "党员名单",
    "vanguard_scores": "党员先锋指数评分",
    "branch_scores": "支部季度考核得分",
    "four_have": "“四有”评价得分",
    "activities": "支部活动",
    "attendance": "活动出勤",
    "tasks": "我为群众办实事任务",
    "wjx": "问卷星问卷导出",
}
KINDS = tuple(KIND_LABELS)
TABLE_KINDS = tuple(k for k in KINDS if k != "wjx")

RATERS = (("自评", "self"), ("互评", "peer"), ("组织评定", "org"))
RATER_ALIASES = {"个人自评": "self", "党员互评": "peer", "组织评价": "org"}


def _choices(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


def catalogue_labels(ref: str, cfg: config_mod.Config) -> tuple[str, ...]:
    """Names of the configured vanguard dimensions, assessment indicators or 四有 dimensions."""
    if ref == "vanguard_dimension":
        return tuple(d.name for d in cfg.vanguard.dimensions)
    if ref == "indicator":
        return tuple(i.name for i in cfg.assessment.indicators)
    if ref == "four_have_dimension":
        return tuple(i.name for i in cfg.four_have)
    raise KeyError(ref)


def _max_points(ref: str, cfg: config_mod.Config) -> tuple[float, ...]:
    items = cfg.assessment.indicators if ref == "indicator" else cfg.four_have
    return tuple(float(i.max_points) for i in items)


def specs(cfg: config_mod.Config | None = None) -> dict[str, Spec]:
    """Every table kind's spec, with catalogue names and examples from the configuration."""
    cfg = cfg or config_mod.load()
    this_quarter = periods.quarter_of(dt.date.today())
    example_quarter = periods.shift(this_quarter, -1)
    example_year = dt.date.today().year - 1
    first_dim = cfg.vanguard.dimensions[0].name
    first_indicator = cfg.assessment.indicators[0]
    first_four = cfg.four_have[0]
    branch = Column("所在支部", "branch_id", "ref", ref="branch", aliases=("支部", "党支部", "支部名称", "支部编号"),
                    note="填写支部编号（如 B01）或系统中已有的支部全称", example="B01")
    quarter = Column("季度", "quarter", "quarter", not_future=True, aliases=("考核季度", "评价季度"),
                     note="如 2025Q3 或 2025年第3季度", example=example_quarter)
    member = Column("党员编号", "member_id", "ref", ref="member", aliases=("编号", "人员编号"),
                    note="系统中已有的党员编号", example="M0001")
    out = [
        Spec(
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
        ),
        Spec(
            "members", KIND_LABELS["members"], "member", "党员名单",
            (
                Column("党员编号", "member_id", "text", max_length=32, aliases=("编号", "人员编号"),
                       note="全院唯一编号", example="M9999"),
                Column("姓名", "name", "text", max_length=50, example="张示例"),
                branch,
                Column("性别", "gender", "choice", required=False, choices=_choices("男", "女"), example="女"),
                Column("出生年份", "birth_year", "int", required=False, minimum=1920, maximum=2015, example=1985),
                Column("党内职务", "party_role", "choice", choices=_choices("书记", "副书记", "委员", "党员", "预备党员"),
                       aliases=("职务",), example="党员"),
                Column("职业类别", "profession", "choice", choices=_choices("医生", "护士", "医技", "药学", "行政后勤", "学生"),
                       aliases=("岗位类别", "职业"), example="护士"),
                Column("入党日期", "joined_on", "date", not_future=True, aliases=("入党时间",),
                       note="预备党员填写接收为预备党员的日期；不早于 1921-07-01", example=dt.date(2012, 7, 1)),
                Column("示范岗", "honour_post", "choice", required=False,
                       choices=_choices("服务", "技能", "创新", "绩效", "管理", "领航"),
                       aliases=("党员示范岗", "先锋岗"), note="党员示范岗/先锋岗类别；学生党员为“领航”，无则不填",
                       example="服务"),
                Column("责任区", "duty_zone", "text", required=False, aliases=("党员责任区",), example="示例科室党员责任区"),
                Column("在册", "active", "choice", required=False, choices=(("是", "true"), ("否", "false")),
                       note="不填视为“是”；转出、去世等填“否”", example="是"),
            ),
            key=("member_id",),
            replaces="",
            description="每行一名党员。已在系统中的党员编号会被报告为重复（名单不覆盖，变更请联系管理员）。",
        ),
        Spec(
            "vanguard_scores", KIND_LABELS["vanguard_scores"], "vanguard_score", "先锋指数评分",
            (
                quarter,
                member,
                Column("姓名", "member_name", "text", required=False, stored=False, max_length=50,
                       note="选填，用于核对：与党员编号对应的姓名不一致时报错", example="张三"),
                Column("评价维度", "dimension_id", "ref", ref="vanguard_dimension", aliases=("维度",), example=first_dim),
                Column("评价主体", "rater", "choice", choices=RATERS, aliases=("评价方式", "评分主体"),
                       note="自评（个人自评）、互评（党员互评）或组织评定", example="自评"),
                Column("得分", "score", "decimal", minimum=0, maximum=100, decimals=2, aliases=("分数",),
                       note="百分制", example=92.5),
            ),
            key=("quarter", "member_id", "dimension_id", "rater"),
            replaces="重新导入某季度某支部的评分，将整体替换该季度该支部（按党员当前所在支部）已有的评分",
            description="每行是一名党员在一个季度、一个维度上、一种评价主体给出的得分。",
        ),
        Spec(
            "branch_scores", KIND_LABELS["branch_scores"], "branch_score", "支部考核得分",
            (
                quarter,
                branch,
                Column("考核指标", "indicator_id", "ref", ref="indicator", aliases=("指标", "指标名称"),
                       example=first_indicator.name),
                Column("得分", "score", "decimal", minimum=0, max_ref="indicator_id", decimals=2, aliases=("分数",),
                       note="0 至该指标满分", example=float(first_indicator.max_points) - 1),
            ),
            key=("quarter", "branch_id", "indicator_id"),
            replaces="重新导入某季度的得分，将整体替换该季度全部支部已有的得分",
            description=f"每行是一个支部在一个季度、一项指标上的得分；{len(cfg.assessment.indicators)} 项指标满分合计 100 分。",
        ),
        Spec(
            "four_have", KIND_LABELS["four_have"], "four_have_score", "四有评价",
            (
                Column("年度", "year", "year", not_future=True, aliases=("年份", "评价年度"), example=example_year),
                branch,
                Column("评价维度", "dimension_id", "ref", ref="four_have_dimension", aliases=("维度",),
                       example=first_four.name),
                Column("自评得分", "self_score", "decimal", required=False, minimum=0, max_ref="dimension_id",
                       decimals=2, example=float(first_four.max_points) - 2),
                Column("评定得分", "score", "decimal", minimum=0, max_ref="dimension_id", decimals=2,
                       aliases=("得分",), example=float(first_four.max_points) - 3),
            ),
            key=("year", "branch_id", "dimension_id"),
            replaces="重新导入某年度的评价，将整体替换该年度全部支部已有的评价",
            description="每行是一个支部在一个年度、一个“四有”维度上的自评与评定得分。",
        ),
        Spec(
            "activities", KIND_LABELS["activities"], "activity", "支部活动",
            (
                Column("活动编号", "activity_id", "text", max_length=40, aliases=("编号",),
                       note="全院唯一编号，出勤记录按此编号对应", example="A2025-0001"),
                branch,
                Column("活动类型", "activity_type", "choice", choices=_choices(*ACTIVITY_TYPES), aliases=("类型",),
                       example="主题党日"),
                Column("活动主题", "title", "text", aliases=("主题", "活动名称"), example="示例主题党日"),
                Column("活动日期", "held_on", "date", not_future=True, aliases=("日期",), example=dt.date(example_year, 7, 1)),
                Column("服务人次", "people_served", "int", required=False, minimum=0, maximum=10_000_000,
                       note="义诊、志愿服务等服务的群众人次，不填为 0", example=0),
                Column("时长（小时）", "hours", "decimal", required=False, minimum=0, maximum=2000, decimals=1,
                       aliases=("时长", "小时数"), note="不填为 0", example=2),
            ),
            key=("activity_id",),
            replaces="",
            description="每行一次活动。出勤情况另用“活动出勤”模板导入。",
        ),
        Spec(
            "attendance", KIND_LABELS["attendance"], "attendance", "活动出勤",
            (
                Column("活动编号", "activity_id", "ref", ref="activity", note="已导入的活动编号", example="A2025-0001"),
                member,
                Column("姓名", "member_name", "text", required=False, stored=False, max_length=50,
                       note="选填，用于核对", example="张三"),
                Column("出勤情况", "status", "choice", choices=_choices("出席", "请假", "缺席"), aliases=("出勤", "状态"),
                       example="出席"),
            ),
            key=("activity_id", "member_id"),
            replaces="重新导入某次活动的出勤，将整体替换该活动已有的出勤记录",
            description="每行是一名党员在一次活动中的出勤情况。",
        ),
        Spec(
            "tasks", KIND_LABELS["tasks"], "service_task", "办实事任务",
            (
                Column("任务编号", "task_id", "text", max_length=40, aliases=("编号",), example="T2025-01"),
                Column("任务名称", "title", "text", aliases=("任务", "名称"), note="全院唯一", example="示例：优化门诊预约流程"),
                Column("责任支部", "branch_id", "ref", ref="branch", aliases=branch.aliases + ("所在支部",),
                       note=branch.note, example="B01"),
                Column("类别", "category", "text", aliases=("任务类别",), example="便民服务"),
                Column("状态", "status", "choice", choices=_choices("未开始", "进行中", "已完成"), aliases=("进展",),
                       example="进行中"),
                Column("开始日期", "started_on", "date", example=dt.date(example_year, 3, 1)),
                Column("计划完成日期", "due_on", "date", aliases=("计划完成时间",), example=dt.date(example_year, 12, 31)),
                Column("实际完成日期", "completed_on", "date", required=False, not_future=True, aliases=("完成日期",),
                       note="状态为“已完成”时必填，否则不填", example=None),
            ),
            key=("task_id",),
            replaces="任务编号已存在的任务将被本文件中的内容替换（用于更新进展）",
            description="每行一项“我为群众办实事”任务。",
        ),
    ]
    return {spec.kind: spec for spec in out}


def spec(kind: str, cfg: config_mod.Config | None = None) -> Spec:
    """The spec of one table kind; ValueError for 'wjx' (no template) or an unknown kind."""
    all_specs = specs(cfg)
    if kind not in all_specs:
        known = ", ".join(TABLE_KINDS)
        if kind == "wjx":
            raise ValueError("wjx imports are 问卷星 exports, not a template: download them from wjx.cn")
        raise ValueError(f"unknown kind {kind!r}; expected one of {known}")
    return all_specs[kind]


# --- templates ----------------------------------------------------------------------------


def template_file_name(kind: str) -> str:
    """Download name of a template, e.g. '导入模板_党员先锋指数评分.xlsx'."""
    label = KIND_LABELS[kind].replace("“", "").replace("”", "")
    return f"导入模板_{label}.xlsx"


def template_bytes(kind: str, *, cfg: config_mod.Config | None = None, branches: list[str] | None = None) -> bytes:
    """The .xlsx template of ``kind``: instructions, a data sheet with drop-downs, an example row.

    ``branches`` (names of existing branches) become the drop-down list of the branch column;
    without it the column is free text (ids or names are both accepted on import).
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cfg = cfg or config_mod.load()
    sp = spec(kind, cfg)
    book = Workbook()
    guide = book.active
    guide.title = INSTRUCTIONS_SHEET
    data = book.create_sheet(sp.sheet)
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"

    # Instructions.
    bold = Font(bold=True)
    rows: list[list[object]] = [
        [f"{sp.label} 导入模板"],
        [sp.description],
        [f"在工作表“{sp.sheet}”中填写，每行一条记录。请勿修改、删除或移动第 1 行表头；可以删除不需要的选填列。"],
        ["第 2 行是示例行（灰色斜体），导入前请删除或覆盖；若原样保留，导入时会被忽略。"],
        ["带“*”的列为必填。也可以另存为 CSV（UTF-8 或 GBK 编码均可）后导入。"],
        ["导入前系统会检查全部数据，任何一处错误都会列出行号与列名，整个文件不会写入，修正后重新导入即可。"],
        [("重新导入规则：" + sp.replaces + "；导入前会在预览中说明将替换的行数。") if sp.replaces
         else "重新导入规则：已存在的记录会被报告为重复，不会覆盖。"],
        ["同一文件不能重复导入；导入批次可以在“数据导入”页面整体撤销。"],
        [],
        ["列名", "是否必填", "格式", "可选值或范围", "说明"],
    ]
    for column in sp.columns:
        rows.append([column.header, "必填" if column.required else "选填", column.format_zh(),
                     column.range_zh(cfg), column.note])
    for row in rows:
        guide.append(row)
    guide["A1"].font = Font(bold=True, size=14)
    for cell in guide[len(rows) - len(sp.columns)]:
        cell.font = bold
    for letter, width in zip("ABCDE", (18, 10, 30, 50, 60)):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str):
                cell.data_type = "s"

    # Data sheet: header, example row, drop-downs.
    required_fill = PatternFill("solid", fgColor="FDE9E7")
    optional_fill = PatternFill("solid", fgColor="EEF3F8")
    data.append([c.header + ("*" if c.required else "") for c in sp.columns])
    data.append([c.example for c in sp.columns])
    for index, column in enumerate(sp.columns, start=1):
        head = data.cell(row=1, column=index)
        head.font = bold
        head.fill = required_fill if column.required else optional_fill
        head.comment = Comment(f"{column.format_zh()}。{column.note}".strip("。") + "。", "模板")
        cell = data.cell(row=2, column=index)
        cell.font = Font(italic=True, color="808080")
        if isinstance(cell.value, str):
            cell.data_type = "s"
        if column.type == "date":
            cell.number_format = "yyyy-mm-dd"
        width = max(len(column.header) * 2 + 4, 12)
        data.column_dimensions[get_column_letter(index)].width = width
    data.freeze_panes = "A2"

    list_column = 0
    catalogue_ranges: dict[str, str] = {}

    def add_list(title: str, values: tuple[str, ...] | list[str], extra: tuple[float, ...] | None = None) -> str:
        nonlocal list_column
        list_column += 1
        letter = get_column_letter(list_column)
        lists.cell(row=1, column=list_column, value=title)
        for i, value in enumerate(values, start=2):
            lists.cell(row=i, column=list_column, value=value).data_type = "s"
        if extra is not None:
            list_column += 1
            for i, value in enumerate(extra, start=2):
                lists.cell(row=i, column=list_column, value=value)
        return f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"

    last = TEMPLATE_ROWS + 1
    for index, column in enumerate(sp.columns, start=1):
        letter = get_column_letter(index)
        area = f"{letter}2:{letter}{last}"
        validation = None
        strict = True
        if column.type == "choice":
            validation = DataValidation(type="list", formula1=add_list(column.header, column.labels), allow_blank=True)
        elif column.type == "ref" and column.ref in ("vanguard_dimension", "indicator", "four_have_dimension"):
            labels = catalogue_labels(column.ref, cfg)
            points = _max_points(column.ref, cfg) if column.ref != "vanguard_dimension" else None
            ref = add_list(column.header, labels, points)
            catalogue_ranges[column.field] = ref
            validation = DataValidation(type="list", formula1=ref, allow_blank=True)
        elif column.type == "ref" and column.ref == "branch" and branches:
            validation = DataValidation(type="list", formula1=add_list(column.header, branches), allow_blank=True)
            strict = False  # ids are accepted as well as the listed names
        elif column.type == "quarter":
            current = periods.quarter_of(dt.date.today())
            quarters = periods.quarter_range(periods.shift(current, -40), current)[::-1]
            validation = DataValidation(type="list", formula1=add_list(column.header, quarters), allow_blank=True,
                                        errorStyle="warning")
        elif column.type == "date":
            validation = DataValidation(type="date", operator="between", formula1="DATE(1921,7,1)",
                                        formula2="DATE(2100,12,31)", allow_blank=True)
        elif column.type in ("int", "year"):
            low = column.minimum if column.minimum is not None else (2000 if column.type == "year" else 0)
            high = column.maximum if column.maximum is not None else (2100 if column.type == "year" else 10**9)
            validation = DataValidation(type="whole", operator="between", formula1=_num(low), formula2=_num(high),
                                        allow_blank=True)
        elif column.type == "decimal" and column.max_ref and column.max_ref in catalogue_ranges:
            # Bounded by the max points of the indicator chosen in the same row.
            ref_letter = get_column_letter(next(i for i, c in enumerate(sp.columns, 1) if c.field == column.max_ref))
            names = catalogue_ranges[column.max_ref]
            sheet_part, cells = names.split("!")
            start_col = cells.split("$")[1]
            points_col = get_column_letter(_column_index(start_col) + 1)
            count = int(cells.rsplit("$", 1)[1])
            table = f"{sheet_part}!${start_col}$2:${points_col}${count}"
            validation = DataValidation(
                type="custom", allow_blank=True,
                formula1=f"AND(ISNUMBER({letter}2),{letter}2>=0,{letter}2<=VLOOKUP({ref_letter}2,{table},2,FALSE))",
            )
        elif column.type == "decimal" and column.minimum is not None and column.maximum is not None:
            validation = DataValidation(type="decimal", operator="between", formula1=_num(column.minimum),
                                        formula2=_num(column.maximum), allow_blank=True)
        if validation is None:
            continue
        validation.error = f"“{column.header}”的值不符合要求：{column.range_zh(cfg) or column.format_zh()}"
        validation.errorTitle = "输入有误"
        validation.prompt = column.note or column.format_zh()
        validation.promptTitle = column.header
        validation.showInputMessage = True
        validation.showErrorMessage = strict
        validation.add(area)
        data.add_data_validation(validation)

    book.active = book.sheetnames.index(sp.sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_template(kind: str, path: str | Path, *, cfg: config_mod.Config | None = None,
                   branches: list[str] | None = None) -> Path:
    """Write the template of ``kind`` to ``path`` and return the path."""
    path = Path(path)
    path.write_bytes(template_bytes(kind, cfg=cfg, branches=branches))
    return path


def _column_index(letters: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(letters)


def _num(value: float) -> str:
    return f"{value:g}"
