"""问卷分析: shares with confidence intervals, group comparisons, cross tables, scales, rankings,
reliability and free text of one survey.

Every number comes from ``analysis.survey_stats`` as an aggregate with small cells already
suppressed ("<5", "*"); this page only gathers the choices, calls it through ``cached`` and draws.
Respondents are never identified: no response ids, submission times or IP addresses are shown,
and free-text answers are listed as bare texts sorted by text.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import charts, config
from analysis.formatting import markdown_escape, p_value
from analysis.survey import stats as ss
from ui.cache import cached
from ui.tables import table

NO_GROUP = 0  # the 分组依据 choice meaning "everyone together"

COLUMNS = {
    "option_no": "选项编号", "option": "选项", "n": "人数", "pct": "占全部答卷(%)", "valid_pct": "有效百分比(%)",
    "response_pct": "占全部选择(%)", "case_pct": "占作答人数(%)", "ci_low": "95%CI下限(%)", "ci_high": "95%CI上限(%)",
    "group": "分组", "effective": "肯定回答人数", "not_effective": "其他回答人数", "item_no": "条目编号", "item": "条目",
    "mean": "均值", "sd": "标准差", "top2_pct": "前两项比例(%)", "rank": "名次(1=最弱)", "mean_rank": "平均名次",
    "score": "综合得分", "order": "得分排序", "item_total_r": "校正条目-总分相关", "alpha_if_deleted": "删除该条目后α",
    "word": "关键词", "text": "回答内容",
}


# ------------------------------------------------------------------------------ formatting


def pct(value, digits: int = 1) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.{digits}f}%"


def count(value) -> str:
    """1,107; a suppressed count ("<5", "*") as it is."""
    if isinstance(value, str):
        return value
    return "—" if value is None or pd.isna(value) else f"{int(value):,}"


def ci_text(low, high, unit: str = "%") -> str:
    if pd.isna(low) or pd.isna(high):
        return "95% CI —"
    return f"95% CI {low:.1f}{unit}–{high:.1f}{unit}"


def shown(frame: pd.DataFrame, drop=(), rename: dict | None = None) -> pd.DataFrame:
    """Chinese headers and rounded numbers for a table shown and downloaded."""
    out = frame.drop(columns=[c for c in drop if c in frame.columns])
    floats = out.select_dtypes("float").columns
    out = out.assign(**{c: out[c].round(2) for c in floats})
    renames = {c: (rename or {}).get(c, COLUMNS.get(c, c)) for c in out.columns}
    renames.update({c: f"{c[4:]}分比例(%)" for c in out.columns if str(c).startswith("pct_")})
    return out.rename(columns=renames)


def two_way(frame: pd.DataFrame, digits: int | None = None) -> pd.DataFrame:
    """A cross table with its row labels as the first column (tables keep no index)."""
    out = frame.copy()
    if digits is not None:
        out = out.astype(float).round(digits)
    out.columns = [str(c) for c in out.columns]
    label = frame.index.name or "行"
    return out.rename_axis(label).reset_index()


def attempt(fn, **kwargs):
    """``cached(fn, **kwargs)``, or None after showing the analysis' own (Chinese) refusal."""
    try:
        return cached(fn, **kwargs)
    except ValueError as exc:
        st.warning(str(exc))
        return None


