"""The Streamlit layer: the only code besides ``pages/`` and ``dashboard.py`` that imports streamlit.

``session`` holds the database handle and a cursor per run; ``login`` signs viewers in and out
and knows who is looking (``viewer``); ``cache`` shares analysis results between sessions keyed
by data version and scope; ``filters`` are the sidebar filters every page reads; ``tables``
draws a table with its formula-safe, audited downloads; ``accounts`` holds the widgets of the
account pages; ``survey`` the 问卷分析 page's grouping pickers. Numbers as text and the Chinese column headers are not here but in
``analysis.formatting`` and ``analysis.labels``, because the reports need them too. It may
import ``analysis`` (never the other way round) and never imports ``pages``.
"""
