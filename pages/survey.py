"""问卷分析: shares with confidence intervals, group comparisons, cross tables, scales, rankings,
reliability and free text of one survey.

Every number comes from ``analysis.survey`` as an aggregate, with groups under the minimum reporting
group already hidden ("<5", "*", and the reason), and every sentence and Chinese-headed table from ``analysis.survey.reading``; this
page only gathers the choices (widgets of ``ui.survey``), calls the analyses through ``cached``
and draws. A respondent filter (``ui.survey.respondent_filter``) reaches every tab, every table
download (their 筛选条件 column) and the 问卷默认报告; a refused filter is explained and not applied.
Respondents are never identified: no response ids, submission times or IP addresses are shown,
and free-text answers are listed as bare texts, identical ones merged with their count.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import charts, config, survey
from analysis.formatting import ci, count, fixed, markdown_escape, percent, share
from analysis.survey import reading
from analysis.survey.catalog import CHOICE_TYPES
from analysis.survey.reading import NO_GROUP, result_table, two_way_table
from ui.cache import cached, figure
from ui.sections import kept_choice
from ui.survey import (
    GroupChoice,
    attempt,
    default_report_downloads,
    option_order_editor,
    pick_grouping,
    respondent_filter,
    score_comparison_tab,
    validity_tab,
    waves_tab,
)
from ui.tables import data_box, table

# ------------------------------------------------------------------------------ survey and question

cfg = config.load().survey
st.title("问卷分析")

survey_list = cached(survey.surveys)
if survey_list.empty:
    st.info("尚未导入问卷。请在“数据导入”中导入问卷星或腾讯问卷导出的 Excel。")
    st.stop()
titles = dict(zip(survey_list["survey_id"], survey_list["title"]))
answer_counts = dict(zip(survey_list["survey_id"], survey_list["respondents"]))
survey_id = int(st.selectbox("问卷", list(titles), format_func=lambda i: f"{titles[i]}（答卷 {answer_counts[i]:,} 份）",
                             key="survey_id"))
title = titles[survey_id]
qs = cached(survey.questions, survey_id=survey_id)
labels = dict(zip(qs["question_no"], qs["label"]))
texts = dict(zip(qs["question_no"], qs["text"]))
qtypes = dict(zip(qs["question_no"], qs["qtype"]))
st.caption(reading.survey_caption(survey_list.set_index("survey_id").loc[survey_id], questions=len(qs),
                                  min_cell=cfg.min_cell))
chosen_filter = respondent_filter(survey_id=survey_id, qs=qs)
respondents, note = chosen_filter.respondents, chosen_filter.note
default_report_downloads(survey_id=survey_id, respondents=respondents)

groupers = survey.grouping_questions(qs)
political_no = survey.attribute_question(qs, "政治面貌")


def group_label(no: int) -> str:
    return reading.group_label(qs, no)


choice_qs = qs[qs["qtype"].isin(CHOICE_TYPES)]
if choice_qs.empty:
    st.info("这份问卷没有选择题。")
    st.stop()
outcome_nos = [int(n) for n in choice_qs["question_no"]]
default_no = cached(survey.default_outcome, survey_id=survey_id, effective_options=tuple(cfg.effective_options))
top = st.columns([3, 2])
question_no = int(top[0].selectbox("题目", outcome_nos, index=outcome_nos.index(default_no),
                                   format_func=labels.get, key=f"survey_question_{survey_id}"))
qtype = qtypes[question_no]
options = cached(survey.question_options, survey_id=survey_id, question_no=question_no)
item_no, item_text = 0, ""
if qtype == "matrix":
    items = dict(options.attrs["items"])
    item_no = int(top[1].selectbox("矩阵题的行（条目）", list(items), format_func=items.get,
                                   key=f"survey_item_{survey_id}_{question_no}"))
    item_text = items[item_no]
subject = texts[question_no] + (f" · {item_text}" if item_text else "")

# ------------------------------------------------------------------------------ outcome and grouping

effective: list[str] = []
choice = GroupChoice()
if qtype in ("single", "matrix"):
    default_effective = list(cached(survey.default_effective, survey_id=survey_id, question_no=question_no))
    row = st.columns([3, 2, 1.2])
    effective = row[0].multiselect("计为“肯定回答”的选项", list(options["option"]), default=default_effective,
                                   key=f"survey_effective_{survey_id}_{question_no}")
    group_options = [NO_GROUP] + [n for n in groupers if n != question_no]
    default_group = political_no if political_no in group_options else NO_GROUP
    group_no = int(row[1].selectbox("分组依据", group_options, index=group_options.index(default_group),
                                    format_func=group_label, key=f"survey_group_{survey_id}_{question_no}"))
    if group_no != NO_GROUP:
        choice = pick_grouping(row[2], survey_id=survey_id, group_no=group_no, group_label=group_label)
group_no, groups, pair = choice.group_no, choice.groups, choice.pair

outcome_label = "、".join(effective)
common = dict(survey_id=survey_id, question_no=question_no, item_no=item_no, effective_options=tuple(effective),
              respondents=respondents)
grouping = {} if group_no == NO_GROUP else {"group_question_no": group_no, "groups": groups}
shares = comparison = None
if qtype in ("single", "matrix") and effective and (group_no == NO_GROUP or groups is not None or pair is not None):
    shares = attempt(survey.effective_share, **common, **grouping)
    if shares is not None and pair is not None:
        comparison = attempt(survey.compare_groups, **common, **grouping, compare=pair)
freq = attempt(survey.frequencies, respondents=respondents, survey_id=survey_id, question_no=question_no, item_no=item_no)

# ------------------------------------------------------------------------------ headline card

# The card sums up the question for the 分组比较 tab; on the other tabs it folds away so that their
# own tables start near the top.
first_tab = st.session_state.get("survey_tab") in (None, "分组比较")
with st.expander("本题要点" + ("" if first_tab else "（展开查看）"), expanded=first_tab):
    st.subheader(markdown_escape(subject), anchor=False)
    if qtype == "multiple" and freq is not None:
        answered = freq.attrs["answered"]
        chosen = freq[freq["option_no"].notna()].dropna(subset=["case_pct"]).nlargest(3, "case_pct")
        st.caption(f"{markdown_escape(title)} · 多选题 · 作答 n={answered:,} · 各选项被选比例（占作答人数），95% 置信区间")
        cols = st.columns(4)
        cols[0].metric("作答人数", f"{answered:,}", help=f"全部答卷 {freq.attrs['respondents']:,} 份")
        for col, r in zip(cols[1:], chosen.itertuples()):
            col.metric(f"{markdown_escape(r.option)}（n={count(r.n)}）", percent(r.case_pct))
            col.caption(ci(r.ci_low, r.ci_high))
    elif not effective:
        st.info("请至少选择一个计为“肯定回答”的选项。")
    elif shares is not None:
        st.caption(f"{markdown_escape(title)} · 选择“{markdown_escape(outcome_label)}”的比例 · 95% 置信区间（Wilson）")
        rows = list(shares.itertuples())
        if len(rows) <= 6:
            cols = st.columns(len(rows))
            for col, r in zip(cols, rows):
                col.metric(f"{markdown_escape(r.group)}（n={count(r.n)}）", share(r.pct, r.n))
                col.caption(ci(r.ci_low, r.ci_high) if pd.notna(r.pct) else "不予显示（见下方说明）")
        else:
            st.caption("分组较多，各组比例见下方“分组比较”。")
        for reason in shares.attrs["hidden"].values():
            st.caption(markdown_escape(reason))
        if comparison is not None:
            st.markdown(reading.comparison_sentence(comparison, outcome_label))
        elif group_no != NO_GROUP and pair is None:
            st.caption("请选择要比较的两组。")

# ------------------------------------------------------------------------------ tabs

(tab_compare, tab_freq, tab_cross, tab_likert, tab_rank, tab_alpha, tab_text, tab_scores, tab_validity,
 tab_waves) = st.tabs(["分组比较", "频数分布", "交叉分析", "量表题", "排序题", "信度分析", "开放题", "差异分析", "效度分析",
                       "多期对比"], key="survey_tab", on_change="rerun")
# Each tab runs only when open (``.open``): a page load computes and sends one tab.

with tab_compare:
    if tab_compare.open:
        if qtype == "multiple":
            st.info("分组比较适用于单选题或矩阵题的某一行；多选题请看“频数分布”。")
        elif shares is None:
            st.info("请先在上方选好“肯定回答”选项和分组。")
        else:
            grouped_by = "全体受访者" if group_no == NO_GROUP else group_label(group_no)
            st.plotly_chart(figure(charts.survey_group_shares,
                shares, y_title=f"选择“{outcome_label}”的比例（%）",
                title=f"选择“{outcome_label}”的比例：按{grouped_by}<br>{title} · {subject} · 误差线为 95% CI",
            ), key="survey_group_shares")
            st.markdown("**各组比例**")
            table(result_table(shares, rename={"pct": "肯定回答比例(%)"}), name=f"分组比例_Q{question_no}", key="survey_shares_table", note=note)
            if comparison is not None:
                st.markdown("**两组比较**（文字解读见上方卡片）")
                table(reading.comparison_table(comparison), name=f"两组比较_Q{question_no}",
                      key="survey_comparison_table", note=note)
                st.caption("差值的置信区间为 Newcombe 混合得分法；χ² 检验不做连续性校正；任一期望频数小于 5 时改用 Fisher 精确检验。"
                           "Cramér's V 的强弱按 Cohen 标准（0.1 弱，0.3 中等，0.5 强）。")

with tab_freq:
    if tab_freq.open:
        if freq is not None:
            answered = freq.attrs["answered"]
            column = "case_pct" if qtype == "multiple" else "valid_pct"
            basis = "占作答人数（多选，合计超过 100%）" if qtype == "multiple" else "有效百分比"
            shown_freq = freq
            if qtype == "multiple" and not st.toggle("按问卷顺序排列选项", key="survey_freq_order"):
                shown_freq = freq.sort_values(column, ascending=False, na_position="last")  # most chosen first
            st.plotly_chart(figure(charts.survey_option_bars,
                shown_freq, pct=column, x_title=f"{basis}（%）",
                title=f"{subject}：各选项比例<br>{title} · 作答 n={answered:,} · 误差线为 95% CI",
            ), key="survey_freq_chart")
            missing = freq.attrs["respondents"] - answered
            base = "符合筛选条件的答卷" if respondents is not None else "全部答卷"
            st.caption(f"{base} {freq.attrs['respondents']:,} 份，本题作答 {answered:,} 份，未作答 {missing:,} 份。")
            table(result_table(freq, drop=("option_no",)), name=f"频数_Q{question_no}" + (f"_{item_no}" if item_no else ""), key="survey_freq_table", note=note)
            option_order_editor(survey_id=survey_id, question_no=question_no,
                                question=qs.set_index("question_no").loc[question_no])

with tab_cross:
    if tab_cross.open:
        cross_nos = groupers
        if len(cross_nos) < 2:
            st.info("交叉分析需要至少两道单选题。")
        else:
            a, b, c = st.columns([2, 2, 1.4])
            default_rows, default_cols = survey.default_crosstab(qs, question_no=question_no)
            rows_no = int(kept_choice(a.selectbox, "行", cross_nos, default=default_rows, format_func=labels.get,
                                      key=f"survey_ct_rows_{survey_id}"))
            cols_no = int(kept_choice(b.selectbox, "列", cross_nos, default=default_cols, format_func=labels.get,
                                      key=f"survey_ct_cols_{survey_id}"))
            show = kept_choice(c.radio, "格内百分比", ["行百分比", "列百分比"], horizontal=True, key="survey_ct_show")
            ct = attempt(survey.crosstab, respondents=respondents, survey_id=survey_id, row_question_no=rows_no, col_question_no=cols_no)
            if ct is not None:
                shares_ct = ct.row_pct if show == "行百分比" else ct.col_pct
                st.plotly_chart(figure(charts.crosstab_heatmap,
                    ct.counts, shares_ct, ct.residuals,
                    title=f"{texts[rows_no]} × {texts[cols_no]}<br>{title} · n={ct.n:,} · 格内为人数与{show}；"
                          "着色格的调整残差 |r| > 1.96（绿：多于独立时的期望，紫：少于期望；颜色不表示好坏）",
                ), key="survey_crosstab_chart")
                if pd.isna(ct.chi2):
                    st.info("有效的行或列不足两个，无法做 χ² 检验。")
                else:
                    st.markdown(reading.independence_sentence(ct))
                    if warning := reading.sparse_table_warning(ct):
                        st.warning(warning)
                for reason in ct.hidden_rows.values():
                    st.caption(markdown_escape(reason) + "（该行的人数、百分比和残差都不显示；检验统计量基于完整表格。）")
                t_counts, t_row, t_col, t_res = st.tabs(["人数", "行百分比", "列百分比", "调整残差"])
                name = f"交叉表_Q{rows_no}xQ{cols_no}"
                with t_counts:
                    table(two_way_table(ct.counts), name=f"{name}_人数", key="survey_ct_counts", note=note)
                with t_row:
                    table(two_way_table(ct.row_pct, 2), name=f"{name}_行百分比", key="survey_ct_rowpct", note=note)
                with t_col:
                    table(two_way_table(ct.col_pct, 2), name=f"{name}_列百分比", key="survey_ct_colpct", note=note)
                with t_res:
                    table(two_way_table(ct.residuals, 2), name=f"{name}_调整残差", key="survey_ct_residuals", note=note)
                    st.caption("调整残差 =（观察 − 期望）/ √(期望 ×（1 − 行比例）×（1 − 列比例）)，|r| > 1.96 表示该格在 5% 水平上偏离独立。")

scales = qs[(qs["qtype"] == "matrix") & qs["scored"]]
scale_nos = [int(n) for n in scales["question_no"]]

with tab_likert:
    if tab_likert.open:
        if not scale_nos:
            st.info("这份问卷没有带分值的矩阵量表题。")
        else:
            a, b = st.columns([3, 2])
            likert_no = int(kept_choice(a.selectbox, "量表题", scale_nos, format_func=labels.get,
                                        key=f"survey_likert_{survey_id}"))
            likert_groups = [NO_GROUP] + groupers
            likert_group = int(kept_choice(b.selectbox, "分组（可选）", likert_groups, format_func=group_label,
                                           key=f"survey_likert_group_{survey_id}"))
            scale_options = cached(survey.question_options, survey_id=survey_id, question_no=likert_no)
            overall = attempt(survey.likert_items, respondents=respondents, survey_id=survey_id, question_no=likert_no)
            if overall is not None:
                weakest = overall.sort_values(["rank", "item_no"])
                n_max = int(pd.to_numeric(overall["n"], errors="coerce").max())
                scale = overall.attrs["scale"]
                st.plotly_chart(figure(charts.likert_diverging,
                    weakest, scale=scale, scale_labels=reading.scale_labels(scale_options),
                    title=f"{texts[likert_no]}：各条目评分分布（按均值由低到高）<br>{title} · n={n_max:,} · 括号内为均值",
                ), key="survey_likert_chart")
                st.markdown(reading.weakest_items_sentence(weakest))
                table(result_table(weakest[["rank", "item", "n", "mean", "sd", *[f"pct_{v:g}" for v in scale], "top2_pct"]]),
                      name=f"量表_Q{likert_no}", key="survey_likert_table", note=note)
                if likert_group != NO_GROUP:
                    split = cached(survey.member_groups, survey_id=survey_id, question_no=likert_group)
                    grouped = attempt(survey.likert_items, respondents=respondents, survey_id=survey_id, question_no=likert_no,
                                      group_question_no=likert_group, groups=split)
                    if grouped is not None:
                        st.plotly_chart(figure(charts.likert_group_means,
                            grouped, order=list(weakest["item"]),
                            title=f"{texts[likert_no]}：各条目均值按{group_label(likert_group)}比较"
                                  f"<br>{title} · 条目按全体均值由低到高 · 人数过少的组不显示",
                        ), key="survey_likert_groups")
                        table(result_table(grouped, drop=("item_no",)), name=f"量表_Q{likert_no}_按Q{likert_group}分组", key="survey_likert_group_table", note=note)
                        for reason in dict.fromkeys(grouped.attrs["hidden"].values()):
                            st.caption(markdown_escape(reason))

with tab_rank:
    if tab_rank.open:
        rank_nos = [int(n) for n in qs.loc[qs["qtype"] == "ranking", "question_no"]]
        if not rank_nos:
            st.info("这份问卷没有排序题。")
        else:
            rank_no = int(kept_choice(st.selectbox, "排序题", rank_nos, format_func=labels.get,
                                      key=f"survey_rank_{survey_id}"))
            scores = attempt(survey.ranking_scores, respondents=respondents, survey_id=survey_id, question_no=rank_no)
            if scores is not None:
                st.plotly_chart(figure(charts.ranking_score_bars,
                    scores, title=f"{texts[rank_no]}：综合得分<br>{title} · 作答 n={scores.attrs['answered']:,}",
                ), key="survey_rank_chart")
                st.caption("综合得分（问卷星算法）= Σ 排在第 p 位的次数 ×（选项数 − p + 1）÷ 本题作答人数；"
                           "平均名次为排了该选项的人给它的平均位置（1 = 最靠前）。")
                table(result_table(scores[["order", "option", "n", "mean_rank", "score"]]), name=f"排序题_Q{rank_no}",
                      key="survey_rank_table", note=note)

with tab_alpha:
    if tab_alpha.open:
        if not scale_nos:
            st.info("信度分析需要带分值的矩阵量表题。")
        else:
            alpha_no = int(kept_choice(st.selectbox, "量表题", scale_nos, format_func=labels.get,
                                       key=f"survey_alpha_{survey_id}"))
            rel = attempt(survey.cronbach_alpha, respondents=respondents, survey_id=survey_id, question_no=alpha_no)
            if rel is not None:
                cols = st.columns(4)
                cols[0].metric("Cronbach's α", fixed(rel.alpha, 3))
                cols[0].caption(f"95% CI {fixed(rel.ci_low, 3)}–{fixed(rel.ci_high, 3)}（Feldt）")
                cols[1].metric("条目数", rel.k)
                cols[2].metric("完整作答", f"{rel.n:,}")
                cols[3].metric("不完整（未计入）", f"{rel.n_incomplete:,}")
                st.markdown(reading.reliability_sentence(rel))
                st.plotly_chart(figure(charts.item_total_bars,
                    rel.items, alpha=rel.alpha,
                    title=f"{texts[alpha_no]}：条目与总分的相关<br>{title} · n={rel.n:,} · α = {fixed(rel.alpha, 3)}",
                ), key="survey_alpha_chart")
                table(result_table(rel.items, drop=("item_no",)), name=f"信度_Q{alpha_no}", key="survey_alpha_table", note=note)

with tab_text:
    # Run only when open: keywords load jieba's dictionary and the word cloud matplotlib (about
    # 1.5 s on a server's first use), which a page load must not pay.
    if tab_text.open:
        text_nos = [int(n) for n in qs.loc[qs["text_answers"] > 0, "question_no"]]
        if not text_nos:
            st.info("这份问卷没有文字回答。")
        else:
            a, b = st.columns([3, 1])
            text_no = int(a.selectbox("开放题", text_nos, format_func=labels.get, key=f"survey_text_{survey_id}"))
            top_n = int(b.slider("显示关键词个数", 10, 50, 20, step=5, key="survey_text_top"))
            words = attempt(survey.keywords, respondents=respondents, survey_id=survey_id, question_no=text_no, top=top_n,
                            stopwords=config.load().survey.keyword_stopwords)
            if words is not None and words.empty:
                st.info("这道题没有有效的文字回答。")
            elif words is not None:
                st.plotly_chart(figure(charts.keyword_bars,
                    words, title=f"{texts[text_no]}：高频关键词<br>{title} · 有效回答 n={words.attrs['answers']:,} · "
                                 "每条回答中出现一次即计一次",
                ), key="survey_keywords_chart")
                cloud = figure(charts.word_cloud, words)
                if cloud is not None:
                    st.image(cloud, caption="词云：字号表示提到该词的回答数", width="stretch")
                a, b = st.columns([2, 2])
                picked = a.selectbox("查看含有该关键词的回答", list(words["word"]), key=f"survey_keyword_{survey_id}_{text_no}")
                typed = b.text_input("或输入其他关键词", key=f"survey_keyword_typed_{survey_id}_{text_no}").strip()
                keyword = typed or picked
                found = attempt(survey.answers_containing, respondents=respondents, survey_id=survey_id, question_no=text_no, keyword=keyword)
                if found is not None:
                    st.caption(f"含“{markdown_escape(keyword)}”的回答 {len(found):,} 条（按文字排序，不显示答卷编号，不能与其他题目的回答对应）。")
                    table(result_table(found), name=f"开放题_Q{text_no}_含关键词的回答", key="survey_answers_table", note=note)
                if box := data_box("关键词频数表", key="survey_keywords_table"):
                    with box:
                        table(result_table(words), name=f"关键词_Q{text_no}", key="survey_keywords_table", note=note)
            if words is not None and not words.empty:
                st.markdown("**全部回答**（去掉首尾空白和标点后相同的回答合并计数，人数多的在前）")
                text_group = int(st.selectbox("按分组查看", [NO_GROUP, *groupers], format_func=group_label,
                                              key=f"survey_text_group_{survey_id}"))
                listed = attempt(survey.text_answers, respondents=respondents, survey_id=survey_id, question_no=text_no,
                                 group_question_no=None if text_group == NO_GROUP else text_group)
                if listed is not None:
                    for reason in listed.attrs["hidden"].values():
                        st.caption(markdown_escape(reason) + "（该组的回答只出现在不分组的列表中，不标注分组。）")
                    table(result_table(listed), name=f"开放题_Q{text_no}_全部回答", key="survey_text_answers", note=note)

# The toolbox tabs run only when open: their statistics import pingouin and factor_analyzer
# (seconds), which the page must not pay on every load.
with tab_scores:
    if tab_scores.open:
        score_comparison_tab(survey_id=survey_id, qs=qs, groupers=groupers, labels=labels, group_label=group_label,
                             chosen_filter=chosen_filter)

with tab_validity:
    if tab_validity.open:
        validity_tab(survey_id=survey_id, scale_nos=scale_nos, labels=labels, title=title, chosen_filter=chosen_filter)

with tab_waves:
    if tab_waves.open:
        waves_tab(survey_id=survey_id, surveys_list=survey_list, effective=effective, chosen_filter=chosen_filter)
