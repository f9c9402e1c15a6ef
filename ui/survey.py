"""Widgets of the 问卷分析 page: calling an analysis that may refuse, the respondent filter,
choosing the groups to compare, the option order editor, and the toolbox tabs (差异分析, 效度分析, 多期对比). Widget keys
carry the survey and question so each choice is remembered per question. Changes (option order,
wave links) are for the committee and researchers only, through ``analysis.survey.edits``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from analysis import charts, survey
from analysis.formatting import fixed, markdown_escape, p_value
from analysis.survey import OptionCondition, RangeCondition, RespondentFilter, edits, reading, validity
from analysis.survey.reading import NO_GROUP
from ui.cache import cached, figure
from ui.login import viewer
from ui.session import connection, cursor
from ui.tables import audited, table


def attempt(fn: Callable, **kwargs: Any) -> Any:
    """``cached(fn, **kwargs)``, or None after showing the analysis' own (Chinese) refusal."""
    try:
        return cached(fn, **kwargs)
    except ValueError as exc:
        st.warning(str(exc))
        return None


# ------------------------------------------------------------------------------ respondent filter


@dataclass(frozen=True)
class FilterChoice:
    """The filter in force (None: all respondents) and the line that states it on the page, in
    downloads and in the default report ("" without a filter)."""

    respondents: RespondentFilter | None = None
    note: str = ""


def respondent_filter(*, survey_id: int, qs: pd.DataFrame) -> FilterChoice:
    """The 筛选受访者 panel: options of choice questions (a range of levels for an ordinal
    question), a numeric range, submission dates, all combined with AND. A refused filter is
    explained and not applied."""
    by_no = qs.set_index("question_no")
    labels = dict(zip(qs["question_no"], qs["label"]))
    choice_nos = [int(n) for n in qs.loc[qs["qtype"].isin(["single", "multiple"]), "question_no"]]
    numeric_nos = [int(n) for n in qs.loc[qs["qtype"].eq("text") | (qs["qtype"].eq("single") & qs["scored"]),
                                          "question_no"]]
    key = f"survey_filter_{survey_id}"
    with st.expander("筛选受访者（条件同时满足）", expanded=bool(st.session_state.get(f"{key}_questions"))):
        picked = st.multiselect("按题目的选项筛选", choice_nos, format_func=labels.get, key=f"{key}_questions",
                                placeholder="选择一道或多道题目")
        conditions = []
        for no in picked:
            options = list(cached(survey.question_options, survey_id=survey_id, question_no=no)["option"])
            if by_no.at[no, "qtype"] == "single" and by_no.at[no, "ordinal"] and len(options) > 2:
                low, high = st.select_slider(f"{labels[no]}：范围", options, value=(options[0], options[-1]),
                                             key=f"{key}_{no}_range")
                chosen = options[options.index(low):options.index(high) + 1]
            else:
                chosen = st.multiselect(f"{labels[no]}：选项（任选其一即符合）", options, key=f"{key}_{no}_options")
            if chosen:
                conditions.append(OptionCondition(no, tuple(chosen)))
        a, b, c = st.columns([3, 1, 1])
        range_no = a.selectbox("按数值范围筛选（填空题中的数字，或有分值的单选题）", [None, *numeric_nos],
                               format_func=lambda n: "不按数值筛选" if n is None else labels[n], key=f"{key}_numeric")
        low = b.number_input("下限", value=None, key=f"{key}_low", disabled=range_no is None)
        high = c.number_input("上限", value=None, key=f"{key}_high", disabled=range_no is None)
        d1, d2 = st.columns(2)
        start = d1.date_input("提交日期：从", value=None, key=f"{key}_from", format="YYYY-MM-DD")
        end = d2.date_input("提交日期：到", value=None, key=f"{key}_to", format="YYYY-MM-DD")
        ranges = (RangeCondition(range_no, low, high),) if range_no is not None and (low, high) != (None, None) else ()
        st.caption("人数不足最小报告单位的筛选，或筛掉的人数不足最小报告单位的筛选，不予分析（否则相减即可推出个人的回答）。")
    respondents = RespondentFilter(options=tuple(conditions), ranges=ranges, submitted_from=start, submitted_to=end)
    if respondents.empty:
        return FilterChoice()
    summary = attempt(survey.filter_summary, survey_id=survey_id, respondents=respondents)
    if summary is None:
        return FilterChoice()
    if summary.refusal is not None:
        st.warning(f"筛选未生效：{summary.refusal}下方为全部答卷的结果。", icon=":material/block:")
        return FilterChoice()
    note = f"筛选条件：{summary.description}（{summary.matched:,} / {summary.total:,} 份答卷）"
    st.info(markdown_escape(note), icon=":material/filter_alt:")
    return FilterChoice(respondents, note)


