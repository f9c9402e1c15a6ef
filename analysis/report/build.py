"""Building a report: parse the period and sections, name the unit, run the chosen section builders,
then choose the short deck's key findings and draft its 存在问题 (``analysis.report.brief``).

``build_report`` is the one entry point (the 汇报材料 page, 大屏展示 and ``python -m analysis
report`` all call it); ``parse_period``, ``parse_sections``, ``unit_label``, ``latest_quarter`` and
``period_choices`` serve the page's selectors and the CLI's argument checks.

Nothing here computes a statistic: every number comes from an analysis function called with
the viewer's ``scope`` (recorded in ``Report.calls``), and the chart series hold that
function's values unrounded (display formats do the rounding). Small-cell suppression stays
the analysis functions' business; a suppressed value reaches a chart as an empty point and a
title as "不予报告". Reports are aggregates over branches by design: no member's name appears in
any format, since meeting material travels further than the dashboard; member-level lists stay
on the pages, where the viewer's member scope applies.

A section the viewer may not see (researchers: everything but the hospital-level survey) or
without data in the period is left out with a line in ``Report.notes``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import duckdb

from analysis import config as config_mod
from analysis import periods
from analysis.metrics import org
from analysis.report import brief
from analysis.report.model import LENGTHS, SECTIONS, Finding, Meeting, Period, Report, Table
from analysis.report.sections import BUILDERS, Context
from analysis.scope import Scope

_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:年度?)?")


def parse_period(text: str | Period) -> Period:
    """A ``Period`` from '2025Q4', '2025年第4季度' (a quarter) or '2025', '2025年', '2025年度' (a year).

    Parameters
    ----------
    text : the period as typed (CLI, URL) or chosen (page); a ``Period`` is returned as it is.

    Returns
    -------
    Period
        kind 'quarter' (first = last = the quarter) or 'year' (first = Q1, last = Q4).
    """
    if isinstance(text, Period):
        return text
    raw = str(text).strip()
    match = _YEAR.fullmatch(raw)
    if match:
        year = int(match.group(1))
        return Period("year", f"{year}Q1", f"{year}Q4")
    try:
        quarter = periods.parse_quarter(raw)
    except ValueError:
        raise ValueError(f"不是季度或年度：{raw!r}（例如 2025Q4、2025年第4季度、2025）") from None
    return Period("quarter", quarter, quarter)


def parse_sections(chosen: Iterable[str] | str | None) -> tuple[str, ...]:
    """Section keys in report order from keys or Chinese names ('vanguard', '先锋指数').

    Parameters
    ----------
    chosen : keys or names, as a list or one string separated by commas, 、 or spaces; None: all.

    Returns
    -------
    tuple of str
        The keys of ``SECTIONS`` chosen, in report order.
    """
    if chosen is None:
        return tuple(SECTIONS)
    if isinstance(chosen, str):
        chosen = [part for part in re.split(r"[,，、\s]+", chosen) if part]
    by_name = {name: key for key, name in SECTIONS.items()}
    keys = set()
    for item in chosen:
        key = item if item in SECTIONS else by_name.get(item)
        if key is None:
            known = "、".join(f"{k}（{v}）" for k, v in SECTIONS.items())
            raise ValueError(f"未知的汇报部分：{item!r}；可选：{known}")
        keys.add(key)
    if not keys:
        raise ValueError("至少选择一个汇报部分")
    return tuple(k for k in SECTIONS if k in keys)


def unit_label(con: duckdb.DuckDBPyConnection, *, scope: Scope, unit: str | None) -> tuple[str, str]:
    """The Chinese name and level of a unit id.

    Parameters
    ----------
    unit : None for the whole hospital, a general branch id ('G01') or a branch id ('B01').

    Returns
    -------
    tuple of str
        (name, level): ('全院', 'hospital'), ('内科党总支', 'general_branch'), ('心血管内科党支部', 'branch').
    """
    if unit is None:
        return "全院", "hospital"
    units = org.units(con, scope=scope)
    branch = units[units["branch_id"] == unit]
    if len(branch):
        return str(branch["branch_name"].iloc[0]), "branch"
    general = units[units["general_branch_id"] == unit]
    if len(general):
        return str(general["general_branch_name"].iloc[0]), "general_branch"
    raise ValueError(f"未知的单位编号：{unit!r}（全院用 hospital，党总支如 G01，党支部如 B01）")


def latest_quarter(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> str:
    """The default period: the latest quarter with scores, or the current quarter without any.

    Returns
    -------
    str
        A quarter code, '2025Q4'.
    """
    quarters = org.quarters_with_data(con, scope=scope)
    return quarters[-1] if quarters else periods.quarter_of(dt.date.today())


def period_choices(con: duckdb.DuckDBPyConnection, *, scope: Scope) -> dict[str, list[str]]:
    """Quarters and years with data, for the page's selectors.

    Returns
    -------
    dict
        'quarter': quarter codes, latest first; 'year': years ('2025'), latest first.
    """
    quarters = org.quarters_with_data(con, scope=scope)[::-1]
    years = sorted({q[:4] for q in quarters}, reverse=True)
    return {"quarter": quarters, "year": years}


def build_report(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    period: str | Period,
    unit: str | None = None,
    sections: Iterable[str] | str | None = None,
    cfg: config_mod.Config | None = None,
    now: dt.datetime | None = None,
    meeting: Meeting | None = None,
    length: str = "short",
) -> Report:
    """The report for ``period`` under ``unit`` with ``sections``, as ``scope`` may see it.

    Parameters
    ----------
    period : '2025Q4' (a quarter) or '2025' (a year), or a ``Period``.
    unit : None or 'hospital' for the whole hospital, a general branch id ('G01') or a branch id
        ('B01'): passed as ``unit`` to every analysis function.
    sections : section keys or Chinese names (see ``SECTIONS``); None for all.
    now : the generation time kept in the files' properties (default: now); 组织生活 is judged
        as of ``min(now, period end)``, the data date.
    meeting : the meeting's name, date and presenter for the cover (default: none named, dated
        the day of generation).
    length : 'short' (the meeting deck: 总体情况, key findings, 存在问题, 下步打算) or 'full'
        (every finding and the appendix); see ``LENGTHS``.

    Returns
    -------
    Report
        findings (in section order), tables, notes (sections left out and why), calls, the
        meeting, key_findings and problems (``analysis.report.brief``).
    """
    if length not in LENGTHS:
        raise ValueError(f"篇幅须为 {'、'.join(LENGTHS)} 之一")
    cfg = cfg or config_mod.load()
    period = parse_period(period)
    unit = None if unit in (None, "", "hospital", "全院") else str(unit)
    chosen = parse_sections(sections)
    now = now or dt.datetime.now()
    label, level = unit_label(con, scope=scope, unit=unit)
    ctx = Context(con, scope, period, unit, label, level, cfg, now.date())
    findings, tables, notes = _run_sections(ctx, chosen)
    return Report(
        hospital=cfg.hospital_name,
        period=period,
        unit=unit,
        unit_label=label,
        scope=scope,
        sections=tuple(k for k in chosen if any(f.section == k for f in findings)),
        findings=tuple(findings),
        tables=tuple(tables),
        notes=tuple(notes),
        generated_at=now.replace(microsecond=0),
        is_demo=bool(org.is_demo(con, scope=scope)),
        calls=tuple(ctx.calls),
        meeting=meeting or Meeting(),
        length=length,
        data_date=ctx.as_of,
        key_findings=brief.key_findings(findings),
        problems=brief.problems(findings),
    )


def _run_sections(ctx: Context, chosen: tuple[str, ...]) -> tuple[list[Finding], list[Table], list[str]]:
    """Every chosen section's findings and tables in order; a note for each one left out or partial.

    A section the viewer may not see (the analysis function raises ``PermissionError``) or
    without anything to say in the period is left out, and the notes say so.
    """
    findings: list[Finding] = []
    tables: list[Table] = []
    notes: list[str] = []
    for key in chosen:
        try:
            found, found_tables, found_notes = BUILDERS[key](ctx)
        except PermissionError as exc:
            notes.append(f"{SECTIONS[key]}：未纳入（{exc}）")
            continue
        findings += found
        tables += found_tables
        notes += [f"{SECTIONS[key]}：{n}" for n in found_notes]
        if not found and not found_notes:
            notes.append(f"{SECTIONS[key]}：{ctx.unit_label}在{ctx.period.label}没有数据，未纳入。")
    return findings, tables, notes


__all__ = ["parse_period", "parse_sections", "unit_label", "latest_quarter", "period_choices", "build_report"]
