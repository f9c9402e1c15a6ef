"""The analysis library of the hospital Party-building dashboard: everything but the screen.

Basics, one concern a module, importing no sub-package: ``config`` (catalogues, weights,
thresholds), ``db`` (the DuckDB file and its migrations), ``scope`` (who may see what),
``periods`` (quarters), ``derived`` (the tables kept beside the raw rows so that pages read
thousands of rows, not millions), ``stats`` (the Wilson interval), ``formatting`` (numbers, p-values
and escaping as text), ``labels`` (the Chinese glossary of column headers), ``palette``
(colours and their meanings), ``exports`` (formula-safe CSV/Excel) and ``calls`` (an analysis
call in canonical form, for cache keys). The sub-packages build
on them: ``metrics`` (the indices, assessments and counts), ``survey`` (questionnaire
statistics), ``business`` (党建+业务: Party work beside department results), ``registers``
(the 党办's registers: 软弱涣散 rectification, 党员发展, secretaries, honours, deployments, member
composition, the 亮分公示 sheet), ``access``
(accounts, sessions, the audit log) and ``ingest`` (templates and imports); ``charts`` draws
their results, ``notice_print`` prints the 亮分公示, ``report`` assembles them into reports,
``cli`` and ``demo`` (with ``demo_business``, its department panel, and ``demo_registers``)
drive the rest from the command line. Import rule:
nothing in here imports streamlit, ``ui``, ``pages``, ``bench`` or ``tests``
(tests/test_architecture.py checks it), so every analysis runs the same in the app, the
reports, the CLI and the benchmarks.
"""
