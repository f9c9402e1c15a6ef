"""Hospital configuration: the one place for catalogues, weights and thresholds.

Defaults follow DOMAIN.md. A hospital overrides any part with a TOML file, found at the
path in the ``PARTY_DASHBOARD_CONFIG`` environment variable or at ``data/hospital.toml``.
Only the keys present in the file change; everything else keeps its default. Example::

    [vanguard.rater_weights]
    self = 0.1
    peer = 0.3
    org = 0.6

    [security.login]            # 等保 settings: lockout and session limits
    idle_minutes = 20

    [charts]                    # above 60 units a chart shows the best, the worst and yours
    max_units = 60

    [serving]                   # page runs computed at once by one server process
    page_runs_at_once = 2
    refresh_after_import = 64   # recently viewed results recomputed in the background after an import or a restart

    [[assessment.indicators]]   # replaces the whole catalogue; must still sum to 100
    id = "A01"
    name = "三会一课"
    max_points = 10

    [[business.extra_indicators]]   # 党建+业务: a department indicator of the hospital's own
    id = "day_surgery"
    name = "日间手术占比"
    unit = "%"
    higher_is_better = true
    source = "手术麻醉系统"
"""

from __future__ import annotations

import functools
import math
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CONFIG_ENV = "PARTY_DASHBOARD_CONFIG"


@dataclass(frozen=True)
class Dimension:
    id: str
    name: str
    weight: float


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    max_points: float


@dataclass(frozen=True)
class Threshold:
    """A label given to any value at or above ``minimum`` (thresholds are checked high to low)."""

    label: str
    minimum: float


@dataclass(frozen=True)
class VanguardConfig:
    dimensions: tuple[Dimension, ...]
    rater_weights: dict[str, float]
    grades: tuple[Threshold, ...]
    stars: tuple[Threshold, ...]


@dataclass(frozen=True)
class AssessmentConfig:
    indicators: tuple[Indicator, ...]
    flag_below: float
    flag_bottom_n: int
    flag_falling_quarters: int
    commend_top_n: int
    # The indicator the 党员发展 register is shown beside (a reference, never a score); None: none.
    development_indicator: str | None = "A04"


@dataclass(frozen=True)
class SiteRule:
    """Who is proposed as a 四有 示范点: top ``top_n`` by total (ties count), no dimension below
    ``min_share`` of its max. Defaults: the source hospital named 12 sites; 0.8 = 20 of 25."""

    top_n: int = 12
    min_share: float = 0.8


@dataclass(frozen=True)
class AwardKind:
    """A quarterly award (seed 003): ``recipient`` 'member' (a 先锋岗) or 'zone' (a 党员责任区);
    ``audience`` of a member award 'staff' or 'student' (领航先锋岗), None for a zone."""

    id: str
    name: str
    recipient: str
    audience: str | None = None


@dataclass(frozen=True)
class MeetingRule:
    """How often a branch meeting kind must be held: ``times`` per ``per`` ('month'|'quarter' for
    三会一课; 'year' for the yearly 组织生活会 and 民主评议党员)."""

    kind: str
    times: int
    per: str


TRANSFER_SIDES = ("required", "empty", "optional")


@dataclass(frozen=True)
class TransferReason:
    """A reason a member's 组织关系 moves (党员调动), and which branches a move of it names:
    ``from_branch`` / ``to_branch`` 'required' (a branch of ours), 'empty' (outside the
    hospital: 转入 comes from outside, 转出 leaves it) or 'optional' (退休: to the 离退休党支部,
    or out of the hospital's books)."""

    name: str
    from_branch: str
    to_branch: str


DEFAULT_TRANSFER_REASONS = (
    TransferReason("调动", "required", "required"),
    TransferReason("转入", "empty", "required"),
    TransferReason("转出", "required", "empty"),
    TransferReason("退休", "required", "optional"),
)


