"""The demo hospital: a deterministic, synthetic data set that looks like a real one.

Scale and headline figures follow DOMAIN.md (7 general branches, 34 branches, 640 members,
26 办实事 tasks with 19 done, a questionnaire answered by 1,107 members and 1,543 non-members
of whom 93% / 86% call Party building clearly effective). Everything else is drawn from a
seeded generator with believable structure: branch quality differs, a few branches improve,
a few are weak, Q4 is a little higher (year-end review) and Q1 a little lower (holidays).
Names are made up from a syllable list; no real person is meant.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis import config as config_mod
from analysis import db, demo_business, demo_registers, periods
from analysis.access import auth
from analysis.derived import Progress
from analysis.scope import Scope

SEED = 20251125
FIRST_QUARTER = "2023Q1"
LAST_QUARTER = "2025Q4"
MEMBER_COUNT = 640

GENERAL_BRANCHES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("内科党总支", ("心血管内科", "呼吸与危重症医学科", "消化内科", "神经内科", "内分泌科", "肾内科")),
    ("外科党总支", ("普通外科", "骨科", "神经外科", "泌尿外科", "心胸外科", "妇产科")),
    ("医技党总支", ("检验科", "医学影像科", "病理科", "药学部", "超声医学科")),
    ("护理党总支", ("内科护理", "外科护理", "手术室", "重症医学科", "门诊护理")),
    ("门急诊党总支", ("急诊医学科", "门诊部", "儿科", "康复医学科")),
    ("机关党总支", ("党委办公室", "医务部", "人力资源部", "财务部")),
    ("后勤党总支", ("后勤保障部", "信息中心", "保卫部", "离退休")),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "安邦宁远晨曦嘉禾铭泽思源雨桐子涵若溪景行明哲书瑶浩然欣悦志航语彤天佑清扬致远诗琪梓萱承泽鸿宇怡然俊熙沐阳雅琴振华晓岚"

SURVEY_AREAS = (
    "医疗质量与安全", "合理用药", "患者满意度", "医保管理", "DRG与CMI考核", "设备耗材管理",
    "成本效益", "人才培养", "职称晋升", "岗位聘任", "评优评先", "绩效考核", "学科建设",
)
EFFECT_OPTIONS = ("作用明显", "有一定作用", "作用不明显", "不清楚")
POLITICAL_OPTIONS = ("中共党员", "共青团员", "民主党派", "群众")
SURVEY_TITLE = "党建引领科室发展调查（演示）"
SURVEY_MEMBERS, SURVEY_NON_MEMBERS = 1107, 1543
DEMO_USER = "demo"
# 1030 / 1107 = 93.04 % and 1327 / 1543 = 86.00 %: the 93 % and 86 % of the source article.
SURVEY_EFFECTIVE = {"member": 1030, "non_member": 1327}


@dataclass(frozen=True)
class DemoSummary:
    path: Path
    general_branches: int
    branches: int
    members: int
    quarters: int
    activities: int
    tasks: int
    survey_responses: int
    # username -> (role label, unit, generated password); printed once by the CLI.
    accounts: dict[str, tuple[str, str, str]]


def build(path: str | Path, *, seed: int = SEED, cfg: config_mod.Config | None = None, scale: int = 1,
          progress: Progress | None = None) -> DemoSummary:
    """Write the demo database to ``path``, replacing any file there.

    The data go in through the import pipeline, as a hospital's would: each table as a
    validated batch, and the questionnaire as a 问卷星 export ("按选项文本" CSV) read by the
    问卷星 parser. ``scale`` multiplies the organisation (``scale`` campuses of 7 general
    branches, 34 branches and 640 members each; 300 is a province's 200,000 members) for
    benchmarks; tasks and survey stay as they are. Campuses are generated and imported
    ``CAMPUSES_PER_BATCH`` at a time, so memory does not grow with ``scale``; every campus
    draws from a generator of its own (campus 0 from ``seed`` itself, then tasks and survey),
    so the result depends on ``seed`` and ``scale`` only. ``progress`` is called with the
    fraction done and a Chinese text after each group of campuses.
    """
    from analysis.ingest import importer

    if scale < 1:
        raise ValueError("scale must be at least 1")
    path = Path(path)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    cfg = cfg or config_mod.load()
    quarters = periods.quarter_range(FIRST_QUARTER, LAST_QUARTER)
    ids = _Ids(scale)
    con = db.open_database(path, cfg=cfg)
    con.execute("SET enable_progress_bar = false")
    counted = {"units": 0, "members": 0, "activities": 0}
    spool = Path(tempfile.mkdtemp(prefix="party-demo-"))
    try:
        with db.transaction(con):
            # The marker the UI uses to say "synthetic data"; it also carries the 示范点 list,
            # for which there is no import template.
            marker = con.execute("SELECT nextval('import_batch_seq')").fetchone()[0]
            con.execute(
                "INSERT INTO import_batch (batch_id, kind, file_name, sha256, row_count, imported_by, note) "
                "VALUES (?, 'demo', 'demo', ?, 0, ?, '演示数据（合成）')",
                [marker, "0" * 64, DEMO_USER],
            )
        sites = []
        for first in range(0, scale, CAMPUSES_PER_BATCH):
            campuses = [_campus(seed, c, ids, quarters, cfg) for c in range(first, min(scale, first + CAMPUSES_PER_BATCH))]
            if first == 0:
                tasks, survey = campuses[0].tasks, campuses[0].survey
            name = "演示数据" if scale == 1 else f"演示数据_第{first + 1}-{first + len(campuses)}院区"
            for kind in CAMPUS_KINDS:
                frame = pd.concat([c.frames[kind] for c in campuses], ignore_index=True)
                if kind not in HOSPITAL_WIDE_KINDS:
                    importer.import_frame(con, frame, user=DEMO_USER, kind=kind, file_name=f"{name}_{kind}", cfg=cfg)
                    continue
                spooled = spool / f"演示数据_{kind}.csv"
                frame.to_csv(spooled, mode="a", header=first == 0, index=False)
                if first + CAMPUSES_PER_BATCH >= scale:
                    importer.import_file(con, spooled, user=DEMO_USER, kind=kind, cfg=cfg)
            sites += [c.sites for c in campuses]
            counted["units"] += sum((c.frames["org_units"]["level"] == "branch").sum() for c in campuses)
            counted["members"] += sum(len(c.frames["members"]) for c in campuses)
            counted["activities"] += sum(len(c.frames["activities"]) for c in campuses)
            del campuses
            if progress is not None:
                progress(min(scale, first + CAMPUSES_PER_BATCH) / scale, f"已生成 {counted['members']:,} 名党员的演示数据")
        importer.import_frame(con, tasks, user=DEMO_USER, kind="tasks", file_name="演示数据_tasks", cfg=cfg)
        with db.transaction(con):
            sites = pd.concat(sites, ignore_index=True)
            _insert(con, "demonstration_site", sites, marker)
            con.execute("UPDATE import_batch SET row_count = ? WHERE batch_id = ?", [len(sites), marker])
            db.bump_data_version(con)
        with tempfile.TemporaryDirectory() as workdir:
            export = Path(workdir) / f"{SURVEY_TITLE}_{len(survey)}_{len(survey)}_0.csv"
            survey.to_csv(export, index=False, encoding="utf-8-sig")
            importer.import_file(con, export, user=DEMO_USER, kind="wjx", cfg=cfg)
        demo_business.import_panel(con, seed=seed, user=DEMO_USER, cfg=cfg)
        demo_registers.import_registers(con, seed=seed, user=DEMO_USER, cfg=cfg)
        importer.import_frame(con, _transfers(con, ids), user=DEMO_USER, kind="transfers", file_name="演示数据_transfers",
                              cfg=cfg)
        accounts = _accounts(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
        shutil.rmtree(spool, ignore_errors=True)
    return DemoSummary(
        path=path,
        general_branches=len(GENERAL_BRANCHES) * scale,
        branches=int(counted["units"]),
        members=counted["members"],
        quarters=len(quarters),
        activities=counted["activities"],
        tasks=len(tasks),
        survey_responses=len(survey),
        accounts=accounts,
    )


CAMPUSES_PER_BATCH = 4
"""Campuses generated and imported as one batch per kind when ``scale`` > 1 (about 540,000
score rows): the memory of a build is that of four campuses, whatever the scale."""

# The import kinds each campus has, in dependency order (tasks and the survey are hospital-wide).
CAMPUS_KINDS = ("org_units", "members", "vanguard_scores", "branch_scores", "four_have", "activities", "attendance")
# Kinds whose re-import replaces a whole quarter or year of every branch: all campuses must go in
# one batch, so their rows are appended to a CSV file group by group and imported with the last.
HOSPITAL_WIDE_KINDS = ("branch_scores", "four_have")


class _Ids:
    """Ids of a demo of ``scale`` campuses: the 1x demo keeps its short ids (G01, B01, M0001)."""

    def __init__(self, scale: int) -> None:
        self.scale = scale
        branches = sum(len(d) for _, d in GENERAL_BRANCHES)
        self.branches_per_campus = branches
        self.general_width = 2 if scale == 1 else max(3, len(str(len(GENERAL_BRANCHES) * scale)))
        self.branch_width = 2 if scale == 1 else max(4, len(str(branches * scale)))
        self.member_width = 4 if MEMBER_COUNT * scale < 10_000 else 6

    def general(self, campus: int, number: int) -> str:
        return f"G{campus * len(GENERAL_BRANCHES) + number:0{self.general_width}d}"

    def branch(self, campus: int, number: int) -> str:
        return f"B{campus * self.branches_per_campus + number:0{self.branch_width}d}"

    def member(self, campus: int, number: int) -> str:
        return f"M{campus * MEMBER_COUNT + number:0{self.member_width}d}"

    def all_branches(self) -> list[str]:
        return [self.branch(c, n) for c in range(self.scale) for n in range(1, self.branches_per_campus + 1)]


@dataclass(frozen=True)
class _Campus:
    """One campus's data, as import frames by kind, plus its 示范点 (and, for campus 0, the
    hospital-wide tasks and survey, drawn after it from the same generator)."""

    frames: dict[str, pd.DataFrame]
    sites: pd.DataFrame
    tasks: pd.DataFrame | None
    survey: pd.DataFrame | None


def _campus(seed: int, campus: int, ids: _Ids, quarters: list[str], cfg: config_mod.Config) -> _Campus:
    """Generate campus ``campus`` from a generator of its own (``seed`` itself for campus 0, so
    that the 1x demo is the hospital of DOMAIN.md, figure for figure)."""
    rng = np.random.default_rng(seed if campus == 0 else [seed, campus])
    units, branch_traits = _org_units(rng, campus, ids)
    members = _retirees_born_before_retiring(seed, campus, units, _members(rng, units, campus, ids))
    four_have, sites = _four_have(rng, branch_traits, cfg)
    # Activity ids are unique across campuses: a campus has fewer than 100,000 activities.
    prefix = f"A{campus:03d}" if ids.scale > 1 else "A"
    activities, attendance = _activities(rng, units, members, branch_traits, prefix)
    activities, attendance = _yearly_meetings_and_lecturers(seed, campus, units, members, branch_traits, activities,
                                                            attendance, prefix)
    frames = {
        "org_units": units,
        "members": members,
        "vanguard_scores": _vanguard_scores(rng, members, branch_traits, quarters, cfg),
        "branch_scores": _branch_scores(rng, branch_traits, quarters, cfg).drop(columns="max_points"),
        "four_have": four_have.drop(columns="max_points"),
        "activities": activities,
        "attendance": attendance,
    }
    frames = _plausible(seed, campus, units, frames)
    if campus != 0:
        return _Campus(frames, sites, None, None)
    return _Campus(frames, sites, _tasks(rng, ids.all_branches(), units), _survey(rng))


# (username, display name, role, unit level whose first unit the secretary leads)
DEMO_ACCOUNTS = (
    ("dangban", "党办演示账号", "committee", None),
    ("zongzhi", "内科党总支书记（演示）", "secretary", "general_branch"),
    ("zhibu", "心血管内科党支部书记（演示）", "secretary", "branch"),
    ("yanjiu", "研究人员（演示）", "researcher", None),
)


def _accounts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, str]]:
    """One demo account per role, each with a fresh random password (no default password)."""
    from analysis.scope import ROLES

    out = {}
    for username, display_name, role, level in DEMO_ACCOUNTS:
        unit = level and con.execute("SELECT min(unit_id) FROM org_unit WHERE level = ?", [level]).fetchone()[0]
        password = auth.generate_password()
        auth.create_user(con, username=username, display_name=display_name, role=role, unit_id=unit,
                         password=password, actor=Scope.committee("demo"), must_change_password=False)
        out[username] = (ROLES[role], unit or "全院", password)
    return out


def _transfers(con: duckdb.DuckDBPyConnection, ids: _Ids) -> pd.DataFrame:
    """A handful of 党员调动 in 2025 within the hospital (its 640 members stay), between branches of
    the same kind of work, away from the branches the tests pin (B01-B20): the last ordinary member
    (党员) of each from-branch moves on 1 July (two quarters of the year in each branch), and one
    on 15 August (Q3 ends in the new branch). Branches of the first campus when scaled up."""
    july, august = dt.date(2025, 7, 1), dt.date(2025, 8, 15)
    moves = tuple((ids.branch(0, a), ids.branch(0, b), day)
                  for a, b, day in ((28, 27, july), (31, 33, july), (32, 31, july), (23, 26, july), (24, 23, august)))
    movers = dict(con.execute(
        "SELECT branch_id, max(member_id) FROM member WHERE party_role = '党员' AND active "
        "AND list_contains(?, branch_id) GROUP BY ALL", [[b for b, _, _ in moves]]).fetchall())
    rows = [(movers[b], b, to, day, "调动") for b, to, day in moves]
    return pd.DataFrame(rows, columns=["member_id", "from_branch_id", "to_branch_id", "effective_on", "reason"])


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, batch_id: int | None) -> None:
    """Bulk insert a DataFrame whose columns are a subset of the table's (by name)."""
    if batch_id is not None:
        frame = frame.assign(batch_id=batch_id)
    con.register("frame_to_insert", frame)
    try:
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM frame_to_insert")
    finally:
        con.unregister("frame_to_insert")