def comparison_sentence(cmp: ss.GroupComparison, outcome: str) -> str:
    """The comparison in plain Chinese: shares, difference with its CI, test, effect size."""
    if cmp.suppressed:
        return (f"**{markdown_escape(cmp.group1)}** 与 **{markdown_escape(cmp.group2)}** 的比较不予报告：{cmp.note}。"
                "被隐藏的分组人数或格子太少，报告百分比或检验结果就可能推算出个别受访者的回答。")
    if round(abs(cmp.diff), 1) == 0:
        gap = "两组比例几乎相同"
    else:
        gap = f"{markdown_escape(cmp.group1)}比{markdown_escape(cmp.group2)}{'高' if cmp.diff > 0 else '低'} {abs(cmp.diff):.1f} 个百分点"
    text = (f"**{markdown_escape(cmp.group1)}** 中 {pct(cmp.pct1)}（n={count(cmp.n1)}）选择“{markdown_escape(outcome)}”，"
            f"**{markdown_escape(cmp.group2)}** 中 {pct(cmp.pct2)}（n={count(cmp.n2)}）；"
            f"{gap}（差值 {ci_text(cmp.ci_low, cmp.ci_high, unit='')} 个百分点）。")
    if cmp.test == "fisher":
        test = f"Fisher 精确检验（有期望频数小于 5）{p_value(cmp.p_val, missing='p 无法计算')}"
    elif cmp.test == "chi2":
        test = f"χ² 检验 χ²({cmp.dof}) = {cmp.chi2:.2f}，{p_value(cmp.p_val, missing='p 无法计算')}"
    else:
        return text + (cmp.note or "")
    verdict = "差异有统计学意义（p < 0.05）" if cmp.p_val < 0.05 else "差异无统计学意义（p ≥ 0.05），不能认为两组不同"
    size = ss.effect_size_label(cmp.cramer_v)
    return text + f"{test}，{verdict}；Cramér's V = {cmp.cramer_v:.2f}，关联强度{size}。"


# ------------------------------------------------------------------------------ survey and question

cfg = config.load().survey
st.title("问卷分析")

survey_list = cached(ss.surveys)
if survey_list.empty:
    st.info("尚未导入问卷。请在“数据导入”中导入问卷星或腾讯问卷导出的 Excel。")
    st.stop()
titles = dict(zip(survey_list["survey_id"], survey_list["title"]))
respondents = dict(zip(survey_list["survey_id"], survey_list["respondents"]))
survey_id = int(st.selectbox("问卷", list(titles), format_func=lambda i: f"{titles[i]}（答卷 {respondents[i]:,} 份）",
                             key="survey_id"))
survey = survey_list.set_index("survey_id").loc[survey_id]
qs = cached(ss.questions, survey_id=survey_id)
labels = dict(zip(qs["question_no"], qs["label"]))
texts = dict(zip(qs["question_no"], qs["text"]))
qtypes = dict(zip(qs["question_no"], qs["qtype"]))
fielded = ""
if pd.notna(survey["fielded_from"]) and pd.notna(survey["fielded_to"]):
    fielded = f"调查时间 {survey['fielded_from']:%Y年%m月%d日}—{survey['fielded_to']:%Y年%m月%d日} · "
st.caption(f"{fielded}答卷 {int(survey['respondents']):,} 份 · {len(qs)} 道题 · 比例均附 95% 置信区间。"
           f"人数小于 {cfg.min_cell} 的格子显示为“<{cfg.min_cell}”，为防止反推而一并隐藏的格子显示为“*”；"
           "本页不显示任何可识别受访者的信息。")

singles = qs[qs["qtype"] == "single"]
# Attribute questions (政治面貌, 科室类别, 职称 ...) first: they are the usual groupings.
groupers = pd.concat([singles[singles["attribute"].notna()], singles[singles["attribute"].isna()]])
political = singles.loc[singles["attribute"] == "政治面貌", "question_no"]
political_no = int(political.iloc[0]) if len(political) else None


def group_label(no: int) -> str:
    if no == NO_GROUP:
        return "不分组"
    attribute = qs.set_index("question_no").at[no, "attribute"]
    return f"{attribute}（Q{no}）" if pd.notna(attribute) else labels[no]


def default_outcome() -> int:
    """The first opinion question offering a configured effective option (as the overview's headline)."""
    opinions = qs[qs["qtype"].isin(["single", "matrix", "multiple"])]
    for no in opinions.loc[(opinions["qtype"] == "single") & opinions["attribute"].isna(), "question_no"]:
        if set(cached(ss.question_options, survey_id=survey_id, question_no=int(no))["option"]) & set(cfg.effective_options):
            return int(no)
    plain = opinions[opinions["attribute"].isna()]
    return int((plain if len(plain) else opinions)["question_no"].iloc[0])


choice_qs = qs[qs["qtype"].isin(["single", "matrix", "multiple"])]
if choice_qs.empty:
    st.info("这份问卷没有选择题。")
    st.stop()
outcome_nos = [int(n) for n in choice_qs["question_no"]]
top = st.columns([3, 2])
question_no = int(top[0].selectbox("题目", outcome_nos, index=outcome_nos.index(default_outcome()),
                                   format_func=labels.get, key=f"survey_question_{survey_id}"))