@dataclass(frozen=True)
class SurveyConfig:
    effective_options: tuple[str, ...]
    # The minimum reporting group: a breakdown by a respondent attribute shows a group only when
    # it has at least this many respondents (analysis/survey/privacy.py).
    min_cell: int
    # Answers to the 政治面貌 question that count as Party members in member/non-member splits.
    member_options: tuple[str, ...] = ("中共党员", "中共预备党员")
    # Rating scales whose words put a question's options in order (analysis/ingest/option_order.py),
    # each from its lowest level to its highest; a level is one option text or several synonyms
    # joined by "|". An option's level in the first scale that gives each of a question's options
    # a level of its own is its score (1 = lowest), so the question is ordinal and can be averaged;
    # a 7-point scale follows its 5-point twin, which "满意" and "比较满意" together do not fit.
    ordinal_scales: tuple[tuple[str, ...], ...] = (
        ("非常不满意|很不满意", "不满意|不太满意|比较不满意|较不满意", "一般|基本满意", "满意|比较满意|较满意",
         "非常满意|很满意"),
        ("非常不同意|完全不同意", "不同意|不太同意|比较不同意", "一般|中立|不确定", "同意|比较同意", "非常同意|完全同意"),
        ("非常不满意", "不满意", "比较不满意", "一般", "比较满意", "满意", "非常满意"),
        ("非常不同意", "不同意", "比较不同意", "一般|中立", "比较同意", "同意", "非常同意"),
        ("完全不符合|非常不符合", "不太符合|比较不符合|不符合", "一般|部分符合", "比较符合|符合", "完全符合|非常符合"),
        ("非常不重要|很不重要", "不重要|不太重要", "一般", "重要|比较重要", "非常重要|很重要"),
        ("很差|非常差", "较差|差", "一般|中等", "较好|好|良好", "很好|非常好|优秀"),
        ("从不|从未|从来没有", "很少|偶尔", "有时", "经常", "总是|每次都"),
        ("没有作用|没作用|无作用", "作用不明显|作用不大", "有一定作用|作用一般", "作用明显|作用很大"),
        ("未定级|无职称", "初级|员级|师级", "中级", "副高|副高级", "正高|正高级"),
        ("初中及以下|高中及以下|中专及以下|高中/中专|高中|中专", "大专|专科", "本科", "硕士|硕士研究生", "博士|博士研究生"),
    )
    # Options outside any order (不清楚, 其他 ...): they go last and carry no score, whatever the scale.
    unscaled_options: tuple[str, ...] = (
        "不清楚", "不了解", "不知道", "说不清", "说不清楚", "不适用", "无法评价", "无法判断", "不好说", "其他",
    )
    # Words every answer of a hospital's Party questionnaire uses, left out of the keywords (on
    # top of the built-in Chinese stop words of analysis/survey/free_text.py).
    keyword_stopwords: tuple[str, ...] = ("支部", "科室", "结合", "医院", "党员", "党建", "活动", "加强", "进一步",
                                          "开展", "工作", "希望", "建议", "领导", "同志", "方面", "落实", "推进")


@dataclass(frozen=True)
class PerformanceIndicator:
    """A department result the hospital reports (三级公立医院绩效考核 and its own).

    ``per_staff``: a count (纠纷, 论文) that is summed over a branch's departments and shown per
    100 staff; any other indicator is a rate or level, combined as the staff-weighted mean.
    """

    id: str
    name: str
    unit: str
    higher_is_better: bool
    source: str
    per_staff: bool = False


DEPARTMENT_TYPES = ("内科", "外科", "医技", "护理", "行政")
"""The department types of the partial association (fixed: migration 005 checks them)."""


@dataclass(frozen=True)
class BusinessConfig:
    """党建+业务: the department indicators and the guards on what the data may be said to show.

    min_branches: no correlation is computed from fewer branches. clear_branches: below it,
    or with a 95% interval of ρ wider than ``max_ci_width``, a result is read as "the data
    cannot tell". min_type_branches: department types with fewer branches are left out of the
    view that controls for department type. alpha: the Holm-corrected significance level.
    """

    indicators: tuple[PerformanceIndicator, ...]
    min_branches: int = 8
    clear_branches: int = 20
    max_ci_width: float = 0.8
    min_type_branches: int = 3
    alpha: float = 0.05

    def indicator(self, indicator_id: str) -> PerformanceIndicator:
        for item in self.indicators:
            if item.id == indicator_id:
                return item
        raise KeyError(indicator_id)