@dataclass(frozen=True)
class GroupChoice:
    """What the reader chose to compare: the grouping question, merged groups, the pair."""

    group_no: int = NO_GROUP
    groups: dict[str, tuple[str, ...]] | None = None  # None: one group per option
    pair: tuple[str, str] | None = None  # None: nothing (yet) to compare


def pick_grouping(column: DeltaGenerator, *, survey_id: int, group_no: int, group_label: Callable[[int], str]) -> GroupChoice:
    """Below the 分组依据 picker: merge the options into two named groups (the default for a
    政治面貌 question: 党员 vs 非党员) or pick two options to compare. ``column`` holds the toggle.
    """
    group_texts = list(cached(survey.question_options, survey_id=survey_id, question_no=group_no)["option"])
    split = cached(survey.member_groups, survey_id=survey_id, question_no=group_no)
    merge = column.toggle("合并为两组", value=split is not None, key=f"survey_merge_{survey_id}_{group_no}",
                          help="把分组题的选项合并成两组再比较，例如 党员 与 非党员。")
    if merge:
        return _merged_groups(survey_id, group_no, group_texts, split, group_label)
    if len(group_texts) >= 2:
        a, b = st.columns(2)
        g1 = a.selectbox("比较：第一组", group_texts, index=0, key=f"survey_pair1_{survey_id}_{group_no}")
        rest = [t for t in group_texts if t != g1]
        g2 = b.selectbox("比较：第二组", rest, index=0, key=f"survey_pair2_{survey_id}_{group_no}")
        return GroupChoice(group_no, None, (g1, g2))
    return GroupChoice(group_no)


def _merged_groups(survey_id: int, group_no: int, group_texts: list[str],
                   split: dict[str, tuple[str, ...]] | None, group_label: Callable[[int], str]) -> GroupChoice:
    """Two named groups of options, from an expander; a warning (and no pair) until they are valid."""
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
        return GroupChoice(group_no, {name1: tuple(set1), name2: tuple(set2)}, (name1, name2))
    return GroupChoice(group_no)


# ------------------------------------------------------------------------------ option order


def option_order_editor(*, survey_id: int, question_no: int, question: pd.Series) -> None:
    """The order of the question's options and whether it is ordinal; editors may change both.

    ``question`` is the question's row of ``survey.questions``.
    """
    options = list(cached(survey.question_options, survey_id=survey_id, question_no=question_no)["option"])
    kind = "有序（可做趋势检验）" if question["ordinal"] else "无序"
    rule = question["order_label"] if isinstance(question["order_label"], str) else "—"
    st.caption(f"选项顺序：{markdown_escape(rule)}；{kind}。")
    if viewer().role not in edits.EDITORS:
        return
    with st.expander("调整选项顺序"):
        key = f"survey_order_{survey_id}_{question_no}"
        picked = st.multiselect("按新的顺序依次点选全部选项", options, key=f"{key}_picked")
        ordinal = st.checkbox("选项是有序等级（如 1部 < 2部，一般 < 满意）", value=bool(question["ordinal"]),
                              key=f"{key}_ordinal")
        if st.button("保存选项顺序", key=f"{key}_save", disabled=len(picked) != len(options)):
            try:
                edits.set_option_order(cursor(), survey_id=survey_id, question_no=question_no, options=picked,
                                       ordinal=ordinal, scope=viewer())
            except ValueError as exc:
                st.warning(str(exc))
            else:
                st.success("已保存（已记入审计日志）。")
                st.rerun()
        st.caption("顺序按问卷保存，所有图表和交叉表都按新顺序显示。")


# ------------------------------------------------------------------------------ toolbox tabs