def _org_units(rng: np.random.Generator, campus: int, ids: _Ids) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    if campus == 0:
        rows.append({"unit_id": "C00", "name": "医院党委", "level": "committee", "parent_id": None, "department": None})
    traits = []
    number = 0
    suffix = "" if ids.scale == 1 else f"（{campus + 1}院区）"
    for g, (name, departments) in enumerate(GENERAL_BRANCHES, start=1):
        general_id = ids.general(campus, g)
        rows.append({"unit_id": general_id, "name": f"{name}{suffix}", "level": "general_branch", "parent_id": "C00",
                     "department": None})
        for department in departments:
            number += 1
            branch_id = ids.branch(campus, number)
            rows.append({"unit_id": branch_id, "name": f"{department}党支部{suffix}", "level": "branch",
                         "parent_id": general_id, "department": department})
            traits.append({"branch_id": branch_id, "general_id": general_id, "quality": rng.normal(0, 1), "trend": 0.0})
    traits = pd.DataFrame(traits)
    # A few branches that visibly improve over the three years, a few persistently weak ones.
    order = rng.permutation(len(traits))
    traits.loc[order[:3], "trend"] = rng.uniform(0.35, 0.5, 3)
    traits.loc[order[:3], "quality"] = rng.uniform(-1.8, -1.2, 3)
    traits.loc[order[3:6], "quality"] = rng.uniform(-2.8, -2.2, 3)
    traits.loc[order[6:9], "trend"] = rng.uniform(-0.2, -0.12, 3)
    units = pd.DataFrame(rows)
    units["founded_on"] = pd.NaT
    return units, traits


