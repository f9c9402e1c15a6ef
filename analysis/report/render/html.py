"""The HTML report (one self-contained file) and the PNG charts (a zip) of a ``report.Report``.

HTML: plotly.js is inlined once in ``<head>``, so the file opens offline on an intranet with
nothing fetched (no CDN, no fonts, no images from elsewhere). The text holds no literal URL at
all: plotly.js carries namespace URIs and links for features we never use (maps, the
"edit in Chart Studio" link), and they are written with escaped slashes (``http:\\/\\/``), which
is the same string to JavaScript. Every text from the data is HTML-escaped (a URL typed into
the data is written ``http&#58;//``: the same text on screen); the figures' JSON is plotly's
own, which escapes ``<``, ``>`` and ``/``.

Printing (browser "打印 → 另存为 PDF"): A4 landscape, each section starts a new page, a
finding (title, figures, chart, notes) is never split across pages, the table of contents and
the print hint are left out. The page is a 1,040 px column, so the charts keep the width they
have on screen when printed.

The cover names the hospital, the unit, the meeting and the data date; no account, role or
program internals (the generator is in the ``<meta>`` only). Statistics behind a finding
(tests, intervals) are in its notes under the chart, with source, period, n and method.

PNG: ``to_png_zip`` renders every finding's chart with kaleido (headless Chromium, CJK fonts
from the system) at 1600×900 px into a zip, one file per chart named
``NN_<finding key>.png``, plus ``说明.txt`` listing each file with its title, source and notes.
"""

from __future__ import annotations

import io
import re
import zipfile
from functools import lru_cache

import plotly.io as pio

from analysis import charts
from analysis.formatting import html_escape
from analysis.report.model import SECTIONS, TEXT_KINDS, Finding, Report, Table, format_value

PNG_WIDTH, PNG_HEIGHT = 1600, 900
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"],
                 "toImageButtonOptions": {"format": "png", "scale": 2}}