def score_comparison_tab(*, survey_id: int, qs: pd.DataFrame, groupers: list[int], labels: dict[int, str],
                         group_label: Callable[[int], str], chosen_filter: FilterChoice) -> None:
    """差异分析: a scored question, matrix row or whole scale compared across groups."""
    scored = qs[qs["qtype"].isin(["single", "matrix"]) & qs["scored"] | (qs["qtype"].eq("single") & qs["ordinal"])]
    # Scales first: a matrix scale is what is usually compared; ordinal single choices follow.
    scored = scored.sort_values(["qtype", "question_no"], key=lambda c: c.ne("matrix") if c.name == "qtype" else c)
    scored_nos = [int(n) for n in scored["question_no"] if int(n) in labels]
    if not scored_nos or not groupers:
        st.info("差异分析需要带分值的题目（量表题或有分值的单选题）和至少一道分组题。")
        return
    a, b, c, d = st.columns([3, 2, 2, 1.6])
    question_no = int(a.selectbox("比较的得分", scored_nos, format_func=labels.get, key=f"survey_cmp_q_{survey_id}"))
    item_no: int | None = 0
    if qs.set_index("question_no").loc[question_no, "qtype"] == "matrix":
        items = dict(cached(survey.question_options, survey_id=survey_id, question_no=question_no).attrs["items"])
        choices = [None, *items]
        item_no = b.selectbox("条目", choices, format_func=lambda i: "量表总均分（各条目均值）" if i is None else items[i],
                              key=f"survey_cmp_item_{survey_id}_{question_no}")
    group_no = int(c.selectbox("分组依据", [g for g in groupers if g != question_no] or groupers,
                               format_func=group_label, key=f"survey_cmp_group_{survey_id}"))
    method = d.radio("方法", ["parametric", "rank"], format_func={"parametric": "参数检验", "rank": "非参数检验"}.get,
                     key=f"survey_cmp_method_{survey_id}")
    result = attempt(survey.compare_scores, respondents=chosen_filter.respondents, survey_id=survey_id, question_no=question_no, item_no=item_no,
                     group_question_no=group_no, method=method)
    if result is None:
        return
    st.markdown(reading.score_comparison_sentence(result, labels[question_no]))
    for reason in dict.fromkeys(result.hidden.values()):
        st.caption(markdown_escape(reason) + "（该组不显示，也不参加检验。）")
    table(reading.result_table(result.groups), name=f"差异分析_Q{question_no}_按Q{group_no}", key="survey_cmp_groups", note=chosen_filter.note)
    if not result.posthoc.empty:
        st.markdown("**两两比较**（" + ("Games-Howell" if method == "parametric" else "Dunn 检验，Holm 校正") + "）")
        table(reading.result_table(result.posthoc.drop(columns=["adjustment"])),
              name=f"两两比较_Q{question_no}_按Q{group_no}", key="survey_cmp_posthoc", note=chosen_filter.note)
    st.caption("两组：Welch t 检验（Cohen's d）或 Mann-Whitney U 检验（秩二列相关）；多组：单因素方差分析（η²）"
               "或 Kruskal-Wallis 检验（ε²）。人数不足最小报告单位的组不显示，也不参加检验。")