qtype = qtypes[question_no]
options = cached(ss.question_options, survey_id=survey_id, question_no=question_no)
option_texts = list(options["option"])
item_no, item_text = 0, ""
if qtype == "matrix":
    items = dict(options.attrs["items"])
    item_no = int(top[1].selectbox("矩阵题的行（条目）", list(items), format_func=items.get,
                                   key=f"survey_item_{survey_id}_{question_no}"))
    item_text = items[item_no]
subject = texts[question_no] + (f" · {item_text}" if item_text else "")

# ------------------------------------------------------------------------------ outcome and grouping

effective: list[str] = []
groups: dict[str, tuple[str, ...]] | None = None
group_no = NO_GROUP
pair: tuple[str, str] | None = None
if qtype in ("single", "matrix"):
    default_effective = list(cached(ss.default_effective, survey_id=survey_id, question_no=question_no))
    row = st.columns([3, 2, 1.2])
    effective = row[0].multiselect("计为“肯定回答”的选项", option_texts, default=default_effective,
                                   key=f"survey_effective_{survey_id}_{question_no}")
    group_options = [NO_GROUP] + [int(n) for n in groupers["question_no"] if int(n) != question_no]
    default_group = political_no if political_no in group_options else NO_GROUP
    group_no = int(row[1].selectbox("分组依据", group_options, index=group_options.index(default_group),
                                    format_func=group_label, key=f"survey_group_{survey_id}_{question_no}"))
    if group_no != NO_GROUP:
        group_texts = list(cached(ss.question_options, survey_id=survey_id, question_no=group_no)["option"])
        split = cached(ss.member_groups, survey_id=survey_id, question_no=group_no)
        merge = row[2].toggle("合并为两组", value=split is not None, key=f"survey_merge_{survey_id}_{group_no}",
                              help="把分组题的选项合并成两组再比较，例如 党员 与 非党员。")
        if merge:
            first_name, second_name = (list(split) if split else ["第一组", "第二组"])
            first_default = list(split[first_name]) if split else group_texts[:1]
            with st.expander(f"两组的构成：{markdown_escape(group_label(group_no))}", expanded=split is None):
                a, b = st.columns(2)
                name1 = a.text_input("第一组名称", value=first_name, key=f"survey_name1_{survey_id}_{group_no}").strip()
                set1 = a.multiselect("第一组包含的选项", group_texts, default=first_default,
                                     key=f"survey_set1_{survey_id}_{group_no}")
                name2 = b.text_input("第二组名称", value=second_name, key=f"survey_name2_{survey_id}_{group_no}").strip()
                set2 = b.multiselect("第二组包含的选项", group_texts,
                                     default=[t for t in group_texts if t not in first_default],
                                     key=f"survey_set2_{survey_id}_{group_no}")
                st.caption("未放入任何一组的选项不参加比较。")
            if not name1 or not name2 or name1 == name2:
                st.warning("两组需要各自的、互不相同的名称。")
            elif not set1 or not set2:
                st.warning("两组都至少要包含一个选项。")
            else:
                groups = {name1: tuple(set1), name2: tuple(set2)}
                pair = (name1, name2)
        elif len(group_texts) >= 2:
            a, b = st.columns(2)
            g1 = a.selectbox("比较：第一组", group_texts, index=0, key=f"survey_pair1_{survey_id}_{group_no}")
            rest = [t for t in group_texts if t != g1]
            g2 = b.selectbox("比较：第二组", rest, index=0, key=f"survey_pair2_{survey_id}_{group_no}")
            pair = (g1, g2)

outcome_label = "、".join(effective)
common = dict(survey_id=survey_id, question_no=question_no, item_no=item_no, effective_options=tuple(effective))
grouping = {} if group_no == NO_GROUP else {"group_question_no": group_no, "groups": groups}
shares = comparison = None
if qtype in ("single", "matrix") and effective and (group_no == NO_GROUP or groups is not None or pair is not None):
    shares = attempt(ss.effective_share, **common, **grouping)
    if shares is not None and pair is not None:
        comparison = attempt(ss.compare_groups, **common, **grouping, compare=pair)
freq = attempt(ss.frequencies, survey_id=survey_id, question_no=question_no, item_no=item_no)