CSS = """
:root { --red: #C8102E; --text: #222; --muted: #666; --line: #e4e4e4; --panel: #f6f6f6; --draft: #FFF4E0; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--text); background: #fafafa;
       font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; }
main { width: 1040px; max-width: 100%; margin: 0 auto; background: #fff; padding: 32px 40px 48px; }
header.cover { border-top: 10px solid var(--red); padding: 24px 0 8px; }
header.cover h1 { color: var(--red); font-size: 30px; margin: 0 0 8px; }
header.cover p { margin: 4px 0; color: var(--muted); }
.demo { display: inline-block; background: #fff4d6; color: #7a5a00; border: 1px solid #e8c96a; padding: 2px 8px;
        border-radius: 4px; font-size: 13px; }
nav.toc { background: var(--panel); padding: 12px 20px; margin: 20px 0; border-radius: 6px; }
nav.toc ol { margin: 6px 0; padding-left: 22px; } nav.toc li { margin: 3px 0; }
nav.toc a { color: var(--text); text-decoration: none; } nav.toc a:hover { color: var(--red); }
.hint { color: var(--muted); font-size: 13px; }
h2.section { color: var(--red); border-bottom: 3px solid var(--red); padding-bottom: 6px; margin-top: 36px; }
section.finding { border-bottom: 1px solid var(--line); padding: 8px 0 18px; }
section.finding h3 { font-size: 20px; line-height: 1.45; margin: 14px 0 10px; }
.body { display: grid; grid-template-columns: minmax(0, 1fr) 270px; gap: 18px; align-items: start; }
.plain .figures { margin-bottom: 6px; }
.figures { display: flex; gap: 12px; flex-wrap: wrap; margin: 6px 0 10px; }
aside .figures { display: block; margin-top: 0; }
.figure { background: var(--panel); border-left: 4px solid var(--red); padding: 8px 14px; min-width: 180px; }
aside .figure { margin-bottom: 10px; }
.figure .value { font-size: 28px; font-weight: 700; color: var(--red); }
.figure .label { font-weight: 700; } .figure .detail { color: var(--muted); font-size: 13px; }
.chart { width: 100%; height: 420px; }
aside ul.points { font-size: 14px; }
ul.points { margin: 6px 0; padding-left: 22px; } ul.points li { margin: 2px 0; }
p.notes { color: var(--muted); font-size: 12px; line-height: 1.6; margin: 8px 0 0; white-space: pre-line; }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0 4px; }
table.data th { background: var(--red); color: #fff; text-align: left; padding: 5px 8px; }
table.data td { border-bottom: 1px solid var(--line); padding: 4px 8px; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data tr:nth-child(even) td { background: #fafafa; }
section.table h3 { font-size: 16px; margin: 22px 0 4px; }
section.draft { background: var(--draft); border-left: 4px solid #E08214; padding: 4px 18px 12px; margin-top: 18px; }
section.draft ol { margin: 6px 0; padding-left: 22px; } section.draft li { margin: 4px 0; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { background: #fff; }
  main { width: auto; padding: 0; }
  nav.toc, .hint { display: none; }
  .keep { break-before: page; page-break-before: always; }
  .keep, section.finding, .figures, table.data tr { break-inside: avoid; page-break-inside: avoid; }
  h2.section, section.finding h3, section.table h3 { break-after: avoid; page-break-after: avoid; }
  .chart { height: 320px; }
  h2.section { margin-top: 0; }
  p.notes { font-size: 10px; line-height: 1.45; }
}
"""


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js as shipped with the plotly package, without a literal URL in it (see module notes)."""
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs().replace("://", ":\\/\\/")
    if "</script" in js.lower():  # would end the inline <script> element early
        raise RuntimeError("plotly.js contains '</script': cannot inline it")
    return js


def _figures(finding: Finding) -> str:
    if not finding.figures:
        return ""
    cards = "".join(
        f'<div class="figure"><div class="value">{html_escape(f.value)}</div><div class="label">{html_escape(f.label)}</div>'
        + (f'<div class="detail">{html_escape(f.detail)}</div>' if f.detail else "") + "</div>"
        for f in finding.figures)
    return f'<div class="figures">{cards}</div>'


def _chart(finding: Finding, index: int) -> str:
    fig = charts.report_figure(finding.chart, theme="light", height=420)
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, config=PLOTLY_CONFIG,
                       div_id=f"chart-{index}", default_width="100%", default_height="420px")


def html_table(tbl: Table, rows=None) -> str:
    frame = tbl.frame if rows is None else rows
    head = "".join(f"<th>{html_escape(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row):
            kind = tbl.formats[column]
            css = ' class="num"' if kind not in TEXT_KINDS else ""
            cells.append(f"<td{css}>{html_escape(format_value(value, kind))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _finding(report: Report, finding: Finding, chart_index: int) -> str:
    """One finding: title, chart (numbered ``chart_index``) or table beside its figures and
    points, then the speaker notes' source, period, n and method."""
    main, aside = "", _figures(finding)
    if finding.chart is not None:
        main = _chart(finding, chart_index)
    elif finding.table is not None:
        main = html_table(finding.table)
    points = ('<ul class="points">' + "".join(f"<li>{html_escape(p)}</li>" for p in finding.points) + "</ul>"
              if finding.points else "")
    if main:
        body = f'<div class="body"><div class="main">{main}</div><aside>{aside}{points}</aside></div>'
    else:
        body = f'<div class="plain">{aside}{points}</div>'
    notes = [n for n in report.speaker_notes(finding).split("\n") if not n.startswith(("结论：", "要点："))]
    return (f'<section class="finding" id="{html_escape(finding.key)}"><h3>{html_escape(finding.title)}</h3>{body}'
            f'<p class="notes">{html_escape(chr(10).join(notes))}</p></section>')


def _drafts(report: Report) -> str:
    """存在问题 and 下步打算 as drafted from the data, marked as drafts to revise."""
    problems = "".join(f"<li>{html_escape(c.problem)}</li>" for c in report.problems)
    actions = "".join(f"<li>{html_escape(c.action)}</li>" for c in report.problems)
    return ('<section class="draft keep" id="problems"><h2 class="section">存在问题与下步打算（初稿）</h2>'
            '<p class="hint">以下内容由数据自动起草，请结合实际修改后使用。</p>'
            f"<h3>存在问题</h3><ol>{problems}</ol><h3>下步打算</h3><ol>{actions}</ol></section>")


