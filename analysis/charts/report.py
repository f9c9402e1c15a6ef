"""汇报材料 and 大屏展示 (analysis/report): one figure from a report ``Chart`` in a theme, and
the PNGs of figures (``kaleido`` is imported only when images are wanted).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import plotly.graph_objects as go

from analysis.charts.base import FONT_FAMILY, hover_rounded
from analysis.formatting import fixed, plotly_text
from analysis.palette import ON_DARK

# The report model holds chart data independent of the output (a native PowerPoint chart is
# drawn from the same data by analysis/report/render/pptx.py). "light" is for the HTML report
# and the PNGs; "document" for the Word report, whose charts are printed 15.5 cm wide from a
# 1000 px figure (type of 20 px comes out at 9 pt); "present" is the high-contrast black theme of 大屏展示 and
# "present_light" its red-and-white variant, both with type sized for a 1920×1080 stage (the
# page scales the stage to the screen). Colours keep their meaning on every theme: on black
# they are brightened (palette.ON_DARK), never swapped.
REPORT_THEMES = {
    "light": {"paper": "#FFFFFF", "plot": "#FFFFFF", "text": "#222222", "muted": "#666666", "grid": "#E6E6E6",
              "size": 14, "label_size": 13, "line_width": 2.5, "marker_size": 7, "dot_size": 12, "colours": {}},
    "document": {"paper": "#FFFFFF", "plot": "#FFFFFF", "text": "#222222", "muted": "#555555", "grid": "#E0E0E0",
                 "size": 20, "label_size": 19, "line_width": 3, "marker_size": 9, "dot_size": 15, "colours": {}},
    "present": {"paper": "#000000", "plot": "#000000", "text": "#FFFFFF", "muted": "#D0D0D0", "grid": "#3A3A3A",
                "size": 26, "label_size": 26, "line_width": 5, "marker_size": 14, "dot_size": 24, "colours": ON_DARK},
    "present_light": {"paper": "#FFFFFF", "plot": "#FFFFFF", "text": "#1A1A1A", "muted": "#555555", "grid": "#E0E0E0",
                      "size": 26, "label_size": 26, "line_width": 5, "marker_size": 14, "dot_size": 24, "colours": {}},
}


def report_figure(chart, *, title: str | None = None, theme: str = "light", height: int = 440,
                  width: int | None = None, type_scale: float = 1.0) -> go.Figure:
    """A plotly figure of a ``report.Chart`` (kinds line, dot, column, bar, stacked_bar).

    Values are labelled with the chart's decimals and suffix; suppressed (None) values leave a
    gap. ``bar`` and ``stacked_bar`` are horizontal with the first category on top. Bars start at
    0; categories are placed by position, so repeated labels (第1季度 of two years) stay apart,
    and a line break in a label ("第1季度\\n2025年") is kept. ``type_scale`` shrinks the theme's
    type and marks (a small tile of 大屏展示's dashboard).
    """
    base = REPORT_THEMES[theme]
    style = {**base, **{k: base[k] * type_scale for k in ("size", "label_size", "line_width", "marker_size", "dot_size")}}
    fig = go.Figure()
    for index, series in enumerate(chart.series):
        fig.add_trace(_report_trace(chart, series, index, style))
    fig.update_layout(
        title=None if title is None else {"text": plotly_text(title), "x": 0.0, "xanchor": "left",
                                          "font": {"size": style["size"] + 4, "color": style["text"]}},
        font={"family": FONT_FAMILY, "size": style["size"], "color": style["text"]},
        paper_bgcolor=style["paper"], plot_bgcolor=style["plot"], height=height, width=width,
        margin={"l": 24, "r": 72 if chart.kind == "bar" else 24, "t": 64 if title else 24, "b": 24},
        showlegend=len(chart.series) > 1,
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.12, "font": {"size": style["size"]},
                "traceorder": "normal"},
        barmode="stack" if chart.kind == "stacked_bar" else "group", bargap=0.3,
        uniformtext={"minsize": 10, "mode": "hide"} if chart.kind == "stacked_bar" else None,
        hoverlabel={"font_family": FONT_FAMILY},
    )
    _report_axes(fig, chart, style)
    return hover_rounded(fig)


def _report_colour(style: dict, colour: str | None) -> str | None:
    """A series colour in the theme (brighter on the dark theme, the same meaning)."""
    return style["colours"].get(colour, colour) if colour else None


def _report_numbers(chart) -> list[float]:
    return [v for s in chart.series for v in s.values if v is not None]


def _report_positions(chart) -> list[int]:
    return list(range(len(chart.categories)))


def _report_trace(chart, s, index: int, style: dict) -> go.Scatter | go.Bar:
    """One series as a line (the first one labelled), dots, or bars."""
    fmt, suffix, values = chart.d3_format, chart.suffix, list(s.values)
    labels = ["" if v is None else f"{fixed(v, chart.decimals, grouping=True)}{suffix}" for v in values]
    colour = _report_colour(style, s.color)
    name = plotly_text(s.name)
    hover_category = [plotly_text(c).replace("\n", " ") for c in chart.categories]
    if chart.kind in ("line", "dot"):
        dots = chart.kind == "dot"
        return go.Scatter(
            x=_report_positions(chart), y=values, name=name, customdata=hover_category,
            mode="markers" if dots else "lines+markers+text" if index == 0 else "lines+markers",
            text=labels if index == 0 and not dots else None, textposition="top center",
            textfont={"size": style["label_size"], "color": style["text"]},
            line={"color": colour, "width": style["line_width"]},
            marker={"size": style["dot_size"] if dots else style["marker_size"], "color": colour},
            connectgaps=False, hovertemplate=f"%{{customdata}}<br>{name} %{{y:{fmt}}}{suffix}<extra></extra>",
        )
    stacked = chart.kind == "stacked_bar"
    bar = go.Bar(
        name=name, text=labels, textposition="inside" if stacked else "outside", cliponaxis=False,
        marker_color=[_report_colour(style, c) or colour for c in s.point_colors] if s.point_colors else colour,
        textfont={"size": style["label_size"], "color": "#FFFFFF" if stacked else style["text"]},
        insidetextanchor="middle" if stacked else None, textangle=0, customdata=hover_category,
    )
    if chart.kind in ("bar", "stacked_bar"):
        return bar.update(y=_report_positions(chart), x=values, orientation="h",
                          hovertemplate=f"%{{customdata}}<br>{name} %{{x:{fmt}}}{suffix}<extra></extra>")
    return bar.update(x=_report_positions(chart), y=values,
                      hovertemplate=f"%{{customdata}}<br>{name} %{{y:{fmt}}}{suffix}<extra></extra>")


def _report_value_range(chart) -> list[float] | None:
    """[low, high] of the value axis, None: automatic. Bars start at 0 and end at ``value_max``
    (a rate's 100%); lines and dots get room above the highest value for its label."""
    numbers = _report_numbers(chart)
    if chart.kind == "stacked_bar":
        return [0, 100]
    low = chart.bar_base if chart.is_bars else chart.value_min if chart.value_min is not None else min(numbers, default=0.0)
    high = chart.value_max
    if high is None or (numbers and not chart.is_bars and max(numbers) > high):
        if not numbers:
            return None
        top = max(numbers)
        high = top + ((top - low) or 1.0) * (0.15 if chart.kind == "bar" else 0.12)
    return [low, high]


def _report_axes(fig: go.Figure, chart, style: dict) -> None:
    """The value axis (shares of a stacked bar: 0-100, unlabelled; ticks in whole units unless the
    axis spans fewer than five) and the category axis, swapped for horizontal bars, whose first
    category goes on top."""
    value_axis = {"range": _report_value_range(chart), "gridcolor": style["grid"], "zeroline": False,
                  "title": {"text": chart.value_title, "standoff": 12,
                            "font": {"color": style["muted"], "size": style["size"] - 2}},
                  "tickfont": {"color": style["muted"], "size": style["size"] - 2}, "ticksuffix": chart.suffix,
                  "tickformat": f",.{chart.tick_decimals}f", "showticklabels": chart.kind != "stacked_bar",
                  "automargin": True}
    labels = [plotly_text(c).replace("\n", "<br>") for c in chart.categories]
    category_axis = {"showgrid": False, "zeroline": False, "linecolor": style["grid"], "tickfont": {"color": style["text"], "size": style["size"]},
                     "tickmode": "array", "tickvals": _report_positions(chart), "ticktext": labels,
                     "range": [-0.5, len(labels) - 0.5], "automargin": True}
    if chart.kind in ("bar", "stacked_bar"):
        fig.update_xaxes(**value_axis)
        fig.update_yaxes(**category_axis)
        fig.update_yaxes(range=[len(labels) - 0.5, -0.5])  # first category on top
    else:
        fig.update_yaxes(**value_axis)
        fig.update_xaxes(**category_axis)


# Under load kaleido's Chromium has failed to set up a tab in time ("kaleido_scopes is not
# defined", "Session with given id not found"): a fresh Chromium gets another try.
RENDER_ATTEMPTS = 2


def report_images(figures: list[go.Figure], *, width: int, height: int, scale: float = 1) -> list[bytes]:
    """PNG images of ``figures``, all in one kaleido (headless Chromium) session.

    plotly.js comes from the plotly package, and MathJax is off, which kaleido would otherwise
    load from a CDN (a wait on an offline intranet). ``scale`` multiplies the pixels (2 for print).
    A failed session is logged and run once more in a new Chromium; a second failure raises.

    Returns
    -------
    list of bytes
        One PNG per figure, in order.
    """
    import kaleido  # starts Chromium: imported only when images are wanted

    if not figures:
        return []
    with tempfile.TemporaryDirectory() as workdir:
        paths = [Path(workdir) / f"{index:03d}.png" for index in range(len(figures))]
        specs = [{"fig": fig.to_dict(), "path": path,
                  "opts": {"format": "png", "width": width, "height": height, "scale": scale}}
                 for fig, path in zip(figures, paths)]
        # cancel_on_error: kaleido otherwise returns a render's error instead of raising it, and
        # the missing image surfaced later as a bare FileNotFoundError (seen once in CI under load).
        for attempt in range(1, RENDER_ATTEMPTS + 1):
            try:
                kaleido.write_fig_from_object_sync(specs, kopts={"mathjax": False}, cancel_on_error=True)
                break
            except Exception:
                if attempt == RENDER_ATTEMPTS:
                    raise
                logging.getLogger(__name__).warning("chart images: Chromium failed (attempt %d), starting it again",
                                                    attempt, exc_info=True)
        return [path.read_bytes() for path in paths]