DEFAULT_BUSINESS = BusinessConfig(indicators=(
    # 三级公立医院绩效考核 indicators every tertiary public hospital already reports.
    PerformanceIndicator("cmi", "CMI", "", True, "病案首页/DRG分组"),
    PerformanceIndicator("drg_groups", "DRG组数", "组", True, "病案首页/DRG分组"),
    PerformanceIndicator("level4_surgery", "四级手术占比", "%", True, "病案首页"),
    PerformanceIndicator("minimally_invasive", "微创手术占比", "%", True, "病案首页"),
    PerformanceIndicator("avg_los", "平均住院日", "天", False, "病案首页"),
    PerformanceIndicator("cost_growth", "次均费用增幅", "%", False, "财务/HIS"),
    PerformanceIndicator("drug_ratio", "药占比（药品收入占比）", "%", False, "财务/HIS"),
    PerformanceIndicator("consumable_ratio", "耗占比（耗材收入占比）", "%", False, "财务/HIS"),
    PerformanceIndicator("antibiotic_ddds", "抗菌药物使用强度（DDDs）", "DDDs/百人天", False, "药学部"),
    PerformanceIndicator("outpatient_satisfaction", "门诊患者满意度", "分", True, "满意度调查"),
    PerformanceIndicator("inpatient_satisfaction", "住院患者满意度", "分", True, "满意度调查"),
    PerformanceIndicator("staff_satisfaction", "医务人员满意度", "分", True, "满意度调查"),
    PerformanceIndicator("disputes", "医疗纠纷数", "件/百人", False, "医务部", per_staff=True),
    PerformanceIndicator("research", "科研项目/论文数", "项/百人", True, "科研处", per_staff=True),
))


@dataclass(frozen=True)
class PasswordPolicy:
    """Password rules. Classes: lower-case, upper-case, digit, other (symbol). ``refuse_common``:
    refuse the passwords of the common-password list (data/common-passwords.txt.gz)."""

    min_length: int = 8
    min_classes: int = 3
    max_length: int = 128
    refuse_common: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.min_classes <= 4:
            raise ValueError("min_classes must be between 1 and 4")
        if not 1 <= self.min_length <= self.max_length:
            raise ValueError("need 1 <= min_length <= max_length")


@dataclass(frozen=True)
class LoginPolicy:
    """Lockout, client throttling and session limits.

    ``max_failures`` failed sign-ins lock a name for ``lockout_minutes``. One client (remote
    address, else browser session) has ``client_free_attempts`` failures free; after that it
    waits ``client_backoff_seconds``, doubling with every further failure up to
    ``client_backoff_max_minutes``, before its next attempt is even checked. At most
    ``concurrent_checks`` password hashes are verified at once; an attempt that finds no free
    slot within ``check_wait_seconds`` is answered "稍后再试". ``trusted_proxy_header``: the
    header holding the client address set by the reverse proxy in front of the app (read only
    when the connection comes from the loopback address, i.e. from that proxy).
    A session's activity time is written at most every ``activity_write_seconds`` (and at least
    ten times per idle limit, see ``activity_write``): a page run then costs no database write,
    and an idle timeout ends a session at most that much early, never late.
    """

    max_failures: int = 5
    lockout_minutes: float = 15
    idle_minutes: float = 30
    absolute_hours: float = 12
    client_free_attempts: int = 5
    client_backoff_seconds: float = 1
    client_backoff_max_minutes: float = 15
    concurrent_checks: int = 4
    check_wait_seconds: float = 3
    trusted_proxy_header: str = "X-Real-IP"
    activity_write_seconds: float = 60

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        if self.activity_write_seconds < 0:
            raise ValueError("activity_write_seconds must be at least 0")
        if min(self.lockout_minutes, self.idle_minutes, self.absolute_hours) <= 0:
            raise ValueError("lockout, idle and absolute limits must be positive")
        if self.client_free_attempts < 1 or self.concurrent_checks < 1:
            raise ValueError("client_free_attempts and concurrent_checks must be at least 1")
        if min(self.client_backoff_seconds, self.client_backoff_max_minutes, self.check_wait_seconds) <= 0:
            raise ValueError("client back-off and check wait must be positive")

    @property
    def lockout(self) -> timedelta:
        return timedelta(minutes=self.lockout_minutes)

    @property
    def activity_write(self) -> timedelta:
        """How long a session's last written activity may stand before a request writes it again."""
        return timedelta(seconds=min(self.activity_write_seconds, self.idle_minutes * 6))

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)

    @property
    def absolute(self) -> timedelta:
        return timedelta(hours=self.absolute_hours)

    @property
    def client_backoff_max(self) -> timedelta:
        return timedelta(minutes=self.client_backoff_max_minutes)