def validity_tab(*, survey_id: int, scale_nos: list[int], labels: dict[int, str], title: str,
                 chosen_filter: FilterChoice) -> None:
    """效度分析: KMO, Bartlett, parallel analysis and rotated loadings of matrix scale items."""
    if not scale_nos:
        st.info("效度分析需要带分值的矩阵量表题。")
        return
    a, b, c = st.columns([4, 1.4, 1.4])
    chosen = a.multiselect("量表题（条目合在一起分析）", scale_nos, default=scale_nos[:1], format_func=labels.get,
                           key=f"survey_efa_q_{survey_id}")
    rotation = b.radio("旋转", ["varimax", "promax"], format_func={"varimax": "最大方差", "promax": "斜交"}.get,
                       key=f"survey_efa_rotation_{survey_id}")
    factors = c.number_input("因子数（0 = 平行分析）", min_value=0, max_value=20, value=0,
                             key=f"survey_efa_k_{survey_id}")
    if not chosen:
        st.info("请至少选择一道量表题。")
        return
    fa = attempt(survey.factor_analysis, respondents=chosen_filter.respondents, survey_id=survey_id, question_nos=tuple(int(n) for n in chosen),
                 n_factors=int(factors) or None, rotation=rotation)
    if fa is None:
        return
    cols = st.columns(4)
    cols[0].metric("KMO", fixed(fa.kmo, 3))
    cols[0].caption(validity.kmo_label(fa.kmo))
    cols[1].metric("Bartlett χ²", fixed(fa.bartlett_chi2, 1, grouping=True))
    cols[1].caption(f"df = {fa.bartlett_dof}，{p_value(fa.bartlett_p)}")
    cols[2].metric("因子数", fa.n_factors)
    cols[3].metric("完整作答", f"{fa.n:,}")
    st.markdown(markdown_escape(validity.factor_reading(fa)))
    st.plotly_chart(figure(charts.scree_parallel, fa.eigen,
                           title=f"碎石图与平行分析<br>{markdown_escape(title)} · n={fa.n:,}"), key="survey_efa_scree")
    table(reading.result_table(fa.loadings), name="因子载荷", key="survey_efa_loadings", note=chosen_filter.note)
    with st.expander("特征值与方差解释"):
        table(reading.result_table(fa.eigen), name="特征值", key="survey_efa_eigen", note=chosen_filter.note)


def waves_tab(*, survey_id: int, surveys_list: pd.DataFrame, effective: list[str], chosen_filter: FilterChoice) -> None:
    """多期对比: link this survey with other years' (editors), then compare a question across waves."""
    linked = cached(survey.waves)
    mine = linked[linked["survey_id"] == survey_id]
    if mine.empty:
        st.info("这份问卷尚未与其他年份的同一问卷关联。")
        _link_form(survey_id=survey_id, surveys_list=surveys_list)
        return
    instrument = str(mine["instrument"].iloc[0])
    waves_of = linked[linked["instrument"] == instrument]
    st.caption(f"“{markdown_escape(instrument)}”共 {len(waves_of)} 期：" + "、".join(
        f"{markdown_escape(r.wave_label)}（{r.respondents:,} 份，{r.matched} 题对应）" for r in waves_of.itertuples()))
    base_id = int(waves_of["survey_id"].iloc[0])
    base_qs = cached(survey.questions, survey_id=base_id)
    base_labels = dict(zip(base_qs["question_no"], base_qs["label"]))
    singles = [int(n) for n in base_qs.loc[base_qs["qtype"] == "single", "question_no"]]
    a, b, c = st.columns([3, 2, 2])
    key_no = int(a.selectbox("比较的题目（按第一期题号）", singles, format_func=base_labels.get,
                             key=f"survey_wave_q_{instrument}"))
    options = list(cached(survey.question_options, survey_id=base_id, question_no=key_no)["option"])
    chosen = b.multiselect("计为“肯定回答”的选项", options, default=[o for o in effective if o in options] or options[:1],
                           key=f"survey_wave_eff_{instrument}_{key_no}")
    group_choices = [NO_GROUP, *[n for n in singles if n != key_no]]
    group_key = int(c.selectbox("分组（可选）", group_choices,
                                format_func=lambda n: "不分组" if n == NO_GROUP else base_labels[n],
                                key=f"survey_wave_group_{instrument}"))
    if not chosen:
        st.info("请至少选择一个计为“肯定回答”的选项。")
        return
    change = attempt(survey.wave_change, respondents=chosen_filter.respondents, respondents_survey_id=survey_id,
                     instrument=instrument, key_no=key_no, effective_options=tuple(chosen),
                     group_key_no=None if group_key == NO_GROUP else group_key)
    if change is None:
        return
    outcome = "、".join(chosen)
    st.markdown(reading.wave_change_sentence(change, outcome))
    st.plotly_chart(figure(charts.wave_share_lines, change, y_title=f"选择“{outcome}”的比例（%）",
                           title=f"各期选择“{outcome}”的比例<br>{markdown_escape(instrument)} · 误差线为 95% CI"),
                    key="survey_wave_chart")
    table(reading.result_table(change.drop(columns=["survey_id"])), name=f"多期对比_Q{key_no}", key="survey_wave_table", note=chosen_filter.note)
    st.caption("变化 = 本期比例 − 上一期比例（百分点），95% CI 为 Newcombe 法；检验为 χ²（期望频数小于 5 时 Fisher）。"
               "各期答卷视为独立样本。人数不足最小报告单位的组不显示。")


