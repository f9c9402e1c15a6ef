import datetime as dt

import streamlit as st

from analysis import charts, config
from analysis.formatting import ci, count, date, percent
from analysis.labels import headers
from analysis.notice_print import notice_html
from analysis.registers import (
    awards,
    brands,
    composition,
    deployments,
    development,
    honours,
    notice,
    rectification,
    secretaries,
    transfers,
)
from ui.cache import cached, figure
from ui.filters import sidebar_filters
from ui.tables import audited, data_box, table

filters = sidebar_filters()
as_of = filters.period_end
year = as_of.year
when = f"截至{date(as_of)}（{filters.period_label}末）"
DATE = st.column_config.DateColumn(format="YYYY-MM-DD")

st.title("党务台账")
st.caption(f"{filters.unit_label} · {when} · 软弱涣散整改、党员发展、支部书记、荣誉表彰、援派抗疫、党员调动；"
           "姓名只显示在本人可查看的支部范围内")

tab_rect, tab_dev, tab_sec, tab_hon, tab_award, tab_brand, tab_dep, tab_mix, tab_move, tab_notice = st.tabs(
    ["软弱涣散整改", "党员发展", "支部书记", "荣誉表彰", "先锋岗与责任区", "工作法与品牌", "援派与抗疫", "党员结构", "党员调动", "亮分公示"])

with tab_rect:
    s = cached(rectification.summary, as_of=as_of, unit=filters.unit)
    cols = st.columns(4)
    cols[0].metric("整改中", count(s.open))
    cols[1].metric("已逾期", count(s.overdue), help="过了整改期限仍未销号（期限当天不算逾期）")
    cols[2].metric("已销号", count(s.closed))
    cols[3].metric("认定到销号（中位）", "—" if s.median_days_to_close is None else f"{s.median_days_to_close:g} 天")
    rows = cached(rectification.rectifications, as_of=as_of, unit=filters.unit)
    with st.container(border=True):
        st.subheader(f"整改台账（{count(len(rows))}条）")
        st.caption(f"{filters.unit_label} · {when} · 逾期在前；只列出本人可查看的支部")
        if rows.empty:
            st.info("所选范围内没有软弱涣散党支部的整改记录。")
        else:
            table(headers(rows.drop(columns=["branch_id"])), name="软弱涣散整改台账", key="rectifications",
                  column_config={c: DATE for c in ("认定日期", "整改期限", "销号日期")})
    recovery = cached(rectification.recovery, unit=filters.unit)
    with st.container(border=True):
        st.subheader("销号后考核分数是否回升")
        st.caption("同一支部认定前两个季度与销号后两个季度的支部考核平均分；是前后对比，不是因果（全院同期也可能变化）")
        if recovery.empty:
            st.info("还没有已销号的整改。")
        else:
            table(headers(recovery.drop(columns=["branch_id"])), name="整改销号前后对比", key="recovery")
    prompt = cached(rectification.flagged_without_record, quarter=filters.last, unit=filters.unit)
    with st.container(border=True):
        st.subheader(f"{filters.period_label.split('—')[-1]}考核需关注、但没有整改记录的支部（{count(len(prompt))}个）")
        st.caption("提示而非结论：季度考核标记为需关注，且当年没有认定、期末也没有进行中的整改")
        if prompt.empty:
            st.success("需关注的支部都已有整改记录。")
        else:
            table(headers(prompt.drop(columns=["branch_id"])), name="需关注无整改记录", key="prompt")