@dataclass(frozen=True)
class ChartLimits:
    """How charts and tables stay readable (and light to send) when the hospital has many units.

    A chart of more than ``max_units`` units shows a window instead of every unit: the
    ``extreme_n`` best and worst, the viewer's unit and any unit searched for, or one page of
    ``page_rows`` units. Tables send ``table_rows`` rows a page. A line or point chart with more
    than ``webgl_points`` points is drawn with WebGL (plotly's Scattergl). A search among more
    than ``find_list_max`` units starts from typed text and lists the first ``find_list_max``
    matches (a list of every one of 10,000 names is 370 KB for the browser to take in). A rank
    chart draws the grey lines of the other units up to ``field_lines_max`` of them (10,000
    lines are 1.1 MB and one grey mass).
    """

    max_units: int = 60
    extreme_n: int = 10
    page_rows: int = 50
    table_rows: int = 100
    webgl_points: int = 5000
    find_list_max: int = 300
    field_lines_max: int = 1000


@dataclass(frozen=True)
class Serving:
    """How one server process shares its two cores between viewers.

    At most ``page_runs_at_once`` page runs compute at the same time; the others wait their
    turn in arrival order. Page runs are Python work that takes turns on one interpreter lock:
    twenty runs let in together all finish together, at twenty times one run, while in turn
    the first finishes after one run and the median viewer after half the queue.

    After every import (a new data version) the server recomputes in the background, most
    recent first, up to ``refresh_after_import`` of the results viewers asked for in the last
    hour (see ``ui.cache``), so the next viewer of a page finds them ready; 0 turns that off.
    The same number of the last week's views, kept in a file beside the database, is computed
    when a restarted server opens its database.
    """

    page_runs_at_once: int = 2
    refresh_after_import: int = 64


@dataclass(frozen=True)
class Config:
    hospital_name: str
    vanguard: VanguardConfig
    assessment: AssessmentConfig
    four_have: tuple[Indicator, ...]
    meeting_rules: tuple[MeetingRule, ...]
    survey: SurveyConfig
    site_rule: SiteRule = SiteRule()
    # The 四有 dimension whose evidence is the honours register (单位有典型); None: none.
    four_have_honours_dimension: str | None = "model"
    password: PasswordPolicy = PasswordPolicy()
    login: LoginPolicy = LoginPolicy()
    charts: ChartLimits = ChartLimits()
    serving: Serving = Serving()
    business: BusinessConfig = DEFAULT_BUSINESS
    transfer_reasons: tuple[TransferReason, ...] = DEFAULT_TRANSFER_REASONS
    # 先锋岗 and 红旗责任区, awarded every quarter: five 领跑先锋岗 for staff, 领航先锋岗 for students.
    award_kinds: tuple[AwardKind, ...] = (
        AwardKind("service", "服务领跑先锋岗", "member", "staff"),
        AwardKind("skill", "技能领跑先锋岗", "member", "staff"),
        AwardKind("innovation", "创新领跑先锋岗", "member", "staff"),
        AwardKind("performance", "绩效领跑先锋岗", "member", "staff"),
        AwardKind("management", "管理领跑先锋岗", "member", "staff"),
        AwardKind("pilot", "领航先锋岗", "member", "student"),
        AwardKind("red_flag", "红旗责任区", "zone"),
    )
    # Every 党支部 holds a 组织生活会 and a 民主评议党员 at least once a year.
    annual_meeting_rules: tuple[MeetingRule, ...] = (MeetingRule("组织生活会", 1, "year"),
                                                     MeetingRule("民主评议党员", 1, "year"))
    source: str = field(default="默认配置")

    def rater_weight(self, rater: str) -> float:
        return self.vanguard.rater_weights[rater]


