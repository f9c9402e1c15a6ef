"""The Streamlit layer: the only code besides ``pages/`` and ``dashboard.py`` that imports streamlit.

``session`` holds the database handle and a cursor per run; ``login`` signs viewers in and out
and knows who is looking (``viewer``); ``cache`` shares analysis results and finished figures
between sessions, keyed by data version, configuration, scope and arguments; ``filters`` are
the sidebar filters every page reads (kept for the session and in the URL; a secretary starts
on their own unit); ``profile`` holds the 支部画像 sections (``add_section``) and opens a unit's
profile from a click (``chart_opening_profile``, ``open_profile``), ``profile_sections`` its
standard sections; ``chrome`` the stylesheet that makes Streamlit's chrome Chinese, printable and
usable at 390 px, and the 数据截至 line; ``cookie_routes`` the two HTTP routes of the session
cookie (served by app.py); ``paging`` sends a page of a table's rows and a window of
a chart's units (the best, the worst, the viewer's, one searched for); ``tables`` draws a paged
table whose formula-safe downloads are built and audited on click; ``accounts`` holds the
widgets of the account pages; ``survey`` the 问卷分析 page's grouping pickers. Numbers as text
and the Chinese column headers are not here but in ``analysis.formatting`` and
``analysis.labels``, because the reports need them too. It may import ``analysis`` (never the
other way round) and never imports ``pages``.
"""
