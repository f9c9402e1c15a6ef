"""Getting data in: Excel/CSV files, DataFrames and 问卷星 survey exports, checked and then
written as an import batch that can be rolled back. ``importer`` is the front door
(``validate_file``, ``import_file``, ``validate_frame``, ``import_frame``, ``list_batches``);
behind it, in pipeline order: ``specs`` (the kinds of data and their columns, also behind
the Excel ``templates``), ``read`` (what a file is, whether it is safe, its rows as text),
``stage`` (header row and spec chosen, rows in temporary tables), ``convert`` (text to
stored values), ``checks`` (every problem, by row and column), ``write`` (the batch, in the
caller's transaction) and ``rollback``; ``wjx`` parses 问卷星 exports (``option_order`` infers the order of
their options) and ``surveys`` stores them (or attaches the other download as a twin); ``inbox`` lets the command line import through the running app. Modules here may
import ``analysis.config``, ``db``, ``derived``, ``periods``, ``scope``, ``access.audit`` and
``metrics.activities`` (the activity types), and each other in that pipeline order, never
``streamlit``, ``ui`` or ``pages``.
"""
