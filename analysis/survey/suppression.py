"""Small-cell suppression: which counts of a table to hide before it is shown, and hiding them.

A count from 1 to ``min_cell - 1`` could single out a respondent, so it shows as ``"<5"``; a
count that would give a hidden one back by subtraction from a shown total shows as ``"*"``.
Works on plain DataFrames; imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["COMPLEMENT", "suppress", "suppression_mask"]

#: Shown instead of a count hidden only so that a small cell cannot be recovered by subtraction
#: (secondary suppression). Small cells themselves show ``"<{min_cell}"``.
COMPLEMENT = "*"

Cell = tuple[Hashable, str]


class _Line(NamedTuple):
    """A row of cells with its row total, or a column of cells with its column total."""

    cells: list[Cell]
    total: Cell | None
    total_known: bool  # the total is published elsewhere (``totals_known``)


def suppression_mask(
    table: pd.DataFrame,
    *,
    min_cell: int,
    count_cols: Sequence[str],
    total_col: str | None = None,
    total_row: Hashable | None = None,
    totals_known: bool = False,
) -> pd.DataFrame:
    """Which counts to hide: ``"primary"``, ``"secondary"`` or ``""`` for each count cell.

    Parameters
    ----------
    table : DataFrame
        Counts, one row per category (plus an optional totals row).
    min_cell : int
        Counts from 1 to ``min_cell - 1`` are small cells. ``0`` or ``1`` disables suppression.
    count_cols : list of str
        The count columns forming the cells of the table (not the total column).
    total_col : str, optional
        Column holding each row's total (e.g. ``n``); it is checked for small counts too.
    total_row : label, optional
        Index label of the row holding the column totals (e.g. ``"合计"``).
    totals_known : bool
        The column totals are published elsewhere even without ``total_row`` (e.g. the number of
        respondents who answered a question), so a column is treated as having a shown total.

    Returns
    -------
    DataFrame
        Same index as ``table``, columns ``count_cols`` (+ ``total_col``), values ``"primary"``
        (small count), ``"secondary"`` (hidden to protect a small count) or ``""``.

    Notes
    -----
    Primary suppression: every count ``c`` with ``1 <= c < min_cell``, totals included. Zeros are
    shown, except in a row or column whose total is itself small: "0 of a group of 3 chose
    作用明显" tells what each of the 3 answered, so such a line is hidden whole.

    Secondary suppression, repeated until nothing changes: a "line" is a row of cells with its
    row total, or a column of cells with its column total. When a line's total is shown (and
    not 0) and exactly one of its cells is hidden, that cell equals total minus the others, so
    the smallest other non-zero shown cell of the line is hidden too (else a zero, never one
    known to be 0 because its other line totals 0; else the line's total itself). This is the
    usual "no recovery by one subtraction" rule; it does not solve the full linear-programming
    attack on large tables.
    """
    cols = list(count_cols) + ([total_col] if total_col is not None else [])
    _check_table(table, cols, total_row)
    values = table[cols].apply(pd.to_numeric).astype(float)
    mask = pd.DataFrame("", index=table.index, columns=cols, dtype=object)
    if min_cell <= 1:
        return mask
    mask[(values >= 1) & (values < min_cell)] = "primary"
    lines = _lines(table.index, count_cols, total_col, total_row, totals_known)
    # Cells of a line whose total is 0 are known to be 0 whatever is shown.
    known_zero = {cell for line in lines if line.total is not None and values.at[line.total] == 0 for cell in line.cells}
    _hide_zeros_of_small_lines(mask, values, lines, known_zero)
    _hide_complements(mask, values, lines, known_zero)
    return mask


def _check_table(table: pd.DataFrame, cols: list[str], total_row: Hashable | None) -> None:
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ValueError(f"表中没有这些计数列：{missing}")
    if total_row is not None and total_row not in table.index:
        raise ValueError(f"表中没有合计行 {total_row!r}")
    if not table.index.is_unique:
        raise ValueError("表的行标签必须唯一")


def _lines(
    index: pd.Index,
    count_cols: Sequence[str],
    total_col: str | None,
    total_row: Hashable | None,
    totals_known: bool,
) -> list[_Line]:
    """Every row (when there is a total column) and every column of the table, with its total."""
    cols = list(count_cols) + ([total_col] if total_col is not None else [])
    cell_rows = [r for r in index if r != total_row]
    lines = []
    if total_col is not None:
        for r in cell_rows:
            lines.append(_Line([(r, c) for c in count_cols], (r, total_col), False))
        if total_row is not None:
            lines.append(_Line([(total_row, c) for c in count_cols], (total_row, total_col), False))
    for c in cols:
        total = (total_row, c) if total_row is not None else None
        lines.append(_Line([(r, c) for r in cell_rows], total, totals_known))
    return lines


def _hide_zeros_of_small_lines(mask: pd.DataFrame, values: pd.DataFrame, lines: list[_Line], known_zero: set) -> None:
    """"0 of a group of 3" tells what each of the 3 answered: a line with a small total is hidden whole."""
    for line in lines:
        if line.total is not None and mask.at[line.total] == "primary":
            for cell in line.cells:
                if values.at[cell] == 0 and cell not in known_zero:
                    mask.at[cell] = "primary"


def _hide_complements(mask: pd.DataFrame, values: pd.DataFrame, lines: list[_Line], known_zero: set) -> None:
    """Secondary suppression until no line with a shown total has exactly one hidden cell."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            pick = _complement(mask, values, line, known_zero)
            if pick is not None:
                mask.at[pick] = "secondary"
                changed = True


def _complement(mask: pd.DataFrame, values: pd.DataFrame, line: _Line, known_zero: set) -> Cell | None:
    """The cell to hide so that the line's one hidden cell cannot be had by subtraction, if any."""
    total = line.total
    if total is None and not line.total_known:
        return None
    if total is not None and (mask.at[total] or values.at[total] == 0):
        return None  # a hidden total protects the line; a zero total means every cell is 0
    hidden = [cell for cell in line.cells if mask.at[cell]]
    if len(hidden) != 1:
        return None
    shown = [cell for cell in line.cells if not mask.at[cell] and cell not in known_zero]
    if shown:
        return min(shown, key=lambda cell: (values.at[cell] == 0, values.at[cell]))
    return total  # None: a one-cell column equal to a published total cannot be protected here


def suppress(
    table: pd.DataFrame,
    *,
    min_cell: int,
    count_cols: Sequence[str],
    total_col: str | None = None,
    total_row: Hashable | None = None,
    totals_known: bool = False,
    hide: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Hide small counts (and what would reveal them) in a table about to be shown.

    Parameters
    ----------
    table, min_cell, count_cols, total_col, total_row, totals_known
        As in :func:`suppression_mask`.
    hide : dict of str to list of str, optional
        For each count column, the columns derived from it (percentages, intervals) to blank in
        every row where that count is hidden, e.g. ``{"n": ["pct", "ci_low", "ci_high"]}``.

    Returns
    -------
    DataFrame
        A copy of ``table``: small counts replaced by the string ``"<{min_cell}"`` (e.g.
        ``"<5"``), counts hidden by secondary suppression by :data:`COMPLEMENT` (``"*"``), the
        dependent columns set to NaN. Count columns become object dtype when anything is hidden.
        ``attrs["suppressed"]`` lists ``(row, column, "primary" | "secondary")``.

    Notes
    -----
    See :func:`suppression_mask` for the rules. Secondary cells are marked differently from
    small ones because writing ``"<5"`` over a count of, say, 40 would be false.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [40, 3, 57], "pct": [40.0, 3.0, 57.0]}, index=["甲", "乙", "丙"])
    >>> suppress(t, min_cell=5, count_cols=["n"], totals_known=True, hide={"n": ["pct"]})["n"].tolist()
    ['*', '<5', 57]
    """
    mask = suppression_mask(
        table,
        min_cell=min_cell,
        count_cols=count_cols,
        total_col=total_col,
        total_row=total_row,
        totals_known=totals_known,
    )
    out = table.copy()
    hidden_list = []
    for col in mask.columns:
        hit = mask[col] != ""
        if not hit.any():
            continue
        out[col] = out[col].astype(object)
        out.loc[mask[col] == "primary", col] = f"<{min_cell}"
        out.loc[mask[col] == "secondary", col] = COMPLEMENT
        for dep in (hide or {}).get(col, ()):
            out[dep] = out[dep].astype(float)
            out.loc[hit, dep] = np.nan
        hidden_list += [(r, col, mask.at[r, col]) for r in mask.index[hit]]
    out.attrs["suppressed"] = hidden_list
    return out

