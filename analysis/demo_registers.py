"""The demo hospital's registers (issue #17), imported like a hospital's own: 软弱涣散 rectification,
党员发展, branch secretaries, honours and deployments.

What is true in the synthetic data, so every section has something to say:

- the four weakest branches of 2023 were designated 软弱涣散 in January 2024: the two that
  improved most closed out (销号) with a re-assessment, two are still open past their deadline;
  one more branch was designated in 2025 and is within its deadline;
- 35 people were received as 预备党员 in 2025 (the article's "发展党员35人"), about half of them
  业务骨干; three 预备党员 of 2024 are overdue for 转正; the pipeline holds applicants,
  积极分子 and 发展对象 in most clinical branches;
- every branch has a secretary (its 书记 in the member list); about two thirds are 双带头人
  (clinical secretaries who head the department or lead a discipline), a few terms are overdue
  for 换届 and a few fall due within six months;
- honours follow the assessment: the best branches of each year are 模范党支部 (9 over three
  years), 11 星级党支部 ratings, members with the highest scores are 优秀共产党员;
- member profiles: doctors mostly with postgraduate degrees and, the older ones, senior titles;
  nurses with bachelor's or college degrees; clinical members on front-line posts; the
  离退休党支部 retired;
- 13 支部工作法 (the article's count) and 5 党建品牌, mostly in branches that are 示范点;
- deployments: 援鄂 (2020), 援沪 and 援港 (2022), 援疆 rotations and 对口帮扶 to county hospitals,
  about two thirds of those deployed are Party members, who volunteer on the day of the call
  more often than others;
- 党员责任区: one or two wards (病区) of each inpatient department, each with a responsible member
  of its branch; every quarter each 总支 names a 领跑先锋岗 of a kind that fits its work, one
  student is 领航先锋岗 and two zones are 红旗责任区; most awardees rank near the top of their
  branch that quarter, not all (a generator of their own, ``[seed, 10]``).

Everything is drawn from a generator of its own (``[seed, 17]``) and from the rows already
imported, so the other demo figures are untouched and the registers are the same on every build.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analysis import config as config_mod

AS_OF = dt.date(2025, 12, 31)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "嘉言慧敏立新思齐亦凡卓然文博静怡子墨若彤宏伟丽娟海燕春晖秋实雅婷"
CLINICAL = ("G01", "G02", "G03", "G04", "G05")  # 内科, 外科, 医技, 护理, 门急诊
PROFESSIONS = {"G01": "医生", "G02": "医生", "G03": "医技", "G04": "护士", "G05": "医生", "G06": "行政后勤",
               "G07": "行政后勤"}
REASONS = (
    "组织生活不经常、不认真、不规范，“三会一课”落实不到位",
    "支部班子配备不齐，书记长期兼顾业务、抓党建精力不足",
    "党员教育管理宽松软，季度考核连续排名靠后",
)
MEASURES = "院党委委员联系点指导；调整充实支部委员会；每月督查“三会一课”台账；书记每季度向党委述职"


def import_registers(con: duckdb.DuckDBPyConnection, *, seed: int, user: str, cfg: config_mod.Config) -> None:
    """Import the demo's five registers through the import pipeline (after the members and scores)."""
    from analysis.ingest import importer

    rng = np.random.default_rng([seed, 17])
    # The first campus only (a scaled demo repeats it): its seven general branches come first by id,
    # and their number (G01 or G001) names the template general branch of CLINICAL and PROFESSIONS.
    branches = con.execute(
        """SELECT branch_id, branch_name, department, printf('G%02d', CAST(substr(general_branch_id, 2) AS INTEGER))
                  AS general_branch_id
           FROM branch_lineage WHERE general_branch_id IN
               (SELECT unit_id FROM org_unit WHERE level = 'general_branch' ORDER BY unit_id LIMIT 7)
           ORDER BY branch_id"""
    ).df()
    campus = list(branches["branch_id"])
    members = con.execute(
        "SELECT member_id, name, branch_id, party_role, profession, birth_year FROM member WHERE list_contains(?, branch_id) "
        "ORDER BY member_id", [campus]
    ).df()
    totals = con.execute(
        "SELECT branch_id, left(quarter, 4)::INTEGER AS year, quarter, sum(score)::DOUBLE AS total FROM branch_score "
        "WHERE list_contains(?, branch_id) GROUP BY ALL ORDER BY branch_id, quarter", [campus]
    ).df()
    used = set(members["name"])
    frames = {
        "rectifications": _rectifications(branches, members, totals),
        "development": _development(rng, branches, used),
        "secretaries": _secretaries(rng, branches, members),
        "honours": _honours(con, members, totals),
        "deployments": _deployments(rng, branches, members, used),
        "profiles": _profiles(rng, branches, members),
        "methods": _methods(rng, branches),
    }
    for kind, frame in frames.items():
        importer.import_frame(con, frame, user=user, kind=kind, file_name=f"演示数据_{kind}", cfg=cfg)
    awards_rng = np.random.default_rng([seed, 10])
    zones = _zones(awards_rng, branches, members)
    importer.import_frame(con, zones, user=user, kind="zones", file_name="演示数据_zones", cfg=cfg)
    importer.import_frame(con, _awards(con, awards_rng, branches, members, zones, cfg), user=user, kind="awards",
                          file_name="演示数据_awards", cfg=cfg)