DEFAULT = Config(
    hospital_name="示例医院（演示数据）",
    vanguard=VanguardConfig(
        dimensions=(
            Dimension("obligation", "履行党员基本义务", 0.20),
            Dimension("meetings", "三会一课参与", 0.15),
            Dimension("org_life", "组织生活", 0.15),
            Dimension("study", "学习培训", 0.15),
            Dimension("service", "扶贫义诊志愿服务", 0.15),
            Dimension("post", "岗位作用", 0.20),
        ),
        rater_weights={"self": 0.2, "peer": 0.3, "org": 0.5},
        grades=(
            Threshold("优秀", 90.0),
            Threshold("合格", 75.0),
            Threshold("基本合格", 60.0),
            Threshold("不合格", 0.0),
        ),
        stars=(
            Threshold("5", 92.0),
            Threshold("4", 85.0),
            Threshold("3", 75.0),
            Threshold("2", 60.0),
            Threshold("1", 0.0),
        ),
    ),
    assessment=AssessmentConfig(
        indicators=(
            Indicator("A01", "三会一课", 10),
            Indicator("A02", "主题党日", 6),
            Indicator("A03", "政治学习", 8),
            Indicator("A04", "党员发展", 6),
            Indicator("A05", "党员教育管理", 6),
            Indicator("A06", "党费收缴", 5),
            Indicator("A07", "谈心谈话", 6),
            Indicator("A08", "组织生活会与民主评议", 6),
            Indicator("A09", "监督检查", 6),
            Indicator("A10", "意识形态工作", 6),
            Indicator("A11", "宣传投稿", 5),
            Indicator("A12", "志愿服务", 6),
            Indicator("A13", "为群众办实事", 8),
            Indicator("A14", "党建业务融合", 8),
            Indicator("A15", "阵地建设", 4),
            Indicator("A16", "台账资料", 4),
        ),
        flag_below=80.0,
        flag_bottom_n=3,
        flag_falling_quarters=2,
        commend_top_n=3,
    ),
    four_have=(
        Indicator("leadership", "班子有作为", 25),
        Indicator("method", "支部有方法", 25),
        Indicator("brand", "党建有品牌", 25),
        Indicator("model", "单位有典型", 25),
    ),
    meeting_rules=(
        MeetingRule("支部党员大会", 1, "quarter"),
        MeetingRule("支委会", 1, "month"),
        MeetingRule("党小组会", 1, "month"),
        MeetingRule("党课", 1, "quarter"),
    ),
    survey=SurveyConfig(effective_options=("作用明显",), min_cell=5),
)


class ConfigError(ValueError):
    """Raised when a configuration is inconsistent (weights, catalogue totals, thresholds)."""


def validate(config: Config) -> Config:
    """Check the invariants every analysis relies on; return the config unchanged."""
    dims = config.vanguard.dimensions
    if not dims:
        raise ConfigError("vanguard.dimensions: at least one dimension is required")
    _check_unique([d.id for d in dims], "vanguard.dimensions")
    _check_sums_to(sum(d.weight for d in dims), 1.0, "vanguard.dimensions weights")
    raters = config.vanguard.rater_weights
    if set(raters) != {"self", "peer", "org"}:
        raise ConfigError("vanguard.rater_weights: need exactly the keys self, peer, org")
    _check_sums_to(sum(raters.values()), 1.0, "vanguard.rater_weights")
    if any(w < 0 for w in [*raters.values(), *(d.weight for d in dims)]):
        raise ConfigError("vanguard weights must not be negative")
    for name, ladder in (("grades", config.vanguard.grades), ("stars", config.vanguard.stars)):
        minima = [t.minimum for t in ladder]
        if minima != sorted(minima, reverse=True) or len(set(minima)) != len(minima):
            raise ConfigError(f"vanguard.{name}: minima must be strictly decreasing")
        if minima[-1] != 0:
            raise ConfigError(f"vanguard.{name}: the last threshold must start at 0")
    indicators = config.assessment.indicators
    _check_unique([i.id for i in indicators], "assessment.indicators")
    _check_sums_to(sum(i.max_points for i in indicators), 100.0, "assessment.indicators max_points")
    _check_unique([i.id for i in config.four_have], "four_have")
    if config.four_have_honours_dimension not in {None, *(i.id for i in config.four_have)}:
        raise ConfigError(f"four_have_honours_dimension: {config.four_have_honours_dimension} is not a 四有 dimension")
    development = config.assessment.development_indicator
    if development is not None and development not in {i.id for i in indicators}:
        raise ConfigError(f"assessment.development_indicator: {development} is not an indicator id")
    for rule in config.meeting_rules:
        if rule.per not in ("month", "quarter") or rule.times < 1:
            raise ConfigError(f"meeting_rules.{rule.kind}: per must be month|quarter, times >= 1")
    _check_unique([k.id for k in config.award_kinds], "award_kinds")
    _check_unique([k.name for k in config.award_kinds], "award_kinds names")
    for kind in config.award_kinds:
        if (kind.recipient, kind.audience) not in (("member", "staff"), ("member", "student"), ("zone", None)):
            raise ConfigError(f"award_kinds.{kind.id}: recipient member (audience staff|student) or zone (no audience)")
    for rule in config.annual_meeting_rules:
        if rule.per != "year" or rule.times < 1:
            raise ConfigError(f"annual_meeting_rules.{rule.kind}: per must be year, times >= 1")
    if config.site_rule.top_n < 1 or not 0 <= config.site_rule.min_share <= 1:
        raise ConfigError("site_rule: top_n >= 1 and 0 <= min_share <= 1")
    if min(config.charts.max_units, config.charts.extreme_n, config.charts.page_rows, config.charts.table_rows,
           config.charts.webgl_points) < 1:
        raise ConfigError("charts: every limit must be at least 1")
    if config.serving.page_runs_at_once < 1:
        raise ConfigError("serving.page_runs_at_once must be at least 1")
    if config.serving.refresh_after_import < 0:
        raise ConfigError("serving.refresh_after_import must be 0 (off) or more")
    if config.survey.min_cell < 1:
        raise ConfigError("survey.min_cell must be at least 1")
    for scale in config.survey.ordinal_scales:
        words = [w.strip() for level in scale for w in level.split("|")]
        if len(scale) < 2 or "" in words or len(set(words)) != len(words):
            raise ConfigError(f"survey.ordinal_scales: a scale needs at least two levels and distinct, non-empty words: "
                              f"{list(scale)}")
    _validate_business(config.business)
    _check_unique([r.name for r in config.transfer_reasons], "transfer_reasons")
    for reason in config.transfer_reasons:
        if {reason.from_branch, reason.to_branch} - set(TRANSFER_SIDES) or reason.from_branch == reason.to_branch == "empty":
            raise ConfigError(f"transfer_reasons.{reason.name}: from_branch and to_branch are one of "
                              f"{'|'.join(TRANSFER_SIDES)}, not both empty")
    return config