with tab_dev:
    pipe = cached(development.pipeline, as_of=as_of, unit=filters.unit)
    share = cached(development.backbone_share, unit=filters.unit)
    overdue = cached(development.overdue_probation, as_of=as_of, unit=filters.unit)
    stages = pipe.groupby("stage")["n"].sum()
    cols = st.columns(5)
    for col, stage in zip(cols, development.STAGE_NAMES[:-1]):
        col.metric(stage, count(int(stages.get(stage, 0))))
    this_year = share[share["year"] == year]
    if len(this_year):
        r = this_year.iloc[0]
        cols[4].metric(f"{year}年发展党员", f"{count(r['n'])} 人",
                       help=f"其中业务骨干 {count(r['backbone'])} 人（{percent(r['pct'])}，95%CI {ci(r['ci_low'], r['ci_high'])}）")
    left, right = st.columns(2)
    with left, st.container(border=True):
        conversions = cached(development.conversions, unit=filters.unit)
        st.plotly_chart(figure(
            charts.stacked_counts, conversions, x="year", stack="stage", value="n", order=list(development.STAGE_NAMES),
            title=f"各年度到达各阶段的人数（{filters.unit_label}）", x_title="年度", y_title="人数",
        ), key="conversions")
    with right, st.container(border=True):
        st.plotly_chart(figure(
            charts.share_bars, share.assign(label=share["year"].astype(str) + "年"), label="label", count="backbone",
            n="n", title=f"双培养：各年度接收的预备党员中业务骨干的比例（{filters.unit_label}）",
        ), key="backbone")
    with st.container(border=True):
        st.subheader("各阶段停留时间")
        table(headers(cached(development.time_in_stage, as_of=as_of, unit=filters.unit)), name="发展阶段停留时间",
              key="stage_time")
    with st.container(border=True):
        st.subheader(f"预备期超过12个月未转正（{count(len(overdue))}人）")
        if overdue.empty:
            st.success("没有超期未转正的预备党员。")
        else:
            table(headers(overdue.drop(columns=["branch_id"]), due_on="预备期满"), name="超期未转正", key="overdue",
                  column_config={c: DATE for c in ("接收预备党员", "预备期满")})
    with st.container(border=True):
        st.subheader("各支部发展梯队")
        table(headers(pipe.drop(columns=["branch_id"])), name="各支部发展梯队", key="pipeline")
        if box := data_box("发展对象名册（本人可查看的支部）", key="people"):
            with box:
                people = cached(development.people, as_of=as_of, unit=filters.unit)
                st.caption(f"共 {count(len(people))} 人。")
                table(headers(people.drop(columns=["branch_id"])), name="党员发展名册", key="people")

with tab_sec:
    coverage = cached(secretaries.double_leader_coverage, as_of=as_of, unit=filters.unit)
    current = cached(secretaries.current_secretaries, as_of=as_of, unit=filters.unit)
    whole = coverage.iloc[0]
    status = current["status"].value_counts()
    cols = st.columns(3)
    cols[0].metric("双带头人覆盖率", percent(whole["pct"]),
                   help=f"{count(whole['double_leaders'])}/{count(whole['branches'])} 个支部的书记兼任科室主任或为学科带头人；"
                        f"95%CI {ci(whole['ci_low'], whole['ci_high'])}；未登记书记的支部计为未覆盖")
    cols[1].metric(f"{secretaries.DUE_SOON_MONTHS}个月内届满", count(status.get(secretaries.TERM_STATUSES[1], 0)))
    cols[2].metric("逾期未换届", count(status.get("逾期未换届", 0)))
    with st.container(border=True):
        st.plotly_chart(figure(
            charts.share_bars, coverage, label="unit_name", count="double_leaders", n="branches",
            title=f"双带头人覆盖率（{date(as_of)}，书记兼任科室主任或为学科带头人）",
        ), key="coverage")
    with st.container(border=True):
        st.subheader("各支部书记与任期")
        st.caption("逾期未换届在前；其他支部的书记姓名不显示")
        table(headers(current.drop(columns=["branch_id"]), name="书记"), name="支部书记任期", key="secretaries",
              column_config={c: DATE for c in ("任期开始", "任期届满")})