# ------------------------------------------------------------------------------ headline card

with st.container(border=True):
    st.subheader(markdown_escape(subject), anchor=False)
    if qtype == "multiple" and freq is not None:
        answered = freq.attrs["answered"]
        chosen = freq[freq["option_no"].notna()].dropna(subset=["case_pct"]).nlargest(3, "case_pct")
        st.caption(f"{markdown_escape(survey['title'])} · 多选题 · 作答 n={answered:,} · 各选项被选比例（占作答人数），95% 置信区间")
        cols = st.columns(4)
        cols[0].metric("作答人数", f"{answered:,}", help=f"全部答卷 {freq.attrs['respondents']:,} 份")
        for col, r in zip(cols[1:], chosen.itertuples()):
            col.metric(f"{markdown_escape(r.option)}（n={count(r.n)}）", pct(r.case_pct))
            col.caption(ci_text(r.ci_low, r.ci_high))
    elif not effective:
        st.info("请至少选择一个计为“肯定回答”的选项。")
    elif shares is not None:
        st.caption(f"{markdown_escape(survey['title'])} · 选择“{markdown_escape(outcome_label)}”的比例 · 95% 置信区间（Wilson）")
        rows = list(shares.itertuples())
        if len(rows) <= 6:
            cols = st.columns(len(rows))
            for col, r in zip(cols, rows):
                col.metric(f"{markdown_escape(r.group)}（n={count(r.n)}）", pct(r.pct))
                col.caption(ci_text(r.ci_low, r.ci_high) if pd.notna(r.pct) else f"人数过少（<{cfg.min_cell}），不予显示")
        else:
            st.caption("分组较多，各组比例见下方“分组比较”。")
        if comparison is not None:
            st.markdown(comparison_sentence(comparison, outcome_label))
        elif group_no != NO_GROUP and pair is None:
            st.caption("请选择要比较的两组。")

# ------------------------------------------------------------------------------ tabs

tab_compare, tab_freq, tab_cross, tab_likert, tab_rank, tab_alpha, tab_text = st.tabs(
    ["分组比较", "频数分布", "交叉分析", "量表题", "排序题", "信度分析", "开放题"])

with tab_compare:
    if qtype == "multiple":
        st.info("分组比较适用于单选题或矩阵题的某一行；多选题请看“频数分布”。")
    elif shares is None:
        st.info("请先在上方选好“肯定回答”选项和分组。")
    else:
        grouped_by = "全体受访者" if group_no == NO_GROUP else group_label(group_no)
        st.plotly_chart(charts.survey_group_shares(
            shares, y_title=f"选择“{outcome_label}”的比例（%）",
            title=f"选择“{outcome_label}”的比例：按{grouped_by}<br>{survey['title']} · {subject} · 误差线为 95% CI",
        ), key="survey_group_shares")
        st.markdown("**各组比例**")
        table(shown(shares, rename={"pct": "肯定回答比例(%)"}), name=f"分组比例_Q{question_no}", key="survey_shares_table")
        if comparison is not None:
            st.markdown("**两组比较**（文字解读见上方卡片）")
            c = comparison
            rows = {
                "比较": f"{c.group1} − {c.group2}", "n1": c.n1, "n2": c.n2, "肯定回答1": c.effective1,
                "肯定回答2": c.effective2, "比例1(%)": c.pct1, "比例2(%)": c.pct2, "差值(百分点)": c.diff,
                "差值95%CI下限": c.ci_low, "差值95%CI上限": c.ci_high, "χ²": c.chi2, "自由度": c.dof,
                "χ²检验p值": c.p_chi2, "Fisher精确检验p值": c.p_fisher, "采用的检验": {"chi2": "χ²检验", "fisher": "Fisher精确检验"}.get(c.test, "不予报告"),
                "报告的p值": c.p_val, "Cramér's V": c.cramer_v, "比值比OR": c.odds_ratio, "最小期望频数": c.min_expected,
                "说明": c.note,
            }
            frame = pd.DataFrame([rows])
            floats = frame.select_dtypes("float").columns
            table(frame.assign(**{k: frame[k].round(4) for k in floats}), name=f"两组比较_Q{question_no}",
                  key="survey_comparison_table")
            st.caption("差值的置信区间为 Newcombe 混合得分法；χ² 检验不做连续性校正；任一期望频数小于 5 时改用 Fisher 精确检验。"
                       "Cramér's V 的强弱按 Cohen 标准（0.1 弱，0.3 中等，0.5 强）。")