INDICATOR_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")


def _validate_business(business: BusinessConfig) -> None:
    ids = [i.id for i in business.indicators]
    if not ids:
        raise ConfigError("business.indicators: at least one indicator is required")
    _check_unique(ids, "business.indicators")
    _check_unique([i.name for i in business.indicators], "business.indicators names")
    for item in business.indicators:
        # Ids become column names of the downloadable panel: plain ASCII names only.
        if not INDICATOR_ID.fullmatch(item.id):
            raise ConfigError(f"business.indicators: id {item.id!r} must be letters, digits and _ (a letter first)")
        if not item.name.strip():
            raise ConfigError(f"business.indicators {item.id}: name must not be empty")
    # Spearman's interval (Fisher z) needs n > 3; the "clear" bar cannot sit below the floor.
    if not 4 <= business.min_branches <= business.clear_branches:
        raise ConfigError("business: need 4 <= min_branches <= clear_branches")
    if not 0 < business.max_ci_width <= 2 or not 0 < business.alpha < 1 or business.min_type_branches < 2:
        raise ConfigError("business: 0 < max_ci_width <= 2, 0 < alpha < 1 and min_type_branches >= 2")


def _check_unique(ids: list[str], where: str) -> None:
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{where}: ids must be unique")


def _check_sums_to(total: float, expected: float, where: str) -> None:
    if not math.isclose(total, expected, abs_tol=1e-9):
        raise ConfigError(f"{where} must sum to {expected:g}, got {total:g}")