def _general_kind(general_id: str) -> str:
    """The template general branch (G01..G07) a possibly scaled-up general branch copies."""
    return f"G{(int(general_id[1:]) - 1) % len(GENERAL_BRANCHES) + 1:02d}"


def _name(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        given = "".join(rng.choice(list(GIVEN), size=int(rng.choice([1, 2], p=[0.3, 0.7]))))
        name = str(rng.choice(list(SURNAMES))) + given
        if name not in used:
            used.add(name)
            return name


def _members(rng: np.random.Generator, units: pd.DataFrame, campus: int, ids: _Ids) -> pd.DataFrame:
    branches = units[units["level"] == "branch"].reset_index(drop=True)
    sizes = rng.multinomial(MEMBER_COUNT - 10 * len(branches), rng.dirichlet(np.full(len(branches), 6.0))) + 10
    professions_by_general = {
        "G01": ("医生", "医生", "医生", "护士", "学生"), "G02": ("医生", "医生", "医生", "护士", "学生"),
        "G03": ("医技", "医技", "药学", "医生"), "G04": ("护士", "护士", "护士", "学生"),
        "G05": ("医生", "护士", "医生", "学生"), "G06": ("行政后勤",), "G07": ("行政后勤", "行政后勤", "医技"),
    }
    used: set[str] = set()
    rows = []
    number = 0
    for branch, size in zip(branches.itertuples(), sizes):
        choices = professions_by_general[_general_kind(branch.parent_id)]
        for i in range(size):
            number += 1
            profession = str(rng.choice(choices))
            role = "书记" if i == 0 else "委员" if i <= 2 + (size > 20) else "预备党员" if rng.random() < 0.06 else "党员"
            joined = dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(0, 640))) if role == "预备党员" else (
                dt.date(1985, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 38)))
            )
            honour = None
            if rng.random() < 0.16:
                honour = "领航" if profession == "学生" else str(rng.choice(["服务", "技能", "创新", "绩效", "管理"]))
            rows.append({
                "member_id": ids.member(campus, number),
                "name": _name(rng, used),
                "branch_id": branch.unit_id,
                "gender": "女" if rng.random() < (0.8 if profession == "护士" else 0.45) else "男",
                "birth_year": int(rng.integers(1998, 2003)) if profession == "学生" else int(rng.integers(1962, 1998)),
                "party_role": role,
                "profession": profession,
                "joined_on": joined,
                "honour_post": honour,
                "duty_zone": f"{branch.department}党员责任区" if rng.random() < 0.3 else None,
            })
    return pd.DataFrame(rows)