with tab_hon:
    counts = cached(honours.honour_counts, unit=filters.unit)
    with st.container(border=True):
        st.plotly_chart(figure(
            charts.stacked_counts, counts, x="year", stack="level", value="total", order=list(honours.LEVELS),
            title=f"各年度荣誉表彰（{filters.unit_label}，支部与党员合计）", x_title="年度", y_title="项数",
        ), key="honours")
    side = cached(honours.honours_and_ranking, year=year, unit=filters.unit)
    with st.container(border=True):
        st.subheader(f"{year}年度支部荣誉与考核名次")
        st.caption("年度名次按各季度考核总分的平均排列（全院）")
        table(headers(side.drop(columns=["branch_id"]), mean="季度平均分", rank="年度名次"), name="荣誉与考核名次",
              key="honour_rank")
    with st.container(border=True):
        st.subheader("星级党支部")
        stars = cached(honours.star_levels, unit=filters.unit)
        table(headers(stars.pivot_table(index="branch_name", columns="year", values="stars").reset_index()
                      .rename(columns=lambda c: f"{c}年" if isinstance(c, int) else c)), name="星级党支部", key="stars")
        if box := data_box("荣誉名册（党员姓名只显示本人可查看的支部）", key="honour_list"):
            with box:
                table(headers(cached(honours.honour_list, unit=filters.unit).drop(columns=["branch_id"])), name="荣誉名册",
                      key="honour_list")

with tab_award:
    span = {"first": filters.first, "last": filters.last, "unit": filters.unit}
    counts = cached(awards.award_counts, **span)
    ranks = cached(awards.awardee_ranks, **span)
    zones = cached(awards.duty_zones, **span)
    posts = counts[counts["kind"] != "red_flag"]["awards"].sum()
    scored = ranks.dropna(subset=["rank_in_branch"])
    cols = st.columns(4)
    cols[0].metric("先锋岗（人次）", count(posts), help=f"{filters.period_label}每季度评选的领跑、领航先锋岗")
    cols[1].metric("红旗责任区（次）", count(counts.loc[counts["kind"] == "red_flag", "awards"].sum()))
    cols[2].metric("党员责任区", count(len(zones)))
    cols[3].metric("获评时居本支部前五分之一", f"{count(scored['top_fifth'].sum())} / {count(len(scored))}",
                   help="获评季度的党员先锋指数在本支部排名前20%的获评党员 / 有当季指数的获评党员")
    with st.container(border=True):
        if counts.empty:
            st.info("所选范围内没有先锋岗或红旗责任区的评选记录。")
        else:
            st.plotly_chart(figure(
                charts.stacked_counts, counts, x="quarter_label", stack="kind_name", value="awards",
                order=[k.name for k in config.load().award_kinds], x_title="季度", y_title="人次 / 次",
                title=f"各季度先锋岗与红旗责任区评选（按类别）<br>{filters.unit_label} · {filters.period_label}",
            ), key="award_counts")
            if box := data_box("数据表：各支部获评", key="award_branches"):
                with box:
                    by_branch = cached(awards.awards_by_branch, **span)
                    table(headers(by_branch.drop(columns=["branch_id"])), name="先锋岗各支部", key="award_branches")
    with st.container(border=True):
        st.subheader(f"获评党员与当季先锋指数排名（{count(len(ranks))}人次）")
        st.caption("排名为获评季度在本支部的名次；评选由党委决定，未居前列不等于评错，是值得了解的情况；"
                   "其他支部的获评党员不显示姓名")
        table(headers(ranks.drop(columns=["award_id", "kind", "branch_id"])), name="先锋岗获评与排名", key="awardees")
    with st.container(border=True):
        st.subheader(f"党员责任区（{count(len(zones))}个）")
        table(headers(zones.drop(columns=["branch_id"])), name="党员责任区", key="zones",
              column_config={"设立日期": DATE})

