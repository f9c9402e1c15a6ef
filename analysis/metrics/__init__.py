"""The measures of Party work, one module per family, each function one tidy table.

``org`` (units, the one ``unit_filter`` of every query, headcounts, how current the data is), ``vanguard`` (党员先锋指数),
``assessment`` (支部季度量化考核), ``four_have`` (四有工程), ``meetings`` (三会一课 and
attendance), ``annual_meetings`` (the yearly 组织生活会 and 民主评议党员, 委员带头讲党课), ``activities``
(义诊, 志愿服务 and other activities of any owner unit), ``tasks`` (我为群众办实事 of the hospital, a
总支 or a branch),
``overview`` (the 总览 figures gathered from the others), ``profile`` (支部画像: a unit against its
总支 and the hospital, the points it lost) and ``spread`` (box-plot figures of the
member index: five numbers per unit for a chart, not every member's value). Every function
takes the connection and the viewer's ``scope`` (checked first), binds every value as a SQL
parameter and lists the columns it returns. May import the basics of ``analysis`` (config,
periods, scope, stats) and ``analysis.survey``; never ``report``, ``cli``, ``ingest`` or anything
outside ``analysis``.
"""
