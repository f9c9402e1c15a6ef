"""The house style shared by every chart family: the font, quarter labels, ``_style`` (title,
subtitle, margins, axes), the quarter axis of line charts, the reference lines (threshold,
mean) drawn on bars and lines and the shaded range band behind a line.

The families (``trends``, ``branches``, ``meetings``, ``registers``, ``survey``, ``business``,
``report``) import from here; nothing here imports them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.formatting import fixed, half_up, plotly_text
from analysis.palette import ATTENTION, AXIS_LINE, GOOD, GRID, NEUTRAL, PALETTE, SUBTITLE_INK, WHITE
from analysis.periods import label as quarter_label
from analysis.periods import short_label

FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"


def quarter_text(quarters) -> list[str]:
    """Axis labels of ``quarters``: '2025年第4季度' for up to four of them, '25Q4' beyond, where the
    long labels would overlap (1440 px wide, half-width cards)."""
    quarters = list(quarters)
    return [quarter_label(q) if len(quarters) <= 4 else short_label(q) for q in quarters]


def _style(fig: go.Figure, *, title: str, height: int, y_title: str | None = None, x_title: str | None = None) -> go.Figure:
    """House style. ``title`` is text (escaped: it may hold a unit's name); lines after a
    "<br>" are set as a smaller grey subtitle."""
    fig.update_layout(
        title={"text": _subtitle(title), "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT_FAMILY, "size": 12},
        height=height,
        margin={"l": 48, "r": 16, "t": 48, "b": 40},
        colorway=PALETTE,
        plot_bgcolor=WHITE,
        legend={"orientation": "h", "y": -0.2},
        hoverlabel={"font_family": FONT_FAMILY},
    )
    fig.update_xaxes(title_text=x_title, showgrid=False, linecolor=AXIS_LINE)
    fig.update_yaxes(title_text=y_title, gridcolor=GRID, zeroline=False)
    return fig


def _quarter_axis(fig: go.Figure, quarters: list[str]) -> None:
    """An x axis of quarter positions 0, 1, ... labelled with the quarters' Chinese labels."""
    fig.update_xaxes(tickvals=list(range(len(quarters))), ticktext=quarter_text(quarters),
                     range=[-0.3, len(quarters) - 0.7], zeroline=False)


def _reference_lines(fig: go.Figure, *, threshold: float | None = None, mean: float | None = None,
                     target: float | None = None, axis: str = "y", unit: str = "分") -> None:
    """The lines a reader judges a value by: the 需关注 threshold, a target (100% 三会一课) and the
    hospital mean, each labelled at its end."""
    lines = [(threshold, f"需关注线 {threshold:g}{unit}" if threshold is not None else "", ATTENTION, "dash"),
             (target, f"目标 {target:g}{unit}" if target is not None else "", GOOD, "dot"),
             (mean, f"全院均值 {fixed(mean, 1)}{unit}" if mean is not None else "", NEUTRAL, "dot")]
    for value, text, colour, dash in lines:
        if value is None or pd.isna(value):
            continue
        add = fig.add_vline if axis == "x" else fig.add_hline
        # The threshold labelled below its line, the others above: close lines keep their labels apart.
        low = value == threshold
        where = {"annotation_position": ("bottom" if low else "top")} if axis == "x" else \
            {"annotation_position": ("bottom left" if low else "top left")}
        add(value, line={"color": colour, "dash": dash, "width": 1.5}, annotation_text=text,
            annotation_font={"size": 11, "color": colour}, **where)


# A value a template formats with fixed decimals: %{x:.1f}, %{customdata[2]:+.2f}, %{text:,.0f}.
_TEMPLATE_FIELD = re.compile(r"%\{(x|y|z|r|text|customdata)(?:\[(\d+)\])?(?::([^}]*))?\}")
_FIXED_SPEC = re.compile(r"[+]?,?\.(\d+)f")


def hover_rounded(fig: go.Figure) -> go.Figure:
    """``fig`` with the values its hover and text templates print with fixed decimals rounded
    half up (``formatting.half_up``) to those decimals, so that the browser, which prints the
    float as it is (``toFixed``: 84.44999999999999 gives "84.4"), shows what the tables and
    reports show ("84.5").

    A value printed with different decimals in two places, or also printed without a format,
    is left as it is; so are positions (x, y, r) printed with no decimals, which rounding would
    move visibly, positions that carry error bars (the whiskers are drawn from them), and text
    that is not a number.

    Returns
    -------
    ``fig``, changed in place.
    """
    for trace in fig.data:
        wanted: dict[tuple[str, int | None], set[int | None]] = {}
        for name in ("hovertemplate", "texttemplate"):
            templates = getattr(trace, name, None)
            for template in [] if templates is None else [templates] if isinstance(templates, str) else list(templates):
                for field, index, spec in _TEMPLATE_FIELD.findall(str(template)):
                    fixed_spec = _FIXED_SPEC.fullmatch(spec)
                    wanted.setdefault((field, int(index) if index else None), set()).add(
                        int(fixed_spec.group(1)) if fixed_spec else None)
        for (field, index), decimals in wanted.items():
            if len(decimals) != 1 or None in decimals:
                continue
            (places,) = decimals
            if field in ("x", "y", "r") and (places == 0 or _has_error_bars(trace)):
                continue
            rounded = _rounded_field(getattr(trace, field, None), index, places)
            if rounded is not None:
                trace[field] = rounded
    return fig


def _has_error_bars(trace) -> bool:
    return any(getattr(getattr(trace, bars, None), "array", None) is not None for bars in ("error_x", "error_y"))


def _rounded_field(values, index: int | None, places: int) -> np.ndarray | None:
    """``values`` (or their item ``index``: the last axis of a table or a grid of customdata)
    rounded to ``places``, missing values kept as None; None when they are not all numbers."""
    if values is None:
        return None
    array = np.array(values, dtype=object)
    column = array if index is None else array[..., index] if array.ndim >= 2 else None
    if column is None or column.size == 0:
        return None
    cells = pd.Series(column.ravel())
    numbers, given = pd.to_numeric(cells, errors="coerce"), cells.notna()
    if (numbers.isna() & given).any():
        return None
    shown = half_up(numbers.to_numpy(dtype=float), places).reshape(column.shape)
    if index is None:  # floats where nothing is missing: a large trace serialises faster
        return shown if given.all() else np.where(given.to_numpy().reshape(column.shape), shown, None)
    column_rounded = np.where(given.to_numpy(), shown.ravel(), None).reshape(column.shape)
    array[..., index] = column_rounded
    return array


def range_band(x: list, upper, lower, *, colour: str, name: str) -> go.Scatter:
    """A filled band from ``lower`` to ``upper`` over the positions ``x`` (a spread behind a
    line): one closed outline, along ``upper`` and back along ``lower``. ``colour`` fills it
    (pass a translucent one: the line stays visible); no outline, no hover of its own."""
    return go.Scatter(x=x + x[::-1], y=list(upper) + list(lower)[::-1], mode="lines", fill="toself",
                      fillcolor=colour, line={"width": 0}, hoverinfo="skip", name=name)


def _subtitle(title: str) -> str:
    """Lines (split at <br>) after the first are set smaller and grey: subject first, then period and n.

    Everything else in ``title`` is text (it may hold a unit's name), so it is escaped.
    """
    head, *rest = [plotly_text(line) for line in title.split("<br>")]
    return head + "".join(f"<br><span style='font-size:12px;color:{SUBTITLE_INK}'>{line}</span>" for line in rest)


def warm_up() -> None:
    """Draw one small figure with the trace kinds and settings the charts use, and write it as
    JSON. Plotly sets up its checks of a property the first time a process sets it: about 0.1 s
    over one page's charts, which the server's first viewer would otherwise pay (see
    ``ui.session``, which calls this in the background when the server starts)."""
    # Columns as the charts get them: pandas Series of Arrow-backed text, selected by a mask
    # (plotly reads Series through narwhals, imported at its first Series; pyarrow's kernels).
    frame = pd.DataFrame({"unit": pd.Series(["a", "b"], dtype="string[pyarrow]"), "value": [1.0, 2.0]})
    rows = frame[frame["unit"] == "a"]
    fig = go.Figure([
        go.Scatter(x=rows["unit"], y=rows["value"], text=frame["unit"], customdata=frame[["unit", "value"]]),
        go.Bar(x=[1.0], y=["a"], orientation="h", text=["1"], textposition="outside", customdata=[["a"]],
               marker={"color": [PALETTE[0]], "line": {"width": 0}}, error_x={"type": "data", "array": [0.5]},
               hovertemplate="%{y}<extra></extra>", name="a", showlegend=False),
        go.Heatmap(z=[[1]], x=["a"], y=["b"], text=[["1"]], texttemplate="%{text}", customdata=[["a"]],
                   colorscale=[[0, WHITE], [1, GOOD]], showscale=False, xgap=1, ygap=1, hoverongaps=False),
        go.Scatter(x=[0, 1], y=[1.0, None], mode="lines+markers", line={"color": NEUTRAL, "dash": "dot", "width": 1},
                   marker={"size": 6, "symbol": "circle"}, connectgaps=False, hovertemplate="%{x}<extra></extra>"),
        range_band([0, 1], [2, 2], [1, 1], colour=GRID, name="range"),
        go.Scattergl(x=[0], y=[1], mode="markers", marker={"opacity": 0.5}),
        go.Box(y=[1, 2, 3], boxpoints=False, name="b"),
    ])
    _style(fig, title="a<br>b", height=300, y_title="y", x_title="x")
    _reference_lines(fig, threshold=1, mean=2, target=3)
    _quarter_axis(fig, ["2025Q1", "2025Q2"])
    fig.update_layout(barmode="stack", bargap=0.2, clickmode="event+select", uniformtext={"minsize": 9},
                      xaxis={"tickangle": -45, "side": "top", "automargin": True},
                      yaxis={"autorange": "reversed", "type": "category", "automargin": True})
    fig.to_json()
