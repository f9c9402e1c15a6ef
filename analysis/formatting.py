"""How numbers and data-derived text are written, for pages, reports and the CLI alike.

One place for: scores, percentages, counts, p-values and intervals as text ("—" when
missing), and the escaping that makes a unit's name or a task title show exactly as typed in
Markdown (Streamlit), HTML (the offline report) and plotly labels. Imports nothing of ours.
"""

from __future__ import annotations

import html
import math
import re

MISSING = "—"


def p_value(p: float | None, *, prefix: bool = True, missing: str | None = None) -> str:
    """A p-value as reported: "p < 0.001" or "p = 0.023" (without "p " when ``prefix`` is False).

    A missing p gives ``missing``: by default "" with a prefix (nothing to add to a sentence)
    and "-" without one (a table cell).
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return missing if missing is not None else "" if prefix else "-"
    if p < 0.001:
        return "p < 0.001" if prefix else "< 0.001"
    return f"p = {p:.3f}" if prefix else f"{p:.3f}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:=&^])")


def markdown_escape(text: object) -> str:
    """``text`` with every Markdown (and Streamlit directive: $math$, :red[...]) character
    backslash-escaped, so a page shows it exactly as typed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def html_escape(text: object) -> str:
    """HTML-escaped text; a URL typed into the data (a task title, say) shows as typed but is
    not a literal URL in the file (``:`` as ``&#58;``), so a file never holds one."""
    return html.escape(str(text), quote=True).replace("://", "&#58;//")


def plotly_text(value: object) -> str:
    """Data text (a branch name) as plotly shows it: its pseudo-HTML tags are escaped, not applied."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