def from_mapping(overrides: dict, base: Config = DEFAULT, source: str = "") -> Config:
    """Apply a parsed TOML mapping on top of ``base`` and validate the result."""
    vanguard, assessment = base.vanguard, base.assessment
    v = overrides.get("vanguard", {})
    if "dimensions" in v:
        vanguard = replace(vanguard, dimensions=tuple(Dimension(**d) for d in v["dimensions"]))
    if "rater_weights" in v:
        vanguard = replace(vanguard, rater_weights={**vanguard.rater_weights, **v["rater_weights"]})
    for ladder in ("grades", "stars"):
        if ladder in v:
            items = tuple(Threshold(str(t["label"]), float(t["minimum"])) for t in v[ladder])
            vanguard = replace(vanguard, **{ladder: items})
    a = overrides.get("assessment", {})
    if "indicators" in a:
        assessment = replace(assessment, indicators=tuple(Indicator(**i) for i in a["indicators"]))
    assessment = replace(
        assessment, **{k: a[k] for k in ("flag_below", "flag_bottom_n", "flag_falling_quarters", "commend_top_n",
                                         "development_indicator") if k in a}
    )
    s = overrides.get("survey", {})
    survey = replace(
        base.survey,
        **({"effective_options": tuple(s["effective_options"])} if "effective_options" in s else {}),
        **({"min_cell": int(s["min_cell"])} if "min_cell" in s else {}),
        **({"member_options": tuple(s["member_options"])} if "member_options" in s else {}),
        **({"ordinal_scales": tuple(tuple(str(level) for level in scale) for scale in s["ordinal_scales"])}
           if "ordinal_scales" in s else {}),
        **({"unscaled_options": tuple(s["unscaled_options"])} if "unscaled_options" in s else {}),
        **({"keyword_stopwords": tuple(s["keyword_stopwords"])} if "keyword_stopwords" in s else {}),
    )
    config = replace(
        base,
        business=_business(overrides.get("business", {}), base.business),
        hospital_name=overrides.get("hospital_name", base.hospital_name),
        vanguard=vanguard,
        assessment=assessment,
        four_have=tuple(Indicator(**i) for i in overrides["four_have"]) if "four_have" in overrides else base.four_have,
        meeting_rules=tuple(MeetingRule(**r) for r in overrides["meeting_rules"])
        if "meeting_rules" in overrides
        else base.meeting_rules,
        award_kinds=tuple(AwardKind(**k) for k in overrides["award_kinds"]) if "award_kinds" in overrides
        else base.award_kinds,
        annual_meeting_rules=tuple(MeetingRule(**r) for r in overrides["annual_meeting_rules"])
        if "annual_meeting_rules" in overrides
        else base.annual_meeting_rules,
        survey=survey,
        site_rule=replace(base.site_rule, **overrides.get("site_rule", {})),
        four_have_honours_dimension=overrides.get("four_have_honours_dimension", base.four_have_honours_dimension),
        password=replace(base.password, **overrides.get("security", {}).get("password", {})),
        login=replace(base.login, **overrides.get("security", {}).get("login", {})),
        charts=replace(base.charts, **overrides.get("charts", {})),
        serving=replace(base.serving, **overrides.get("serving", {})),
        transfer_reasons=tuple(TransferReason(**r) for r in overrides["transfer_reasons"])
        if "transfer_reasons" in overrides
        else base.transfer_reasons,
        source=source or base.source,
    )
    return validate(config)


def _business(b: dict, base: BusinessConfig) -> BusinessConfig:
    """[business]: ``indicators`` replaces the catalogue, ``extra_indicators`` adds to it."""
    indicators = tuple(PerformanceIndicator(**i) for i in b["indicators"]) if "indicators" in b else base.indicators
    indicators += tuple(PerformanceIndicator(**i) for i in b.get("extra_indicators", ()))
    guards = ("min_branches", "clear_branches", "max_ci_width", "min_type_branches", "alpha")
    return replace(base, indicators=indicators, **{k: b[k] for k in guards if k in b})


def load(path: str | os.PathLike | None = None) -> Config:
    """Load the hospital's configuration: defaults plus the override file, if there is one.

    About thirty analysis functions call this on every call when no ``cfg`` is passed, so the
    parsed result is kept per (path asked for, resolved path, file modification time and size,
    ``PARTY_DASHBOARD_CONFIG``): an edited file is read again at the next call, an unchanged
    one is parsed once. Sharing one result is safe because a ``Config`` is frozen.
    """
    env = os.environ.get(CONFIG_ENV)
    requested = Path(path or env or DATA_DIR / "hospital.toml")
    try:
        stat = requested.stat()
    except FileNotFoundError:
        if path or env:
            raise ConfigError(f"configuration file not found: {requested}") from None
        return _default()
    return _parsed(requested, requested.resolve(), stat.st_mtime_ns, stat.st_size, env)


@functools.cache
def _default() -> Config:
    """The defaults, validated once (without an override file every call would check them again)."""
    return validate(DEFAULT)


@functools.lru_cache(maxsize=16)
def _parsed(requested: Path, resolved: Path, modified_ns: int, size: int, env: str | None) -> Config:
    """The override file applied to the defaults; the arguments after ``requested`` are the cache key."""
    try:
        overrides = tomllib.loads(resolved.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{requested}: {exc}") from exc
    try:
        return from_mapping(overrides, source=str(requested))
    except TypeError as exc:
        raise ConfigError(f"{requested}: {exc}") from exc
