"""汇报材料, the deck (analysis/report/render/pptx.py and render/template.py): the short meeting deck
and the full one, native charts holding the analysis functions' numbers, honest axes, one colour
meaning, plain-Chinese sources, the cover's meeting, and a hospital's own template.

Every chart's numbers are checked against the analysis function behind the finding, called here
independently with the same period and scope. With LibreOffice installed, the decks are converted
to PDF and every page rendered to PNG (tests/screenshots/deck_*.png, for a person to look at).
"""

from __future__ import annotations

import io
import re

import pytest
from lxml import etree
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn

from analysis import palette, periods, report
from analysis.metrics import assessment, four_have, meetings, overview, tasks, vanguard
from analysis.report.brief import KEY_FINDINGS
from analysis.report.model import SHORT_DECK_SLIDES
from analysis.report.render import pptx as report_pptx
from analysis.report.render import template as templates
from tests.browser import SHOTS
from tests.report_helpers import (
    END,
    FIRST,
    LOGO,
    MEETING,
    PERIOD,
    SCOPE,
    TEMPLATE_ACCENT,
    TEMPLATE_BODY_FONT,
    TEMPLATE_HEADING_FONT,
    chart_of,
    close,
    hospital_report,
    hospital_template,
    is_blank,
    page_images,
    pdf_pages,
    read_only,
    requires_libreoffice,
    series_values,
    slide_text,
    slides_by_name,
    to_pdf,
)

LINE_TYPES = (XL_CHART_TYPE.LINE, XL_CHART_TYPE.LINE_MARKERS)


@pytest.fixture(scope="module")
def con(demo_path):
    with read_only(demo_path) as con:
        yield con


@pytest.fixture(scope="module")
def built(con):
    return hospital_report(con)


@pytest.fixture(scope="module")
def built_full(con):
    return hospital_report(con, length="full")


@pytest.fixture(scope="module")
def deck(built):
    return Presentation(io.BytesIO(report.render(built, "pptx")))


@pytest.fixture(scope="module")
def full_deck(built_full):
    return Presentation(io.BytesIO(report.render(built_full, "pptx")))


def names(prs) -> list[str]:
    return [s._element.cSld.get("name") for s in prs.slides]


def charts_of(prs):
    return [(slide, shape.chart) for slide in prs.slides for shape in slide.shapes if shape.has_chart]


# --------------------------------------------------------------------------- the short deck


def test_short_deck_is_a_meeting_item_of_at_most_twelve_slides(built, deck):
    assert (deck.slide_width, deck.slide_height) == (templates.SLIDE_WIDTH, templates.SLIDE_HEIGHT)
    assert len(deck.slides) <= SHORT_DECK_SLIDES
    assert len(deck.slides) == report_pptx.slide_count(built)
    keys = [k for k in built.key_findings if k != "overview.summary"]
    assert 1 <= len(keys) <= KEY_FINDINGS
    assert names(deck) == ["cover", "overview.summary", *keys, "problems", "plans"]


def test_cover_carries_the_meeting_not_the_generation_time(built, deck):
    cover = slide_text(deck.slides[0])
    assert deck.slides[0].shapes.title.text == built.title == "2025年第4季度党建工作情况汇报"
    for expected in (MEETING.name, MEETING.presenter, "2026年1月16日", "数据截至2025年12月31日", built.hospital):
        assert expected in cover
    texts_on_slide = "\n".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "生成于" not in texts_on_slide and "09:30" not in texts_on_slide


def test_key_findings_are_chosen_by_change_and_flags_not_section_order(built):
    by_key = {f.key: f for f in built.findings}
    chosen = [by_key[k] for k in built.key_findings if k != "overview.summary"]
    left_out = [f for f in built.findings if f.key not in built.key_findings]
    # The ranking flags three branches and the 三会一课 gaps are many: both are on a slide; every
    # finding left out weighs no more than the lightest one chosen (a section's cap aside).
    assert {"assessment.ranking", "org_life.compliance", "tasks.completion"} <= set(built.key_findings)
    lightest = min(f.weight for f in chosen)
    capped = {s for s in {f.section for f in chosen} if sum(f.section == s for f in chosen) == 3}
    assert all(f.weight <= lightest or f.section in capped for f in left_out)
    # Shown in report order.
    order = [f.key for f in built.findings]
    assert list(built.key_findings) == sorted(built.key_findings, key=order.index)


