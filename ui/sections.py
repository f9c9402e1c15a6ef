"""A page's sections as tabs of which only the open one runs.

Streamlit runs every tab's contents on every run and sends them all to the browser. A page whose
sections each cost their own queries (组织生活 at a province: five sections, 1.8 s for its first
viewer) pays for all of them at every filter change, though a viewer reads one at a time. With
``on_change="rerun"`` a tab knows whether it is open, and switching tabs reruns the page.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st


def section_tabs(sections: dict[str, Callable[[], None]], *, key: str) -> None:
    """Each of ``sections`` (tab label -> function drawing it) in a tab of its own; only the open
    tab's function runs. The open tab is ``st.session_state[key]`` (the first by default)."""
    for tab, draw in zip(st.tabs(list(sections), key=key, on_change="rerun"), sections.values()):
        if tab.open:
            with tab:
                draw()


def kept_choice(widget: Callable[..., object], label: str, options: list, *, key: str, default: object = None,
                **kwargs) -> object:
    """``widget(label, options, key=key, ...)`` (a radio or a selectbox) whose choice survives the
    runs in which it is not drawn: Streamlit forgets a widget's value once a run leaves it out,
    as when the tab holding it is closed, so the choice is kept apart and given back as its index.
    Until something is chosen (or when the choice is no longer offered): ``default`` if offered,
    else the first option."""
    kept = st.session_state.get(f"{key}_kept")
    start = kept if kept in options else default if default in options else None
    chosen = widget(label, options, index=options.index(start) if start in options else 0, key=key, **kwargs)
    st.session_state[f"{key}_kept"] = chosen
    return chosen