with tab_freq:
    if freq is not None:
        answered = freq.attrs["answered"]
        column = "case_pct" if qtype == "multiple" else "valid_pct"
        basis = "占作答人数（多选，合计超过 100%）" if qtype == "multiple" else "有效百分比"
        st.plotly_chart(charts.survey_option_bars(
            freq, pct=column, x_title=f"{basis}（%）",
            title=f"{subject}：各选项比例<br>{survey['title']} · 作答 n={answered:,} · 误差线为 95% CI",
        ), key="survey_freq_chart")
        missing = freq.attrs["respondents"] - answered
        st.caption(f"全部答卷 {freq.attrs['respondents']:,} 份，本题作答 {answered:,} 份，未作答 {missing:,} 份。")
        table(shown(freq, drop=("option_no",)), name=f"频数_Q{question_no}" + (f"_{item_no}" if item_no else ""), key="survey_freq_table")

with tab_cross:
    cross_nos = [int(n) for n in groupers["question_no"]]
    if len(cross_nos) < 2:
        st.info("交叉分析需要至少两道单选题。")
    else:
        a, b, c = st.columns([2, 2, 1.4])
        default_rows = political_no if political_no is not None else cross_nos[0]
        default_cols = question_no if question_no in cross_nos and question_no != default_rows else next(
            n for n in cross_nos if n != default_rows)
        rows_no = int(a.selectbox("行", cross_nos, index=cross_nos.index(default_rows), format_func=labels.get,
                                  key=f"survey_ct_rows_{survey_id}"))
        cols_no = int(b.selectbox("列", cross_nos, index=cross_nos.index(default_cols), format_func=labels.get,
                                  key=f"survey_ct_cols_{survey_id}"))
        show = c.radio("格内百分比", ["行百分比", "列百分比"], horizontal=True, key="survey_ct_show")
        ct = attempt(ss.crosstab, survey_id=survey_id, row_question_no=rows_no, col_question_no=cols_no)
        if ct is not None:
            shares_ct = ct.row_pct if show == "行百分比" else ct.col_pct
            st.plotly_chart(charts.crosstab_heatmap(
                ct.counts, shares_ct, ct.residuals,
                title=f"{texts[rows_no]} × {texts[cols_no]}<br>{survey['title']} · n={ct.n:,} · 格内为人数与{show}；"
                      "着色格的调整残差 |r| > 1.96（蓝：多于独立时的期望，红：少于期望）",
            ), key="survey_crosstab_chart")
            if pd.isna(ct.chi2):
                st.info("有效的行或列不足两个，无法做 χ² 检验。")
            else:
                df_star = min(len(ct.expected.index), len(ct.expected.columns)) - 1
                verdict = "两题的回答有关联（p < 0.05）" if ct.p_val < 0.05 else "没有证据表明两题的回答有关联（p ≥ 0.05）"
                size = ss.effect_size_label(ct.cramer_v, df_star=max(1, df_star))
                sentence = (f"χ² 独立性检验：χ²({ct.dof}) = {ct.chi2:.2f}，{p_value(ct.p_val, missing='p 无法计算')}，n={ct.n:,}；{verdict}；"
                            f"Cramér's V = {ct.cramer_v:.2f}，关联强度{size}。")
                if not pd.isna(ct.p_fisher):
                    sentence += f"2×2 表 Fisher 精确检验 {p_value(ct.p_fisher, missing='p 无法计算')}。"
                st.markdown(sentence)
                if ct.expected_below_5_pct > 20:
                    st.warning(f"{ct.expected_below_5_pct:.0f}% 的格子期望频数小于 5（最小 {ct.min_expected:.1f}），"
                               "χ² 检验结果不可靠，可合并选项后再分析。")
            if ct.suppressed:
                st.caption(f"有 {len(ct.suppressed)} 个格子因人数过少或为防止反推而隐藏，其百分比和残差也不显示；检验统计量基于完整表格。")
            t_counts, t_row, t_col, t_res = st.tabs(["人数", "行百分比", "列百分比", "调整残差"])
            name = f"交叉表_Q{rows_no}xQ{cols_no}"
            with t_counts:
                table(two_way(ct.counts), name=f"{name}_人数", key="survey_ct_counts")
            with t_row:
                table(two_way(ct.row_pct, 2), name=f"{name}_行百分比", key="survey_ct_rowpct")
            with t_col:
                table(two_way(ct.col_pct, 2), name=f"{name}_列百分比", key="survey_ct_colpct")
            with t_res:
                table(two_way(ct.residuals, 2), name=f"{name}_调整残差", key="survey_ct_residuals")
                st.caption("调整残差 =（观察 − 期望）/ √(期望 ×（1 − 行比例）×（1 − 列比例）)，|r| > 1.96 表示该格在 5% 水平上偏离独立。")