def _plausible(seed: int, campus: int, units: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """What a real hospital's records show and the raw draws did not (issue #17), from a generator
    of its own so that every figure calibrated before stays where it was:

    - 离退休 members retired from every profession and hold no 示范岗 or 责任区;
    - 重症医学科 has doctors as well as nurses;
    - the 三会一课参与 dimension follows the member's attendance of that quarter's meetings;
    - four members fall to 基本合格 in 2024 and one to 不合格 in 2025 (sustained low scores).

    (The weakest branches already fall under the 80-point flag in several quarters.)
    """
    rng = np.random.default_rng([seed, campus, 29])
    members = frames["members"].copy()
    department = members["branch_id"].map(units.set_index("unit_id")["department"])
    retired = (department == "离退休").to_numpy()
    members.loc[retired, "profession"] = rng.choice(["医生", "护士", "医技", "药学", "行政后勤"], size=retired.sum(),
                                                    p=[0.3, 0.3, 0.15, 0.05, 0.2])
    members.loc[retired, ["honour_post", "duty_zone"]] = None
    icu = ((department == "重症医学科") & (members["profession"] == "护士")).to_numpy()
    members.loc[icu, "profession"] = np.where(rng.random(icu.sum()) < 0.4, "医生", "护士")

    scores = frames["vanguard_scores"].copy()
    activities, attendance = frames["activities"], frames["attendance"]
    meetings = activities[activities["activity_type"].isin(["支部党员大会", "支委会", "党小组会", "党课"])]
    rates = attendance.merge(meetings[["activity_id", "held_on"]], on="activity_id")
    held = pd.to_datetime(rates["held_on"])
    rates["quarter"] = held.dt.year.astype(str) + "Q" + held.dt.quarter.astype(str)
    rates = (rates.assign(present=rates["status"] == "出席").groupby(["member_id", "quarter"])["present"].mean()
             .rename("attended").reset_index())
    scores = scores.merge(rates, on=["member_id", "quarter"], how="left")
    attended = scores["attended"].fillna(rates["attended"].mean())
    on_meetings = scores["dimension_id"] == "meetings"
    # Ten points for every tenth of the meetings missed, relative to the usual attendance.
    scores.loc[on_meetings, "score"] += 100 * (attended[on_meetings] - rates["attended"].mean())
    ordinary = members[~retired & (members["party_role"] == "党员") & (members["joined_on"] < dt.date(2022, 1, 1))]
    weak = rng.choice(ordinary["member_id"], size=5, replace=False)
    for member_id, year, drop in [(m, "2024", 16.0) for m in weak[:4]] + [(weak[4], "2025", 30.0)]:
        rows = (scores["member_id"] == member_id) & scores["quarter"].str.startswith(year)
        scores.loc[rows, "score"] -= drop
    scores["score"] = scores["score"].clip(40, 100).round(1)
    return {**frames, "members": members, "vanguard_scores": scores.drop(columns="attended")}


def _retirees_born_before_retiring(seed: int, campus: int, units: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Members of the 离退休 branch born 1938-1963 (of retirement age by the demo's years), drawn
    from a generator of their own so that every other figure of the demo stays as calibrated."""
    retired = set(units.loc[units["department"] == "离退休", "unit_id"])
    rows = members["branch_id"].isin(retired)
    rng = np.random.default_rng([seed, campus, 19])
    return members.assign(birth_year=members["birth_year"].where(~rows, pd.Series(
        rng.integers(1938, 1964, len(members)), index=members.index)))


def _season(quarter: str) -> float:
    return {1: -1.2, 2: 0.0, 3: 0.2, 4: 1.0}[periods.split(quarter)[1]]


def _vanguard_scores(rng, members, branch_traits, quarters, cfg) -> pd.DataFrame:
    traits = branch_traits.set_index("branch_id")
    dims = [d.id for d in cfg.vanguard.dimensions]
    rater_bias = {"self": 3.0, "peer": 0.8, "org": 0.0}
    frames = []
    ability = rng.normal(0, 2.5, len(members))
    for q_index, quarter in enumerate(quarters):
        quarter_start = periods.bounds(quarter)[0]
        present = members["joined_on"].map(lambda d, start=quarter_start: d <= start).to_numpy()
        branch_q = traits.loc[members["branch_id"], "quality"].to_numpy()
        branch_t = traits.loc[members["branch_id"], "trend"].to_numpy()
        level = 84.0 + 1.8 * branch_q + branch_t * 2.0 * q_index + ability + _season(quarter) + 0.15 * q_index
        for dim_index, dim in enumerate(dims):
            dim_level = level + rng.normal(0, 1.5, len(members)) + (dim_index - 2.5) * 0.6
            for rater, bias in rater_bias.items():
                noise = rng.normal(0, 1.2 if rater == "self" else 2.0, len(members))
                score = np.clip(np.round(dim_level + bias + noise, 1), 40, 100)
                frames.append(pd.DataFrame({
                    "member_id": members["member_id"][present].to_numpy(),
                    "quarter": quarter,
                    "dimension_id": dim,
                    "rater": rater,
                    "score": score[present],
                }))
    return pd.concat(frames, ignore_index=True)


def _branch_scores(rng, branch_traits, quarters, cfg) -> pd.DataFrame:
    indicators = cfg.assessment.indicators
    # Each branch is persistently stronger at some indicators than others; the quarter-to-
    # quarter noise is small, so rank changes reflect trends and seasons more than chance.
    strengths = rng.normal(0, 0.045, (len(branch_traits), len(indicators)))
    rows = []
    for q_index, quarter in enumerate(quarters):
        for b_index, b in enumerate(branch_traits.itertuples()):
            base = 0.89 + 0.035 * b.quality + 0.012 * b.trend * q_index * 2 + 0.008 * _season(quarter) + 0.002 * q_index
            for i_index, ind in enumerate(indicators):
                fraction = np.clip(base + strengths[b_index, i_index] + rng.normal(0, 0.012), 0.3, 1.0)
                rows.append({
                    "branch_id": b.branch_id,
                    "quarter": quarter,
                    "indicator_id": ind.id,
                    "max_points": ind.max_points,
                    "score": round(float(fraction * ind.max_points), 1),
                })
    return pd.DataFrame(rows)


def _four_have(rng, branch_traits, cfg) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for year in (2023, 2024, 2025):
        for b in branch_traits.itertuples():
            for dim in cfg.four_have:
                share = np.clip(0.82 + 0.05 * b.quality + 0.02 * b.trend * (year - 2023) * 4 + rng.normal(0, 0.04), 0.4, 1.0)
                score = round(float(share * dim.max_points), 1)
                rows.append({
                    "branch_id": b.branch_id, "year": year, "dimension_id": dim.id, "max_points": dim.max_points,
                    "self_score": round(min(dim.max_points, score + abs(rng.normal(1.0, 0.8))), 1), "score": score,
                })
    scores = pd.DataFrame(rows)
    totals = scores[scores["year"] == 2024].groupby("branch_id")["score"].sum().sort_values(ascending=False)
    sites = pd.DataFrame({"branch_id": totals.index[:12], "year": 2024, "title": "四有工程示范点"})
    return scores, sites


# What a branch's activities are called, by month (主题党日) or in turn (志愿服务, 党课), as a 党办's
# records name them rather than "2024年2月志愿服务".
PARTY_DAY_THEMES = ("新春走访慰问困难党员", "学习全国两会精神", "学雷锋志愿服务月", "清明缅怀革命先烈",
                    "五四青年座谈会", "重温入党誓词", "庆祝建党节", "八一拥军优属", "中秋关爱一线职工",
                    "国庆爱国主义教育", "宪法宣传进病区", "年终组织生活准备")
VOLUNTEER_TITLES = ("门诊导医志愿服务", "社区健康咨询志愿服务", "无偿献血志愿服务", "住院患者陪伴志愿服务",
                    "自助机使用指导志愿服务", "敬老院健康关爱志愿服务")
LECTURE_TOPICS = ("党章党规专题党课", "医德医风专题党课", "全面从严治党专题党课", "党史学习教育专题党课")


def _activities(rng, units, members, branch_traits, prefix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    branches = units[units["level"] == "branch"].set_index("unit_id")
    quality = branch_traits.set_index("branch_id")["quality"]
    clinical = {"G01", "G02", "G04", "G05"}
    months = pd.period_range(periods.bounds(FIRST_QUARTER)[0], periods.bounds(LAST_QUARTER)[1], freq="M")
    activity_rows = []
    attendance: dict[str, list] = {"activity_id": [], "member_id": [], "status": []}
    by_branch = {
        b: (m["member_id"].to_numpy(), m["joined_on"].to_numpy(), m["party_role"].isin(["书记", "副书记", "委员"]).to_numpy())
        for b, m in members.groupby("branch_id")
    }

    def add(branch_id, kind, title, day, served=0, hours=0.0, attendees=None):
        activity_id = f"{prefix}{len(activity_rows) + 1:05d}"
        activity_rows.append({
            "activity_id": activity_id, "unit_id": branch_id, "activity_type": kind, "title": title,
            "held_on": day, "people_served": int(served), "hours": float(hours),
        })
        if attendees is not None:
            ids, joined, mask = attendees
            eligible = ids[mask & (joined <= day)]
            draw = rng.random(len(eligible))
            attendance["activity_id"].extend([activity_id] * len(eligible))
            attendance["member_id"].extend(eligible)
            attendance["status"].extend(
                np.where(draw < 0.90 + 0.02 * quality[branch_id], "出席", np.where(draw < 0.975, "请假", "缺席"))
            )

    for branch_id, branch in branches.iterrows():
        ids, joined, on_committee = by_branch[branch_id]
        team = (ids, joined, np.ones(len(ids), dtype=bool))
        committee = (ids, joined, on_committee)
        # Weak branches skip more meetings: the gaps the compliance view must find.
        miss = float(np.clip(0.04 - 0.03 * quality[branch_id], 0.0, 0.16))
        for month in months:
            first = month.start_time.date()
            day = lambda lo, hi, first=first: first + dt.timedelta(days=int(rng.integers(lo, hi)))  # noqa: E731
            label = f"{month.year}年{month.month}月"
            if rng.random() > miss:
                add(branch_id, "支委会", f"{label}支委会", day(2, 12), attendees=committee)
            if rng.random() > miss:
                add(branch_id, "党小组会", f"{label}党小组会", day(8, 20), attendees=team)
            if rng.random() > miss / 2:
                add(branch_id, "主题党日", f"{label}主题党日：{PARTY_DAY_THEMES[month.month - 1]}", day(14, 26),
                    attendees=team)
            if month.month % 3 == 0:
                quarter_label = f"{month.year}年第{month.month // 3}季度"
                if rng.random() > miss / 2:
                    add(branch_id, "支部党员大会", f"{quarter_label}党员大会", day(1, 20), attendees=team)
                if rng.random() > miss / 2:
                    add(branch_id, "党课", f"{quarter_label}{LECTURE_TOPICS[month.month // 3 - 1]}", day(5, 25),
                        attendees=team)
            if _general_kind(branch["parent_id"]) in clinical and rng.random() < 0.3:
                add(branch_id, "义诊", f"{label}{branch['department']}“健康进社区”义诊", day(1, 27),
                    served=rng.integers(40, 320), hours=rng.integers(3, 9))
            if rng.random() < 0.28:
                add(branch_id, "志愿服务", f"{label}{VOLUNTEER_TITLES[month.month % len(VOLUNTEER_TITLES)]}", day(1, 27),
                    served=rng.integers(20, 200), hours=rng.integers(4, 30))
            if rng.random() < 0.12:
                add(branch_id, "培训", f"{label}业务与党务培训", day(1, 27), served=rng.integers(20, 90), hours=rng.integers(2, 8))
            if month.month in (4, 10) and rng.random() < 0.25:
                add(branch_id, "健康扶贫", f"{label}健康扶贫下乡", day(1, 27), served=rng.integers(60, 400), hours=rng.integers(6, 16))
        for year in (2023, 2024, 2025):
            add(branch_id, "讲党课比赛", f"{year}年讲党课比赛", dt.date(year, 6, int(rng.integers(10, 28))))
    return pd.DataFrame(activity_rows), pd.DataFrame(attendance)


CLINIC_DRIVES = ("“健康进社区”大型义诊", "“服务百姓健康行动”义诊周", "“送医下乡”巡回义诊")
"""Titles of the free clinics a clinical 党总支 runs itself, twice a year (seed 000)."""


def _yearly_meetings_and_lecturers(seed: int, campus: int, units: pd.DataFrame, members: pd.DataFrame,
                                   branch_traits: pd.DataFrame, activities: pd.DataFrame, attendance: pd.DataFrame,
                                   prefix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each branch's yearly 组织生活会 and 民主评议党员 (in late November or December; a few weak
    branches miss one), the lecturer of every 党课, the clinical 总支's own 义诊 and two 援派 a year:
    drawn from generators of their own, so that every figure calibrated before them stays as it was."""
    rng = np.random.default_rng([seed, campus, 23])
    quality = branch_traits.set_index("branch_id")["quality"]
    rows, present = [], {"activity_id": [], "member_id": [], "status": []}

    def add(unit_id, kind, title, day, served=0, hours=0.0):
        activity_id = f"{prefix}{len(activities) + len(rows) + 1:05d}"
        rows.append({"activity_id": activity_id, "unit_id": unit_id, "activity_type": kind, "title": title,
                     "held_on": day, "people_served": int(served), "hours": float(hours)})
        return activity_id

    branches = units[units["level"] == "branch"]
    clinical = branches[branches["parent_id"].map(_general_kind).isin({"G01", "G02", "G05"})]
    deploy = np.random.default_rng([seed, campus, 31])
    for year in (2023, 2024, 2025):
        for branch in branches.itertuples():
            team = members[(members["branch_id"] == branch.unit_id) & (members["joined_on"] <= dt.date(year, 11, 20))]
            skip = 0.02 + 0.05 * max(0.0, -float(quality[branch.unit_id]))
            day = dt.date(year, 11, 20) + dt.timedelta(days=int(rng.integers(0, 38)))
            for kind, title, offset in (("组织生活会", f"{year}年度组织生活会", 0), ("民主评议党员", f"{year}年度民主评议党员", 1)):
                if rng.random() < skip:
                    continue
                activity_id = add(branch.unit_id, kind, title, day + dt.timedelta(days=offset), hours=3)
                draw = rng.random(len(team))
                present["activity_id"].extend([activity_id] * len(team))
                present["member_id"].extend(team["member_id"])
                present["status"].extend(np.where(draw < 0.95, "出席", np.where(draw < 0.99, "请假", "缺席")))
        # 援派: a clinical branch sends a specialist to a county hospital (对口帮扶) each half-year
        # (a generator of its own, drawn after the meetings above were calibrated).
        for month, branch in zip((3, 9), clinical.iloc[deploy.choice(len(clinical), 2, replace=False)].itertuples()):
            add(branch.unit_id, "援派", f"{year}年{branch.department}骨干赴对口帮扶县医院坐诊带教",
                dt.date(year, month, int(deploy.integers(1, 28))), served=deploy.integers(150, 600),
                hours=deploy.integers(40, 160))
        for general in units[(units["level"] == "general_branch")].itertuples():
            if _general_kind(general.unit_id) in {"G01", "G02", "G05"}:
                for month in (5, 10):
                    add(general.unit_id, "义诊", f"{year}年{general.name}{CLINIC_DRIVES[int(rng.integers(0, 3))]}",
                        dt.date(year, month, int(rng.integers(8, 26))), served=rng.integers(300, 900),
                        hours=rng.integers(6, 10))
    lectures = activities["activity_type"] == "党课"
    by_branch = {b: m for b, m in members.groupby("branch_id")}
    lecturers, roles = [], []
    for branch_id in activities.loc[lectures, "unit_id"]:
        team = by_branch[branch_id]
        role = str(rng.choice(["书记", "委员", "党员", "其他"], p=[0.34, 0.28, 0.26, 0.12]))
        pool = team[team["party_role"] == role] if role in ("书记", "委员") else team[team["party_role"] == "党员"]
        lecturers.append(str(rng.choice(pool["name"])) if role != "其他" and len(pool) else
                         str(rng.choice(["院党委书记", "院长", "市委党校教师", "院纪委书记"])))
        roles.append(role if role != "其他" and len(pool) else "其他")
    activities = activities.assign(lecturer=None, lecturer_role=None)
    activities.loc[lectures, "lecturer"] = lecturers
    activities.loc[lectures, "lecturer_role"] = roles
    return (pd.concat([activities, pd.DataFrame(rows)], ignore_index=True),
            pd.concat([attendance, pd.DataFrame(present)], ignore_index=True))


# The unit that owns each 办实事 task, by department (a branch), 总支 name or 医院党委: the
# hospital-wide tasks are the committee's own (seed 002 lists them at hospital level).
TASK_OWNERS = {
    "门诊一站式服务中心": "医院党委", "检查结果线上查询": "信息中心", "夜间门诊延时服务": "门诊部",
    "住院床旁结算": "财务部", "老年患者就医绿色通道": "门急诊党总支", "慢病患者健康讲座进社区": "内科党总支",
    "孕产妇健康课堂": "妇产科", "儿童用药安全科普": "儿科", "乡镇卫生院巡回义诊": "医院党委",
    "对口帮扶医院专家坐诊": "医务部", "高血压糖尿病筛查": "内分泌科", "检验报告出具提速": "检验科",
    "影像检查预约缩短": "医学影像科", "出院带药流程简化": "药学部", "手术排程透明化": "手术室",
    "互联网医院复诊开药": "信息中心", "智能导诊上线": "门诊部", "电子陪护证": "护理党总支",
    "职工子女暑期托管": "人力资源部", "夜班职工餐改善": "后勤保障部", "青年职工宿舍改造": "后勤保障部",
    "停车难问题改善": "保卫部", "合理用药咨询门诊": "药学部", "门诊退费一次办": "财务部",
    "处方流转到家": "药学部", "一线医护心理疏导": "医院党委",
}


def _tasks(rng, branch_ids: list[str], units: pd.DataFrame) -> pd.DataFrame:
    branches = np.array(branch_ids)
    owners = {**dict(zip(units["name"].str.replace(r"（\d+院区）$", "", regex=True), units["unit_id"])),
              **dict(zip(units["department"].dropna(), units.loc[units["department"].notna(), "unit_id"]))}
    titles = (
        ("便民服务", "门诊一站式服务中心"), ("便民服务", "检查结果线上查询"), ("便民服务", "夜间门诊延时服务"),
        ("便民服务", "住院床旁结算"), ("便民服务", "老年患者就医绿色通道"), ("健康宣教", "慢病患者健康讲座进社区"),
        ("健康宣教", "孕产妇健康课堂"), ("健康宣教", "儿童用药安全科普"), ("义诊下乡", "乡镇卫生院巡回义诊"),
        ("义诊下乡", "对口帮扶医院专家坐诊"), ("义诊下乡", "高血压糖尿病筛查"), ("流程优化", "检验报告出具提速"),
        ("流程优化", "影像检查预约缩短"), ("流程优化", "出院带药流程简化"), ("流程优化", "手术排程透明化"),
        ("智慧医疗", "互联网医院复诊开药"), ("智慧医疗", "智能导诊上线"), ("智慧医疗", "电子陪护证"),
        ("关爱职工", "职工子女暑期托管"), ("关爱职工", "夜班职工餐改善"), ("关爱职工", "青年职工宿舍改造"),
        ("便民服务", "停车难问题改善"), ("健康宣教", "合理用药咨询门诊"), ("流程优化", "门诊退费一次办"),
        ("智慧医疗", "处方流转到家"), ("关爱职工", "一线医护心理疏导"),
    )
    order = rng.permutation(len(titles))
    rows = []
    for i, idx in enumerate(order):
        category, title = titles[idx]
        started = dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 150)))
        due = started + dt.timedelta(days=int(rng.integers(60, 240)))
        status = "已完成" if i < 19 else "进行中" if i < 24 else "未开始"
        done = started + dt.timedelta(days=int(rng.integers(30, (due - started).days + 20))) if status == "已完成" else None
        # The owner was once a random branch: the draw stays, unused, so that the survey drawn
        # after the tasks from the same generator keeps its calibrated figures (1,107 / 1,543; 93 % / 86 %).
        rng.choice(branches)
        rows.append({
            "task_id": f"T{i + 1:02d}", "title": title, "unit_id": owners[TASK_OWNERS[title]], "category": category,
            "status": status, "started_on": started, "due_on": due, "completed_on": done,
        })
    return pd.DataFrame(rows)