def _name(rng: np.random.Generator, used: set[str]) -> str:
    """A made-up name unused by any member or earlier register row (names identify rows in tests)."""
    while True:
        name = str(rng.choice(list(SURNAMES))) + "".join(rng.choice(list(GIVEN), size=2))
        if name not in used:
            used.add(name)
            return name


def _secretary_names(branches: pd.DataFrame, members: pd.DataFrame) -> dict[str, str]:
    found = members[members["party_role"] == "书记"].drop_duplicates("branch_id").set_index("branch_id")["name"]
    return {b: found.get(b, "") for b in branches["branch_id"]}


def _rectifications(branches: pd.DataFrame, members: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """The four weakest branches of 2023, designated in January 2024: the two that improved most
    by 2025 closed out, the other two still open past the deadline; the weakest remaining branch
    of 2024 designated in 2025."""
    secretary = _secretary_names(branches, members)
    means = totals.groupby(["branch_id", "year"])["total"].mean().unstack()
    weakest = means[2023].nsmallest(4)
    by_gain = list((means.loc[weakest.index, 2025] - weakest).sort_values(ascending=False).index)
    rows = []
    for i, branch in enumerate(by_gain):
        closes = i < 2
        closed_on = dt.date(2024, 12, 10) + dt.timedelta(days=35 * i) if closes else None
        score = None
        if closes:
            quarter = f"{closed_on.year}Q{(closed_on.month - 1) // 3 + 1}"
            score = round(float(totals[(totals["branch_id"] == branch) & (totals["quarter"] == quarter)]["total"].iloc[0]), 1)
        rows.append({
            "rectification_id": f"RZ2024-{i + 1:02d}", "branch_id": branch, "year": 2024,
            "designated_on": dt.date(2024, 1, 18), "designated_by": "医院党委", "reasons": REASONS[i % len(REASONS)],
            "measures": MEASURES, "responsible": secretary[branch] or "支部书记", "deadline": dt.date(2024, 12, 31),
            "progress": "已完成整改，经复评验收予以销号" if closes else "支委会已调整，“三会一课”仍有缺漏，延期整改",
            "closed_on": closed_on, "reassessment_score": score,
        })
    later = [b for b in means[2024].sort_values().index if b not in set(by_gain)][0]
    rows.append({
        "rectification_id": "RZ2025-01", "branch_id": later, "year": 2025, "designated_on": dt.date(2025, 1, 16),
        "designated_by": "医院党委", "reasons": REASONS[2], "measures": MEASURES,
        "responsible": secretary[later] or "支部书记", "deadline": dt.date(2026, 1, 31),
        "progress": "已制定整改方案，党委委员每月联系指导", "closed_on": None, "reassessment_score": None,
    })
    return pd.DataFrame(rows)


def _day(start: dt.date, end: dt.date, rng: np.random.Generator) -> dt.date:
    return start + dt.timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def _development(rng: np.random.Generator, branches: pd.DataFrame, used: set[str]) -> pd.DataFrame:
    """Cohorts by the stage reached: 35 received in 2025, 30 in 2024 (three overdue), 28 in 2023,
    and people still applying, in training as 积极分子 or approved as 发展对象."""
    clinical = branches[branches["general_branch_id"].isin(CLINICAL)].reset_index(drop=True)
    others = branches[branches["general_branch_id"].isin(("G06", "G07")) & (branches["department"] != "离退休")]
    pool = pd.concat([clinical, clinical, others], ignore_index=True)  # clinical branches develop more
    rows: list[dict] = []

    def person(probationary: dt.date | None, *, stage: str, full: bool = False) -> None:
        branch = pool.iloc[int(rng.integers(0, len(pool)))]
        backbone = bool(rng.random() < 0.55)
        row = {"person_id": f"FZ{len(rows) + 1:04d}", "name": _name(rng, used), "branch_id": branch.branch_id,
               "profession": PROFESSIONS[branch.general_branch_id], "backbone": "是" if backbone else "否",
               "high_talent": "是" if backbone and rng.random() < 0.5 else "否"}
        if probationary is not None:
            candidate = probationary - dt.timedelta(days=int(rng.integers(60, 180)))
            activist = candidate - dt.timedelta(days=int(rng.integers(370, 540)))
            applied = activist - dt.timedelta(days=int(rng.integers(120, 300)))
            row |= {"applied_on": applied, "activist_on": activist, "candidate_on": candidate,
                    "probationary_on": probationary,
                    "full_on": probationary.replace(year=probationary.year + 1) if full else None}
        elif stage == "发展对象":
            candidate = _day(dt.date(2025, 3, 1), dt.date(2025, 11, 30), rng)
            activist = candidate - dt.timedelta(days=int(rng.integers(370, 500)))
            row |= {"applied_on": activist - dt.timedelta(days=int(rng.integers(120, 300))), "activist_on": activist,
                    "candidate_on": candidate}
        elif stage == "积极分子":
            activist = _day(dt.date(2024, 6, 1), dt.date(2025, 11, 30), rng)
            row |= {"applied_on": activist - dt.timedelta(days=int(rng.integers(120, 300))), "activist_on": activist}
        else:
            row |= {"applied_on": _day(dt.date(2025, 1, 10), dt.date(2025, 12, 20), rng)}
        rows.append(row)

    for _ in range(28):
        person(_day(dt.date(2023, 1, 5), dt.date(2023, 11, 30), rng), stage="预备党员", full=True)
    for i in range(30):
        person(_day(dt.date(2024, 1, 5), dt.date(2024, 11, 30), rng), stage="预备党员", full=i >= 3)
    for _ in range(35):
        person(_day(dt.date(2025, 1, 5), dt.date(2025, 11, 30), rng), stage="预备党员")
    for stage, n in (("发展对象", 18), ("积极分子", 42), ("入党申请人", 47)):
        for _ in range(n):
            person(None, stage=stage)
    frame = pd.DataFrame(rows)
    # The three overdue 预备党员 of 2024 were received early in the year, so they are months overdue.
    overdue = frame.index[(frame["probationary_on"].notna()) & frame["full_on"].isna()
                          & (pd.to_datetime(frame["probationary_on"]).dt.year == 2024)]
    frame.loc[overdue, "probationary_on"] = [dt.date(2024, 3, 12), dt.date(2024, 5, 20), dt.date(2024, 7, 1)]
    return frame


def _secretaries(rng: np.random.Generator, branches: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Every branch's current term (its 书记), three-year terms; some branches with their previous term."""
    secretary = _secretary_names(branches, members)
    used = set(members["name"])
    rows = []
    for i, b in enumerate(branches.itertuples()):
        # Staggered elections; the first three are overdue and four more fall due within six months.
        start = (dt.date(2022, 9, 1) + dt.timedelta(days=30 * (i % 3)) if i < 3 else
                 dt.date(2023, 1, 15) + dt.timedelta(days=30 * (i % 4)) if i < 7 else
                 _day(dt.date(2023, 9, 1), dt.date(2025, 6, 30), rng))
        clinical = b.general_branch_id in CLINICAL
        head = clinical and rng.random() < 0.62
        leader = clinical and not head and rng.random() < 0.45
        rows.append({"branch_id": b.branch_id, "name": secretary[b.branch_id] or _name(rng, used), "term_start": start,
                     "term_due": start.replace(year=start.year + 3), "department_head": "是" if head else "否",
                     "discipline_leader": "是" if leader else "否"})
        if start.year >= 2024:
            previous = start.replace(year=start.year - 3)
            rows.append({"branch_id": b.branch_id, "name": _name(rng, used), "term_start": previous,
                         "term_due": start, "department_head": "否", "discipline_leader": "否"})
    return pd.DataFrame(rows)


def _honours(con: duckdb.DuckDBPyConnection, members: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Each year's three best branches 模范党支部 (9), 11 星级党支部 ratings of the next best, one
    先进基层党组织 (市级) a year, and 优秀共产党员 from the members with the best annual scores."""
    means = totals.groupby(["branch_id", "year"])["total"].mean().unstack()
    rows = []

    def add(year: int, title: str, level: str, branch: str, member: str | None = None, stars: int | None = None):
        rows.append({"honour_id": f"RY{year}-{len(rows) + 1:03d}", "year": year, "title": title, "level": level,
                     "branch_id": branch, "member_id": member, "stars": stars})

    star_counts = {2023: 3, 2024: 4, 2025: 4}
    for year in (2023, 2024, 2025):
        ranked = list(means[year].sort_values(ascending=False).index)
        for branch in ranked[:3]:
            add(year, "模范党支部", "院级", branch)
        for place, branch in enumerate(ranked[3:3 + star_counts[year]]):
            add(year, "星级党支部", "院级", branch, stars=5 if place == 0 else 4 if place < 3 else 3)
        add(year, "先进基层党组织", "市级", ranked[0])
        best = con.execute(
            "SELECT member_id, branch_id FROM vanguard_score JOIN member USING (member_id) "
            "WHERE rater = 'org' AND quarter BETWEEN ? AND ? AND list_contains(?, member_id) "
            "GROUP BY ALL ORDER BY avg(score) DESC, member_id LIMIT 14",
            [f"{year}Q1", f"{year}Q4", list(members["member_id"])]).fetchall()
        for place, (member, branch) in enumerate(best):
            level = "省级" if place == 0 and year == 2024 else "市级" if place < 3 else "院级"
            title = "优秀党务工作者" if place % 5 == 4 else "优秀共产党员"
            add(year, title, level, branch, member)
    return pd.DataFrame(rows)


MISSIONS = (
    # mission, destination, role, called, first departure, days away, people
    ("援鄂", "湖北省武汉市定点医院", "医疗队员", dt.date(2020, 1, 26), dt.date(2020, 2, 2), 56, 12),
    ("援沪", "上海市方舱医院", "医疗队员", dt.date(2022, 4, 2), dt.date(2022, 4, 6), 45, 9),
    ("援港", "香港特别行政区亚洲博览馆社区治疗设施", "医疗队员", dt.date(2022, 3, 10), dt.date(2022, 3, 16), 40, 4),
    ("抗疫", "本市发热门诊及方舱医院", "支援人员", dt.date(2022, 12, 15), dt.date(2022, 12, 18), 30, 14),
    ("援疆", "新疆维吾尔自治区受援县人民医院", "援疆医生", dt.date(2023, 2, 1), dt.date(2023, 3, 1), 540, 3),
    ("援疆", "新疆维吾尔自治区受援县人民医院", "援疆医生", dt.date(2024, 7, 1), dt.date(2024, 8, 20), 540, 3),
    ("对口帮扶", "县人民医院", "帮扶专家", dt.date(2023, 3, 1), dt.date(2023, 4, 1), 180, 6),
    ("对口帮扶", "县人民医院", "帮扶专家", dt.date(2024, 3, 1), dt.date(2024, 4, 1), 180, 6),
    ("对口帮扶", "县人民医院", "帮扶专家", dt.date(2025, 3, 1), dt.date(2025, 4, 1), 180, 6),
)


def _deployments(rng: np.random.Generator, branches: pd.DataFrame, members: pd.DataFrame,
                 used: set[str]) -> pd.DataFrame:
    clinical = set(branches.loc[branches["general_branch_id"].isin(("G01", "G02", "G04", "G05")), "branch_id"])
    staff = members[members["branch_id"].isin(clinical) & members["profession"].isin(("医生", "护士"))]
    rows = []
    taken: set[str] = set()
    for mission, destination, role, called, start, days, people in MISSIONS:
        for _ in range(people):
            is_member = rng.random() < 0.66
            if is_member:
                candidates = staff[~staff["member_id"].isin(taken)]
                person = candidates.iloc[int(rng.integers(0, len(candidates)))]
                taken.add(person.member_id)
                name, branch, member = person["name"], person.branch_id, person.member_id
            else:
                name, branch, member = _name(rng, used), str(rng.choice(sorted(clinical))), None
            # Members answer the call on its day more often (请战书 the same day).
            wait = int(rng.choice([0, 0, 0, 1, 2])) if is_member else int(rng.choice([0, 1, 1, 2, 3, 4]))
            volunteered = called + dt.timedelta(days=wait)
            ended = start + dt.timedelta(days=days - 1)
            rows.append({"deployment_id": f"YP{len(rows) + 1:03d}", "name": name, "branch_id": branch,
                         "member_id": member, "mission": mission,
                         "destination": destination if mission not in ("对口帮扶",) else f"对口{destination}",
                         "role": role, "called_on": called, "volunteered_on": min(volunteered, start),
                         "started_on": start, "ended_on": ended if ended <= AS_OF else None})
    return pd.DataFrame(rows)


def _profiles(rng: np.random.Generator, branches: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """职称 by profession and age, 学历 by profession, front-line posts in clinical branches, retirees."""
    kind = dict(zip(branches["branch_id"], branches["general_branch_id"]))
    retired_branches = set(branches.loc[branches["department"] == "离退休", "branch_id"])
    rows = []
    for m in members.itertuples():
        age = AS_OF.year - m.birth_year
        retired = m.branch_id in retired_branches
        if m.profession == "学生":
            title, education = "无", str(rng.choice(["硕士研究生", "博士研究生"], p=[0.7, 0.3]))
        elif m.profession == "医生":
            title = "正高级" if age >= 50 and rng.random() < 0.6 else "副高级" if age >= 40 and rng.random() < 0.7 else \
                "中级" if age >= 32 else "初级"
            education = str(rng.choice(["博士研究生", "硕士研究生", "大学本科"], p=[0.35, 0.45, 0.2]))
        elif m.profession == "护士":
            title = "副高级" if age >= 45 and rng.random() < 0.3 else "中级" if age >= 30 else "初级"
            education = str(rng.choice(["硕士研究生", "大学本科", "大专及以下"], p=[0.05, 0.7, 0.25]))
        else:
            title = "副高级" if age >= 45 and rng.random() < 0.35 else "中级" if age >= 30 else "初级"
            education = str(rng.choice(["硕士研究生", "大学本科", "大专及以下"], p=[0.3, 0.55, 0.15]))
        front_line = not retired and kind[m.branch_id] in CLINICAL and rng.random() < 0.92
        rows.append({"member_id": m.member_id, "title": title, "education": education,
                     "front_line": "是" if front_line else "否", "retired": "是" if retired else "否"})
    return pd.DataFrame(rows)


# (department, name): 13 working methods (the article's count) and 5 brands, each where it fits.
METHODS = (
    ("心血管内科", "床旁党课工作法"), ("呼吸与危重症医学科", "三联三促工作法"), ("消化内科", "党建质控双轮驱动法"),
    ("内科护理", "五心护理服务法"), ("普通外科", "科室书记双述职法"), ("骨科", "党员责任区网格管理法"),
    ("神经外科", "青年医师导师帮带法"), ("门诊部", "一线问题清单工作法"), ("急诊医学科", "急救绿色通道党员先行法"),
    ("检验科", "检验质量党员把关法"), ("药学部", "合理用药党员督导法"), ("后勤保障部", "后勤服务承诺工作法"),
    ("离退休", "银发宣讲工作法"),
)
BRANDS = (("心血管内科", "守护心跳"), ("重症医学科", "生命接力"), ("外科护理", "白衣先锋"), ("药学部", "暖心药师"),
          ("离退休", "银龄红帆"))


def _methods(rng: np.random.Generator, branches: pd.DataFrame) -> pd.DataFrame:
    """The working methods and brands of METHODS and BRANDS, named between 2021 and 2025."""
    branch_of = dict(zip(branches["department"], branches["branch_id"]))
    rows = []
    for kind, items in (("支部工作法", METHODS), ("党建品牌", BRANDS)):
        for department, name in items:
            rows.append({"method_id": f"GZF-{len(rows) + 1:02d}", "branch_id": branch_of[department], "kind": kind,
                         "name": name, "year": int(rng.integers(2021, 2026)),
                         "summary": f"{department}党支部结合科室工作总结提炼" if kind == "支部工作法"
                         else f"{department}党支部的党建品牌"})
    return pd.DataFrame(rows)


INPATIENT = ("G01", "G02", "G04")  # 内科, 外科, 护理: the departments with wards
POST_KINDS = {"G01": ("service", "skill", "innovation"), "G02": ("skill", "innovation", "service"),
              "G03": ("skill", "innovation"), "G04": ("service", "performance"), "G05": ("service", "skill"),
              "G06": ("management", "performance"), "G07": ("service", "management")}


def _zones(rng: np.random.Generator, branches: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    rows = []
    wards = branches["general_branch_id"].isin(INPATIENT) & ~branches["department"].isin(("手术室", "门诊护理"))
    for branch in branches[wards].itertuples():
        staff = members[(members["branch_id"] == branch.branch_id) & (members["profession"] != "学生")]
        department = branch.department.removesuffix("护理")
        for number in ("一", "二")[:int(rng.integers(1, 3))]:
            ward = f"{department}{number}病区"
            rows.append({"zone_id": f"ZR{len(rows) + 1:02d}", "name": f"{ward}党员责任区", "ward": ward,
                         "branch_id": branch.branch_id, "member_id": str(rng.choice(staff["member_id"])),
                         "established_on": dt.date(2022, int(rng.integers(1, 13)), 1)})
    return pd.DataFrame(rows)


def _awards(con: duckdb.DuckDBPyConnection, rng: np.random.Generator, branches: pd.DataFrame, members: pd.DataFrame,
            zones: pd.DataFrame, cfg: config_mod.Config) -> pd.DataFrame:
    ranked = con.execute(
        "SELECT quarter, branch_id, member_id, rank_in_branch FROM member_quarter_index "
        "WHERE list_contains(?, branch_id) ORDER BY quarter, branch_id, rank_in_branch, member_id",
        [list(branches["branch_id"])]).df().merge(members[["member_id", "profession"]], on="member_id")
    rows = []
    for quarter, scored in ranked.groupby("quarter"):
        def add(kind, branch_id, member_id=None, zone_id=None, quarter=quarter):
            rows.append({"award_id": f"XF{quarter}-{len(rows) + 1:03d}", "quarter": quarter, "kind": kind,
                         "branch_id": branch_id, "member_id": member_id, "zone_id": zone_id})

        for general, group in branches.groupby("general_branch_id"):
            staff = scored[scored["branch_id"].isin(group["branch_id"]) & (scored["profession"] != "学生")]
            # Mostly one of the best three of a branch that quarter; now and then another member.
            pool = staff[staff["rank_in_branch"] <= 3] if rng.random() < 0.85 else staff
            pick = pool.iloc[int(rng.integers(0, len(pool)))]
            add(str(rng.choice(POST_KINDS[general])), pick["branch_id"], member_id=pick["member_id"])
        students = scored[scored["profession"] == "学生"].sort_values("rank_in_branch")
        if len(students):
            pick = students.iloc[int(rng.integers(0, min(3, len(students))))]
            add("pilot", pick["branch_id"], member_id=pick["member_id"])
        for zone in zones.iloc[rng.choice(len(zones), size=2, replace=False)].itertuples():
            add("red_flag", zone.branch_id, zone_id=zone.zone_id)
    return pd.DataFrame(rows)