def _link_form(*, survey_id: int, surveys_list: pd.DataFrame) -> None:
    """For editors: pick the other waves, review the proposed question matches, save the link."""
    if viewer().role not in edits.EDITORS:
        return
    others = [int(s) for s in surveys_list["survey_id"] if int(s) != survey_id]
    if not others:
        return
    titles = dict(zip(surveys_list["survey_id"], surveys_list["title"]))
    with st.expander("关联多期问卷"):
        a, b, c = st.columns([3, 2, 2])
        earlier = int(a.selectbox("上一期问卷", others, format_func=titles.get, key=f"survey_link_other_{survey_id}"))
        earlier_label = b.text_input("上一期名称", value="上一期", key=f"survey_link_l1_{survey_id}").strip()
        this_label = c.text_input("本期名称", value="本期", key=f"survey_link_l2_{survey_id}").strip()
        instrument = st.text_input("问卷（量表）名称", value=str(titles[survey_id]), key=f"survey_link_name_{survey_id}")
        proposal = cached(survey.propose_matches, base_survey_id=earlier, survey_id=survey_id)
        st.caption("按题目文字自动对应（可修改“对应上一期题号”，留空表示不比较）：")
        reviewed = st.data_editor(
            proposal[["question_no", "text", "key_no", "key_text", "similarity"]], hide_index=True,
            disabled=["question_no", "text", "key_text", "similarity"], key=f"survey_link_table_{survey_id}_{earlier}",
            column_config={"question_no": "本期题号", "text": "本期题目", "key_no": "对应上一期题号",
                           "key_text": "上一期题目", "similarity": "文字相似度"})
        if st.button("保存关联", key=f"survey_link_save_{survey_id}"):
            matches = {int(q): int(k) for q, k in zip(reviewed["question_no"], reviewed["key_no"]) if pd.notna(k)}
            try:
                edits.link_waves(cursor(), instrument=instrument, waves=[(earlier, earlier_label), (survey_id, this_label)],
                                 matches={survey_id: matches}, scope=viewer())
            except ValueError as exc:
                st.warning(str(exc))
            else:
                st.success("已关联（已记入审计日志）。")
                st.rerun()


# ------------------------------------------------------------------------------ default report


def default_report_downloads(*, survey_id: int, respondents: RespondentFilter | None) -> None:
    """Word and offline-HTML downloads of the survey's 问卷默认报告 (of the filtered respondents when
    a filter is in force: the report states it under its title), built only on click."""
    scope = viewer()  # read here: the download callables run in another thread, without script context
    suffix = "_筛选" if respondents is not None else ""

    handle = connection()

    def build(renderer: str, fmt: str) -> Callable[[], bytes]:
        def make() -> bytes:
            # python-docx, the charts and scipy load on the first click, not with the page.
            from analysis.report import survey_report

            report = survey_report.survey_report(handle.cursor(), survey_id=survey_id, scope=scope,
                                                 respondents=respondents)
            out = getattr(survey_report, renderer)(report)
            return out.encode("utf-8") if isinstance(out, str) else out
        return audited(make, detail={"table": f"问卷默认报告_{survey_id}{suffix}", "format": fmt})

    buttons = st.container(horizontal=True)
    label = "（筛选后）" if suffix else ""
    buttons.download_button(f"下载问卷默认报告{label}（Word）", data=build("survey_report_docx", "docx"),
                            file_name=f"问卷默认报告_{survey_id}{suffix}.docx", on_click="ignore", key="survey_report_docx",
                            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    buttons.download_button(f"下载问卷默认报告{label}（离线网页）", data=build("survey_report_html", "html"),
                            file_name=f"问卷默认报告_{survey_id}{suffix}.html", mime="text/html", on_click="ignore",
                            key="survey_report_html")
    st.caption("每道题一张图、一张表和一句话，附 95% 置信区间和检验；生成 Word 约需十几秒。")