def _survey(rng) -> pd.DataFrame:
    """The questionnaire of DOMAIN.md §7 as 问卷星's "按选项文本" download lays it out.

    One row per respondent (respondents are not members' records): metadata columns, then
    "N、题干 (类型 *必答)" columns; multiple choices joined by "┋", rankings by "→", the matrix
    as one column per row item ("4分"), unanswered free text as "(空)".
    """
    departments = ("临床科室", "医技科室", "护理单元", "行政后勤")
    titles = ("初级", "中级", "副高", "正高", "其他")
    ranking_items = ("政治建设", "业务融合", "人才培养", "作风建设")
    n = SURVEY_MEMBERS + SURVEY_NON_MEMBERS
    is_member = np.zeros(n, dtype=bool)
    is_member[rng.choice(n, SURVEY_MEMBERS, replace=False)] = True
    political = np.where(is_member, 0, rng.choice([1, 2, 3], size=n, p=[0.22, 0.08, 0.70]))
    effect = np.empty(n, dtype=int)
    for group, mask in (("member", is_member), ("non_member", ~is_member)):
        effective = SURVEY_EFFECTIVE[group]
        others = rng.choice([1, 2, 3], size=int(mask.sum()) - effective, p=[0.75, 0.1, 0.15])
        effect[np.flatnonzero(mask)] = rng.permutation(np.concatenate([np.zeros(effective, dtype=int), others]))
    submitted = [dt.datetime(2025, 10, 8, 8) + dt.timedelta(seconds=int(s)) for s in rng.integers(0, 24 * 86400, n)]
    export = pd.DataFrame({
        "序号": np.arange(1, n + 1),
        "提交答卷时间": [t.strftime("%Y/%m/%d %H:%M:%S") for t in submitted],
        "所用时间": [f"{s}秒" for s in rng.integers(60, 900, n)],
        "来源": rng.choice(["手机提交", "微信", "链接"], size=n, p=[0.2, 0.7, 0.1]),
        "来源详情": "直接访问",
        "来自IP": [f"10.{a}.{b}.{c}(内网)" for a, b, c in rng.integers(0, 255, (n, 3))],
        "1、您的政治面貌 (单选题 *必答)": np.array(POLITICAL_OPTIONS)[political],
        "2、您所在的科室类别 (单选题 *必答)": np.array(departments)[rng.choice(4, n, p=[0.5, 0.15, 0.25, 0.1])],
        "3、您的职称 (单选题 *必答)": np.array(titles)[rng.choice(5, n, p=[0.3, 0.38, 0.2, 0.08, 0.04])],
        "4、您认为医院党建工作对科室发展的引领作用如何? (单选题 *必答)": np.array(EFFECT_OPTIONS)[effect],
    })
    # Areas where Party building helps more are chosen more often and rated higher; 医保管理
    # and DRG/CMI come out weakest, the finding the matrix view should surface.
    area_strength = np.array([0.75, 0.55, 0.7, 0.35, 0.3, 0.4, 0.45, 0.72, 0.6, 0.5, 0.62, 0.58, 0.66])
    positive = (effect == 0).astype(float)
    chosen = rng.random((n, len(SURVEY_AREAS))) < (area_strength * (0.6 + 0.4 * positive[:, None]))
    chosen[np.arange(n), np.argmax(area_strength * rng.random((n, len(SURVEY_AREAS))), axis=1)] = True
    export["5、您认为党建工作在哪些方面促进了科室发展? (多选题 *必答)"] = [
        "┋".join(a for a, c in zip(SURVEY_AREAS, row) if c) for row in chosen
    ]
    latent = rng.normal(0, 0.6, n)[:, None] + 3.2 + 1.4 * area_strength[None, :] + 0.4 * positive[:, None]
    likert = np.clip(np.round(latent + rng.normal(0, 0.7, latent.shape)), 1, 5).astype(int)
    matrix = "6、请评价党建工作对以下方面的促进作用（1分表示没有作用，5分表示作用很大） (矩阵单选题 *必答)"
    for index, area in enumerate(SURVEY_AREAS):
        export[f"{matrix}—{area}" if index == 0 else area] = [f"{v}分" for v in likert[:, index]]
    order = np.argsort(rng.random((n, 4)) + np.array([0.0, 0.15, 0.3, 0.35]), axis=1)
    export["7、请按重要性对以下党建工作排序 (排序题 *必答)"] = ["→".join(ranking_items[i] for i in row) for row in order]
    suggestions = np.array([
        "希望多组织义诊和志愿服务活动", "三会一课形式可以更灵活，结合业务学习", "加强青年党员培养和导师帮带",
        "支部活动与科室业务结合更紧密", "建议减少形式化的台账材料", "希望党建考核结果与绩效挂钩更透明",
        "多开展医保和DRG政策解读", "党员示范岗作用发挥得很好", "建议增加跨科室的支部联建活动",
    ])
    says = rng.random(n) < 0.28
    export["8、您对医院党建工作的意见和建议 (填空题)"] = np.where(says, rng.choice(suggestions, n), "(空)")
    return export