scales = qs[(qs["qtype"] == "matrix") & qs["scored"]]
scale_nos = [int(n) for n in scales["question_no"]]

with tab_likert:
    if not scale_nos:
        st.info("这份问卷没有带分值的矩阵量表题。")
    else:
        a, b = st.columns([3, 2])
        likert_no = int(a.selectbox("量表题", scale_nos, format_func=labels.get, key=f"survey_likert_{survey_id}"))
        likert_groups = [NO_GROUP] + [int(n) for n in groupers["question_no"]]
        likert_group = int(b.selectbox("分组（可选）", likert_groups, format_func=group_label,
                                       key=f"survey_likert_group_{survey_id}"))
        scale_options = cached(ss.question_options, survey_id=survey_id, question_no=likert_no)
        scale_labels = {float(v): str(o) for o, v in zip(scale_options["option"], scale_options["value"]) if pd.notna(v)}
        overall = attempt(ss.likert_published, survey_id=survey_id, question_no=likert_no)
        if overall is not None:
            weakest = overall.sort_values(["rank", "item_no"])
            n_max = int(pd.to_numeric(overall["n"], errors="coerce").max())
            scale = overall.attrs["scale"]
            st.plotly_chart(charts.likert_diverging(
                weakest, scale=scale, scale_labels=scale_labels,
                title=f"{texts[likert_no]}：各条目评分分布（按均值由低到高）<br>{survey['title']} · n={n_max:,} · 括号内为均值",
            ), key="survey_likert_chart")
            low3 = "、".join(f"{markdown_escape(r.item)}（{r.mean:.2f}）" for r in weakest.head(3).itertuples())
            st.markdown(f"均值最低的条目：{low3}。前两项比例 = 选择最高两个分值的人数占比。")
            if overall.attrs["suppressed"]:
                st.caption(f"人数少于 {cfg.min_cell} 的分值比例（及为防止反推而一并隐藏的比例）不显示，图中相应色段留空，"
                           "与“频数分布”中该条目的隐藏一致。")
            table(shown(weakest[["rank", "item", "n", "mean", "sd", *[f"pct_{v:g}" for v in scale], "top2_pct"]]),
                  name=f"量表_Q{likert_no}", key="survey_likert_table")
            if likert_group != NO_GROUP:
                split = cached(ss.member_groups, survey_id=survey_id, question_no=likert_group)
                grouped = attempt(ss.likert_published, survey_id=survey_id, question_no=likert_no,
                                  group_question_no=likert_group, groups=split)
                if grouped is not None:
                    st.plotly_chart(charts.likert_group_means(
                        grouped, order=list(weakest["item"]),
                        title=f"{texts[likert_no]}：各条目均值按{group_label(likert_group)}比较"
                              f"<br>{survey['title']} · 条目按全体均值由低到高 · 人数过少的组不显示",
                    ), key="survey_likert_groups")
                    table(shown(grouped, drop=("item_no",)), name=f"量表_Q{likert_no}_按Q{likert_group}分组", key="survey_likert_group_table")