def test_problems_and_plans_are_editable_drafts_from_the_flags(built, deck):
    slides = slides_by_name(deck)
    problems, plans = slide_text(slides["problems"]), slide_text(slides["plans"])
    assert "初稿" in slides["problems"].shapes.title.text and "初稿" in slides["plans"].shapes.title.text
    assert report_pptx.DRAFT_NOTE in problems and report_pptx.DRAFT_NOTE in plans
    assert f"{len(built.problems)} 个方面" in slides["problems"].shapes.title.text
    # The flagged branches and the overdue tasks, each with its step.
    watch = next(f for f in built.findings if f.key == "assessment.watch")
    flagged = watch.table.frame["党支部"].tolist()
    assert flagged and all(name in problems for name in flagged)
    overdue = next(f for f in built.findings if f.key == "tasks.overdue")
    assert f"逾期未完成 {len(overdue.table.frame)} 项" in problems
    for concern in built.problems:
        assert concern.problem in problems and concern.action in plans
    # Text boxes, not pictures: the office edits them.
    assert not [s for s in slides["problems"].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


# --------------------------------------------------------------------------- the full deck


def test_full_deck_has_agenda_every_finding_and_the_appendix(built_full, full_deck):
    got = names(full_deck)
    assert len(got) == report_pptx.slide_count(built_full)
    assert got[:2] == ["cover", "agenda"]
    assert got[2:2 + len(built_full.findings)] == [f.key for f in built_full.findings]
    assert got[2 + len(built_full.findings):4 + len(built_full.findings)] == ["problems", "plans"]
    assert got[-1].startswith("appendix.") and all(n.startswith("appendix.") for n in got[4 + len(built_full.findings):])


def test_charts_are_native_chart_parts_with_embedded_data(built_full, full_deck):
    slides = slides_by_name(full_deck)
    charted = [f for f in built_full.findings if f.chart is not None]
    assert len(charted) >= 15
    for finding in charted:
        chart = chart_of(slides[finding.key])
        assert chart.part.content_type == "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
        workbook = chart.part.chart_workbook.xlsx_part
        assert workbook is not None and len(workbook.blob) > 1000, "data embedded for editing in PowerPoint/WPS"
        assert list(chart.plots[0].categories) == list(finding.chart.categories)
        assert [s.name for s in chart.plots[0].series] == [s.name for s in finding.chart.series]
        for got, want in zip(series_values(chart), finding.chart.series):
            assert close(got, want.values), finding.key
    pictures = [s for slide in full_deck.slides for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert pictures == [], "charts are never pictures"


def test_chart_values_equal_the_analysis_functions(con, full_deck):
    slides = slides_by_name(full_deck)

    def values(key):
        return series_values(chart_of(slides[key]))

    trend = vanguard.hospital_trend(con, scope=SCOPE, first=FIRST, last=PERIOD)
    assert close(values("vanguard.trend")[0], trend["mean"])
    units = vanguard.trend(con, scope=SCOPE, first=PERIOD, last=PERIOD, level="general_branch")
    units = units.sort_values(["mean", "unit_id"], ascending=[False, True])
    assert close(values("vanguard.units")[0], units["mean"])
    assert list(chart_of(slides["vanguard.units"]).plots[0].categories) == list(units["unit_name"])
    dims = vanguard.dimension_breakdown(con, scope=SCOPE, first=PERIOD, last=PERIOD)
    assert [close(v, dims[c]) for v, c in zip(values("vanguard.dimensions"), ("self", "peer", "org"))] == [True] * 3

    totals = assessment.total_trend(con, scope=SCOPE, first=FIRST, last=PERIOD)
    assert [close(v, totals[c]) for v, c in zip(values("assessment.trend"), ("mean", "max", "min"))] == [True] * 3
    indicators = assessment.indicator_scores(con, scope=SCOPE, quarter=PERIOD)
    by = (indicators.groupby(["indicator", "position"], as_index=False)["pct"].mean()
          .sort_values(["pct", "position"]))
    assert close(values("assessment.indicators")[0], by["pct"])

    profile = four_have.profile(con, scope=SCOPE, year=2025)
    got = values("four_have.profile")
    assert close(got[0], profile["hospital_mean"]) and close(got[1], profile["unit_self_mean"])

    summary = meetings.hospital_summary(con, scope=SCOPE, first=PERIOD, last=PERIOD, as_of=END)
    assert close(values("org_life.compliance")[0], summary.by_kind["rate"])
    assert close(values("org_life.attendance")[0], summary.by_kind["attendance_rate"])

    # Quarters before the first project started have no rate and are left off the axis.
    rates = tasks.completion_trend(con, scope=SCOPE, quarters=periods.quarter_range(FIRST, PERIOD))
    started = rates[rates["total"] > 0]
    assert len(started) < len(rates)
    assert close(values("tasks.completion")[0], started["rate"])
    assert list(chart_of(slides["tasks.completion"]).plots[0].categories) == periods.axis_labels(list(started["quarter"]))

    shares = overview.survey_headline(con, scope=SCOPE).shares
    assert close(values("survey.effective")[0], shares.loc[shares["group"] != "合计", "pct"])


def test_every_chart_is_zero_based_or_a_line_or_dot_chart(full_deck):
    checked = 0
    for slide, chart in charts_of(full_deck):
        name = slide._element.cSld.get("name")
        if chart.chart_type in LINE_TYPES:
            continue
        checked += 1
        axis = chart.value_axis
        if chart.chart_type == XL_CHART_TYPE.BAR_STACKED_100:
            continue  # shares of a whole: 0–100% by construction
        # From zero, or from -1 for correlations (values that can be negative), as the report model allows.
        values = [v for plot in chart.plots for series in plot.series for v in series.values if v is not None]
        assert axis.minimum_scale == 0 or (axis.minimum_scale < 0 and min(values) < 0), name
    assert checked >= 10


def test_rate_axes_end_at_100_percent_and_ticks_have_no_decimals(full_deck):
    slides = slides_by_name(full_deck)
    for key in ("tasks.completion", "org_life.compliance", "assessment.indicators", "survey.effective"):
        axis = chart_of(slides[key]).value_axis
        assert axis.maximum_scale == 100, key  # never a 120% tick on a rate
        assert axis.tick_labels.number_format == '#,##0"%"', key  # 10%, not 10.00%
    assert chart_of(slides["vanguard.appraisal"]).value_axis.tick_labels.number_format == "#,##0"


def test_quarter_axes_are_in_chinese(full_deck):
    for slide, chart in charts_of(full_deck):
        categories = [str(c) for c in chart.plots[0].categories]
        assert not [c for c in categories if re.search(r"\d{4}Q\d", c)], slide._element.cSld.get("name")
    trend = chart_of(slides_by_name(full_deck)["vanguard.trend"])
    assert list(trend.plots[0].categories)[:2] == ["第1季度\n2024年", "第2季度"]


def test_one_colour_meaning_and_red_only_for_the_brand(built_full, full_deck):
    """Flagged marks are ATTENTION, commended ones GOOD, on every chart; no data mark is red."""
    chart = next(f for f in built_full.findings if f.key == "assessment.ranking").chart
    colours = dict(zip(chart.categories, chart.series[0].point_colors))
    assert colours["1. 门诊护理党支部"] == palette.GOOD
    assert [c for c in colours.values() if c == palette.ATTENTION], "the watched branches"
    red = palette.PARTY_RED.lstrip("#").upper()
    for slide, chart in charts_of(full_deck):
        xml = etree.tostring(chart._chartSpace).decode()
        assert f'val="{red}"' not in xml, slide._element.cSld.get("name")
    for finding in built_full.findings:
        for series in finding.chart.series if finding.chart else ():
            assert palette.PARTY_RED not in (series.color, *(series.point_colors or ())), finding.key


def test_footers_and_notes_name_the_data_in_plain_chinese(built_full, full_deck):
    slides = slides_by_name(full_deck)
    for slide in full_deck.slides:
        assert "analysis." not in slide_text(slide), slide._element.cSld.get("name")
    for finding in built_full.findings:
        slide = slides[finding.key]
        assert slide.shapes.title.text == finding.title
        assert built_full.source_line(finding) in slide_text(slide)
        notes = slide.notes_slide.notes_text_frame.text
        for label in ("数据来源：", "统计期：", "样本量：", "口径："):
            assert label in notes, (finding.key, label)
    footer = built_full.source_line(next(f for f in built_full.findings if f.key == "assessment.trend"))
    assert footer.startswith("数据来源：党支部季度考核表，2024年第1季度—2025年第4季度，34个支部")


def test_statistics_are_in_the_notes_not_on_the_slide(full_deck):
    slide = slides_by_name(full_deck)["survey.effective"]
    body = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    notes = slide.notes_slide.notes_text_frame.text
    for jargon in ("χ²", "Cramér", "95% CI", "p <", "p ="):
        assert jargon not in body, jargon
    assert "党员认为作用明显的比例高于非党员，差异有统计学意义" in body
    assert "Cramér's V" in notes and "95% CI" in notes


def test_every_run_names_the_theme_fonts_for_both_scripts(deck):
    checked = 0
    parts = [slide.part for slide in deck.slides]
    parts += [shape.chart.part for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    for part in parts:
        for rpr in part._element.iter(qn("a:rPr"), qn("a:defRPr")):
            latin, ea = rpr.find(qn("a:latin")), rpr.find(qn("a:ea"))
            if latin is None:
                continue
            checked += 1
            assert ea is not None and ea.get("typeface") == templates.FONT
            assert rpr.index(ea) == rpr.index(latin) + 1  # schema order: latin, ea, cs
    assert checked > 150  # every run of the short deck: titles, cards, points, footers, chart text
    theme = deck.slide_master.part.part_related_by(RT.THEME).blob.decode("utf-8")
    assert f'<a:ea typeface="{templates.FONT}"/>' in theme


def test_deck_reopens_and_saves_unchanged_by_python_pptx(deck):
    buffer = io.BytesIO()
    deck.save(buffer)
    assert len(Presentation(io.BytesIO(buffer.getvalue())).slides) == len(deck.slides)


# --------------------------------------------------------------------------- unit decks


@pytest.mark.parametrize("unit, name, level", [("G01", "内科党总支", "党总支"), ("B01", "心血管内科党支部", "党支部")])
def test_a_unit_deck_talks_about_the_unit_against_the_hospital(con, unit, name, level):
    built = report.build_report(con, scope=SCOPE, period=PERIOD, unit=unit, meeting=MEETING)
    prs = Presentation(io.BytesIO(report.render(built, "pptx")))
    text = "\n".join(slide_text(s) for s in prs.slides)
    assert "共有党总支" not in text and "党总支1个" not in text
    summary = next(f for f in built.findings if f.key == "overview.summary")
    assert summary.title.startswith(f"2025年第4季度{name}")
    peers = vanguard.trend(con, scope=SCOPE, first=PERIOD, last=PERIOD, level="general_branch" if unit == "G01"
                           else "branch").dropna(subset=["unit_id"])
    mine = float(peers.loc[peers["unit_id"] == unit, "mean"].iloc[0])
    rank = int((peers["mean"] > mine).sum()) + 1
    assert f"{len(peers)}个{level}中第{rank}" in summary.title
    # Its members against everyone's, on a slide of the short deck.
    assert "vanguard.distribution" in built.key_findings
    bands = vanguard.grade_distribution(con, scope=SCOPE, quarter=PERIOD, unit=unit)
    chart = next(f for f in built.findings if f.key == "vanguard.distribution").chart
    assert close([s.values[0] for s in chart.series], bands["pct"])
    assert close([s.values[1] for s in chart.series], bands["hospital_pct"])
    assert len(prs.slides) <= SHORT_DECK_SLIDES


# --------------------------------------------------------------------------- the hospital's template


def test_a_hospital_template_gives_its_master_theme_and_fonts(con, built):
    template = templates.check(hospital_template(), "医院模板.potx")
    prs = Presentation(io.BytesIO(report.render(built, "pptx", template=template)))
    assert [s.name for s in prs.slide_master.shapes if s.name == LOGO] == [LOGO]
    theme = etree.fromstring(prs.slide_master.part.part_related_by(RT.THEME).blob)
    assert theme.find(f".//{qn('a:accent1')}")[0].get("val") == TEMPLATE_ACCENT
    assert templates.theme_colours(prs)["accent1"] == TEMPLATE_ACCENT
    # Its 4:3 size, the sample slide gone, every slide laid out on its layouts.
    assert (prs.slide_width, prs.slide_height) == (Presentation().slide_width, Presentation().slide_height)
    assert names(prs)[0] == "cover" and "模板示例页" not in "\n".join(slide_text(s) for s in prs.slides)
    assert all(s.slide_layout.slide_master.part is prs.slide_master.part for s in prs.slides)
    # Decoration and headline figures refer to the theme's accent (the template's green), text
    # names the template's fonts.
    slides = slides_by_name(prs)
    xml = etree.tostring(slides["overview.summary"]._element).decode()
    assert '<a:schemeClr val="accent1"/>' in xml
    title_run = slides["vanguard.trend"].shapes.title.text_frame.paragraphs[0].runs[0]
    assert title_run._r.rPr.find(qn("a:ea")).get("typeface") == TEMPLATE_HEADING_FONT
    body = [r for s in slides["vanguard.trend"].shapes if s.has_text_frame and not s.is_placeholder
            for p in s.text_frame.paragraphs for r in p.runs]
    assert body and {r._r.rPr.find(qn("a:ea")).get("typeface") for r in body} == {TEMPLATE_BODY_FONT}
    # The data keep their meaning colours on any template.
    ranking = etree.tostring(chart_of(slides["assessment.ranking"])._chartSpace).decode()
    assert palette.ATTENTION.lstrip("#").upper() in ranking


def test_the_default_template_is_red_and_white_with_yahei():
    prs = Presentation(io.BytesIO(templates.default_template()))
    colours = templates.theme_colours(prs)
    assert colours["accent1"] == palette.PARTY_RED.lstrip("#").upper() and colours["lt1"] == "FFFFFF"
    assert templates.fonts(prs) == templates.Fonts(*[templates.FONT] * 4)
    layouts = templates.Layouts(prs)
    assert layouts.cover.name == "Title Slide" and layouts.content.name == "Title Only"


@pytest.mark.parametrize("data, message", [
    (b"not a zip", "不是 PowerPoint 演示文稿或模板"),
    (b"PK\x03\x04broken", "不是 PowerPoint 演示文稿或模板"),
])
def test_a_file_that_is_not_a_template_is_refused_with_the_reason(data, message):
    with pytest.raises(templates.TemplateError, match=message) as caught:
        templates.check(data, "模板.pptx")
    assert "模板.pptx" in str(caught.value)


def test_a_template_without_a_title_layout_is_refused():
    prs = Presentation()
    for layout in list(prs.slide_layouts):
        for placeholder in list(layout.placeholders):
            if placeholder.placeholder_format.type is not None and "TITLE" in str(placeholder.placeholder_format.type):
                placeholder._element.getparent().remove(placeholder._element)
    buffer = io.BytesIO()
    prs.save(buffer)
    with pytest.raises(templates.TemplateError, match="没有带标题占位符的版式"):
        templates.check(buffer.getvalue(), "无标题.pptx")


def test_a_pptx_template_is_taken_as_it_is():
    data = hospital_template(potx=False)
    assert templates.check(data) == data
    assert templates.check(hospital_template()) != hospital_template()  # a .potx is relabelled


# --------------------------------------------------------------------------- LibreOffice


@requires_libreoffice
@pytest.mark.parametrize("length, template", [("short", None), ("full", None), ("short", "hospital")])
def test_decks_convert_with_libreoffice_and_every_page_has_content(con, tmp_path, length, template):
    built = hospital_report(con, length=length)
    data = report.render(built, "pptx", template=templates.check(hospital_template()) if template else None)
    pptx = tmp_path / "deck.pptx"
    pptx.write_bytes(data)
    pdf = to_pdf(pptx)
    assert pdf_pages(pdf) == report_pptx.slide_count(built)
    images = page_images(pdf, SHOTS / f"deck_{length}_{template or 'default'}")
    assert len(images) == report_pptx.slide_count(built)
    assert not [image.name for image in images if is_blank(image)]