def to_html(report: Report) -> str:
    """The report as one HTML document (UTF-8 text)."""
    parts: list[str] = []
    toc: list[str] = []
    chart_index = 0
    for section in SECTIONS:
        found = report.section_findings(section)
        if not found:
            continue
        toc.append(f'<li><a href="#{section}">{html_escape(SECTIONS[section])}</a>（{len(found)} 项）</li>')
        heading = f'<h2 class="section" id="{section}">{html_escape(SECTIONS[section])}</h2>'
        for number, finding in enumerate(found):
            if finding.chart is not None:
                chart_index += 1
            html_finding = _finding(report, finding, chart_index)
            # A section's heading travels with its first finding (printing never strands it).
            parts.append(f'<div class="keep">{heading}{html_finding}</div>' if number == 0 else html_finding)
    if report.tables:
        toc.append(f'<li><a href="#appendix">附表</a>（{len(report.tables)} 张）</li>')
        parts.append('<h2 class="section" id="appendix">附表</h2>')
        for index, tbl in enumerate(report.tables, start=1):
            note = f'<p class="notes">数据来源：{html_escape(tbl.source)}{("；" + html_escape(tbl.note)) if tbl.note else ""}</p>'
            parts.append(f'<section class="table" id="table-{html_escape(tbl.key)}"><h3>附表{index}　{html_escape(tbl.title)}</h3>'
                         f"{html_table(tbl)}{note}</section>")
    if report.problems:
        toc.append('<li><a href="#problems">存在问题与下步打算（初稿）</a></li>')
        parts.append(_drafts(report))
    demo = ('<p><span class="demo">演示数据：全部人员与数据均为程序合成，不涉及任何真实人员</span></p>'
            if report.is_demo else "")
    notes = "".join(f"<li>{html_escape(n)}</li>" for n in report.notes)
    meeting = " · ".join(html_escape(part) for part in (report.meeting.name, report.meeting.presenter, report.date_label)
                         if part)
    document = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="党建数据看板">
<title>{html_escape(report.title)} · {html_escape(report.unit_label)}</title>
<style>{CSS}</style>
<script>{plotly_js()}</script>
</head>
<body>
<main>
<header class="cover">
<h1>{html_escape(report.title)}</h1>
<p>{html_escape(report.subtitle)}</p>
<p>{meeting}</p>
<p>统计期：{html_escape(report.period.label)} · {html_escape(report.data_date_label)}</p>
{demo}
</header>
<nav class="toc"><strong>目录</strong><ol>{"".join(toc)}</ol>
<p class="hint">打印：浏览器菜单“打印”，选择“另存为 PDF”、横向；每一部分从新的一页开始。本报告只含支部及以上层级的汇总数据，不含党员个人信息。</p>
{f'<ul class="hint">{notes}</ul>' if notes else ""}
</nav>
{"".join(parts)}
<footer>{html_escape(report.hospital)} · {html_escape(report.unit_label)} · {html_escape(report.period.label)} · {html_escape(report.data_date_label)}</footer>
</main>
</body>
</html>
"""
    return document


URL = re.compile(r"https?://", re.IGNORECASE)


def external_urls(document: str) -> list[str]:
    """Every literal http(s):// reference in a document (the HTML report must have none)."""
    return [document[max(0, m.start() - 40):m.end() + 40] for m in URL.finditer(document)]


def png_name(index: int, finding: Finding) -> str:
    return f"{index:02d}_{finding.key.replace('.', '_')}.png"


def to_png_zip(report: Report) -> bytes:
    """Every chart of the report as a PNG (1600×900), zipped with a 说明.txt index."""
    chosen = [f for f in report.findings if f.chart is not None]
    figures = [charts.report_figure(f.chart, title=f.title, theme="light", height=PNG_HEIGHT, width=PNG_WIDTH)
               for f in chosen]
    images = charts.report_images(figures, width=PNG_WIDTH, height=PNG_HEIGHT)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        index = [f"{report.title}（{report.subtitle}）", report.data_date_label, ""]
        for number, (finding, image) in enumerate(zip(chosen, images), start=1):
            name = png_name(number, finding)
            archive.writestr(name, image)
            index += [name, f"  {finding.title}", f"  {report.source_line(finding)}", ""]
        if report.is_demo:
            index.append("演示数据：全部人员与数据均为程序合成。")
        archive.writestr("说明.txt", ("\ufeff" + "\r\n".join(index)).encode("utf-8"))
    return buffer.getvalue()