with tab_rank:
    rank_nos = [int(n) for n in qs.loc[qs["qtype"] == "ranking", "question_no"]]
    if not rank_nos:
        st.info("这份问卷没有排序题。")
    else:
        rank_no = int(st.selectbox("排序题", rank_nos, format_func=labels.get, key=f"survey_rank_{survey_id}"))
        scores = attempt(ss.ranking_scores, survey_id=survey_id, question_no=rank_no)
        if scores is not None:
            st.plotly_chart(charts.ranking_score_bars(
                scores, title=f"{texts[rank_no]}：综合得分<br>{survey['title']} · 作答 n={scores.attrs['answered']:,}",
            ), key="survey_rank_chart")
            st.caption("综合得分（问卷星算法）= Σ 排在第 p 位的次数 ×（选项数 − p + 1）÷ 本题作答人数；"
                       "平均名次为排了该选项的人给它的平均位置（1 = 最靠前）。")
            table(shown(scores[["order", "option", "n", "mean_rank", "score"]]), name=f"排序题_Q{rank_no}",
                  key="survey_rank_table")

with tab_alpha:
    if not scale_nos:
        st.info("信度分析需要带分值的矩阵量表题。")
    else:
        alpha_no = int(st.selectbox("量表题", scale_nos, format_func=labels.get, key=f"survey_alpha_{survey_id}"))
        rel = attempt(ss.cronbach_alpha, survey_id=survey_id, question_no=alpha_no)
        if rel is not None:
            cols = st.columns(4)
            cols[0].metric("Cronbach's α", f"{rel.alpha:.3f}")
            cols[0].caption(f"95% CI {rel.ci_low:.3f}–{rel.ci_high:.3f}（Feldt）")
            cols[1].metric("条目数", rel.k)
            cols[2].metric("完整作答", f"{rel.n:,}")
            cols[3].metric("不完整（未计入）", f"{rel.n_incomplete:,}")
            label = ss.alpha_label(rel.alpha)
            raisers = rel.items[rel.items["alpha_if_deleted"] > rel.alpha]["item"].tolist()
            note = (f"删除 {'、'.join(markdown_escape(r) for r in raisers)} 后 α 会升高，可检查这些条目是否测量同一内容。" if raisers
                    else "删除任何一个条目都不会使 α 升高。")
            st.markdown(f"内部一致性**{label}**（α ≥ 0.9 很好，≥ 0.8 良好，≥ 0.7 可接受）。{note}")
            st.plotly_chart(charts.item_total_bars(
                rel.items, alpha=rel.alpha,
                title=f"{texts[alpha_no]}：条目与总分的相关<br>{survey['title']} · n={rel.n:,} · α = {rel.alpha:.3f}",
            ), key="survey_alpha_chart")
            table(shown(rel.items, drop=("item_no",)), name=f"信度_Q{alpha_no}", key="survey_alpha_table")

with tab_text:
    text_nos = [int(n) for n in qs.loc[qs["text_answers"] > 0, "question_no"]]
    if not text_nos:
        st.info("这份问卷没有文字回答。")
    else:
        a, b = st.columns([3, 1])
        text_no = int(a.selectbox("开放题", text_nos, format_func=labels.get, key=f"survey_text_{survey_id}"))
        top_n = int(b.slider("显示关键词个数", 10, 50, 20, step=5, key="survey_text_top"))
        words = attempt(ss.keywords, survey_id=survey_id, question_no=text_no, top=top_n)
        if words is not None and words.empty:
            st.info("这道题没有有效的文字回答。")
        elif words is not None:
            st.plotly_chart(charts.keyword_bars(
                words, title=f"{texts[text_no]}：高频关键词<br>{survey['title']} · 有效回答 n={words.attrs['answers']:,} · "
                             "每条回答中出现一次即计一次",
            ), key="survey_keywords_chart")
            a, b = st.columns([2, 2])
            picked = a.selectbox("查看含有该关键词的回答", list(words["word"]), key=f"survey_keyword_{survey_id}_{text_no}")
            typed = b.text_input("或输入其他关键词", key=f"survey_keyword_typed_{survey_id}_{text_no}").strip()
            keyword = typed or picked
            found = attempt(ss.answers_containing, survey_id=survey_id, question_no=text_no, keyword=keyword)
            if found is not None:
                st.caption(f"含“{markdown_escape(keyword)}”的回答 {len(found):,} 条（按文字排序，不显示答卷编号，不能与其他题目的回答对应）。")
                table(shown(found), name=f"开放题_Q{text_no}_含关键词的回答", key="survey_answers_table")
            with st.expander("关键词频数表"):
                table(shown(words), name=f"关键词_Q{text_no}", key="survey_keywords_table")