with tab_brand:
    counts = cached(brands.brand_counts, unit=filters.unit)
    whole = counts.iloc[0]
    cols = st.columns(3)
    cols[0].metric("支部工作法", f"{count(whole['methods'])} 项", help=f"{count(whole['with_method'])}/{count(whole['branches'])} 个支部有")
    cols[1].metric("党建品牌", f"{count(whole['brands'])} 个", help=f"{count(whole['with_brand'])}/{count(whole['branches'])} 个支部有")
    cols[2].metric("有示范点的支部", f"{count(whole['with_site'])} / {count(whole['branches'])}")
    with st.container(border=True):
        st.subheader("各党总支的工作法、品牌与示范点")
        st.caption("“四有”中“支部有方法”“党建有品牌”的依据")
        table(headers(counts, unit_name="单位", with_method="有工作法的支部", with_brand="有品牌的支部",
                      with_site="有示范点的支部", methods="工作法数", brands="品牌数"), name="工作法与品牌_汇总",
              key="brand_counts")
    with st.container(border=True):
        catalogue = cached(brands.brand_catalogue, unit=filters.unit)
        st.subheader(f"工作法与品牌名录（{count(len(catalogue))}项）")
        table(headers(catalogue.drop(columns=["branch_id"]), kind="类别", name="名称", year="提出年度", summary="简介",
                      sites="示范点"), name="工作法与品牌名录", key="brand_catalogue")

with tab_dep:
    days = cached(deployments.person_days, as_of=as_of, unit=filters.unit)
    shares = cached(deployments.member_share, as_of=as_of, unit=filters.unit)
    total = shares[shares["mission"] == "合计"]
    cols = st.columns(3)
    cols[0].metric("派出人次", count(int(total["deployments"].iloc[0])) if len(total) else "0")
    cols[1].metric("党员占比", percent(total["pct"].iloc[0]) if len(total) else "—",
                   help=None if total.empty else f"95%CI {ci(total['ci_low'].iloc[0], total['ci_high'].iloc[0])}")
    cols[2].metric("累计人·天", count(int(days["person_days"].sum())) if len(days) else "0")
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.plotly_chart(figure(
            charts.stacked_counts, days, x="year", stack="mission", value="person_days",
            order=list(dict.fromkeys(days["mission"])), title=f"各年度派出人·天（{filters.unit_label}）",
            x_title="年度", y_title="人·天",
        ), key="person_days")
    with right, st.container(border=True):
        st.plotly_chart(figure(
            charts.share_bars, shares, label="mission", count="members", n="deployments",
            title="派出人员中党员的比例（按任务类别）",
        ), key="member_share")
    with st.container(border=True):
        st.subheader("从号召到请战用了几天")
        response = cached(deployments.response_times, as_of=as_of, unit=filters.unit)
        table(headers(response, n="有号召与请战日期的人次"), name="请战速度", key="response")
    with st.container(border=True):
        listed = cached(deployments.deployment_list, as_of=as_of, unit=filters.unit)
        st.subheader(f"派出人员名册（{count(len(listed))}人次，本人可查看的支部）")
        table(headers(listed.drop(columns=["branch_id"]), days="天数", started_on="出发日期"), name="派出人员名册",
              key="deployments", column_config={c: DATE for c in ("号召日期", "请战日期", "出发日期", "返回日期")})

with tab_mix:
    mix = cached(composition.composition, as_of=as_of, unit=filters.unit)
    whole = mix[mix["unit_id"].isna()] if filters.unit is None else mix[mix["unit_id"] == filters.unit]
    cols = st.columns(4)
    for col, group in zip(cols, composition.GROUPS[:4]):
        row = whole[whole["group"] == group].iloc[0]
        col.metric(group, percent(row["pct"]),
                   help=f"{count(row['count'])}/{count(row['n'])} 名在职党员；95%CI {ci(row['ci_low'], row['ci_high'])}")
    with st.container(border=True):
        st.plotly_chart(figure(
            charts.share_bars, whole, label="group", count="count", n="n",
            title=f"党员结构（{filters.unit_label}，{date(as_of)}；青年为{composition.YOUNG_MAX_AGE}岁及以下，离退休占全体党员）",
        ), key="composition")
        if box := data_box("数据表：各党总支", key="composition_table"):
            with box:
                table(headers(mix.drop(columns=["unit_id"]), unit_name="单位", n="基数（人）"), name="党员结构",
                      key="composition_table")
    staff = cached(composition.party_share_of_staff, as_of=as_of, unit=filters.unit)
    with st.container(border=True):
        st.subheader("党员占职工的比例（按支部）")
        st.caption("职工人数取自“科室与支部对应”导入的各科室人数；党员人数不含离退休")
        if staff.empty:
            st.info("尚未导入科室职工人数（数据导入 → 科室与支部对应）。")
        else:
            if staff["exceeds"].any():
                st.warning(f"{int(staff['exceeds'].sum())} 个支部的在职党员多于所对应科室的职工人数，比例不予计算，请核对科室职工人数。")
            table(headers(staff.drop(columns=["branch_id"]), members="在职党员", pct="党员占比（%）"), name="党员占职工比例",
                  key="staff_share")

with tab_move:
    moves = cached(transfers.transfer_counts, unit=filters.unit)
    st.caption("调动前各季度的先锋指数计入原支部，调动后计入新支部（以季度末所在支部为准）；"
               "姓名与党员编号只在其现所在支部属于本人可查看的范围时显示")
    if moves.empty:
        st.info("尚无党员组织关系调动记录（数据导入 → 党员组织关系调动）。")
    else:
        table(headers(moves, reason="调动原因"), name="党员调动统计", key="transfer_counts")
        listed = cached(transfers.transfer_list, unit=filters.unit)
        st.subheader(f"调动名册（{len(listed)}人次）")
        table(headers(listed.drop(columns=["from_branch_id", "to_branch_id"]), reason="调动原因"),
              name="党员调动名册", key="transfers", column_config={"生效日期": DATE})

with tab_notice:
    choices = cached(notice.notice_branches)
    if choices.empty:
        st.info("亮分公示列出党员姓名，只能打印本人所在支部或总支的公示。")
    else:
        ids = list(choices["branch_id"])
        names = dict(zip(choices["branch_id"], choices["branch_name"]))
        start = ids.index(filters.focus_branch) if filters.focus_branch in ids else 0
        branch = st.selectbox("支部", ids, index=start, format_func=names.get, key="notice_branch")
        sheet = cached(notice.score_notice, branch=branch, quarter=filters.last)
        st.subheader(sheet.title)
        st.caption(f"A4 纵向打印，张贴于支部公示栏；共 {len(sheet.rows)} 名党员（评分完整者），名次按先锋指数（并列同名次）")
        if sheet.rows.empty:
            st.info(f"{names[branch]}在{filters.period_label.split('—')[-1]}没有完整的先锋指数评分。")
        else:
            one_decimal = {name: st.column_config.NumberColumn(format="%.1f") for name, _ in sheet.dimensions}
            table(headers(sheet.rows.drop(columns=["member_id"]), vindex="先锋指数"), name=f"亮分公示_{branch}_{sheet.quarter}",
                  key="notice", column_config=one_decimal | {"先锋指数": st.column_config.NumberColumn(format="%.2f")})
            st.download_button(
                "下载可打印的公示（HTML，浏览器中打印或另存为 PDF）", key="notice_html", on_click="ignore", mime="text/html",
                file_name=f"亮分公示_{names[branch]}_{sheet.quarter}.html",
                data=audited(lambda: notice_html(sheet, published_on=dt.date.today()).encode("utf-8"),
                             detail={"table": "亮分公示", "branch": branch, "quarter": sheet.quarter,
                                     "rows": len(sheet.rows), "format": "html"}),
            )

st.caption("台账由党办通过“数据导入”维护：重新导入同一编号的记录即更新该条（如登记整改进展、销号、转正、返回日期）。")
