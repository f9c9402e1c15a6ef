"""The registers a hospital 党办 keeps beside the scores (issue #17), one module each, each
function one tidy table or a small frozen dataclass: ``rectification`` (软弱涣散党支部: open,
overdue, closed, time to close, recovery of the branch's scores, flagged branches without a
record), ``development`` (党员发展 pipeline, time in stage, conversions, overdue 预备期, 双培养
share), ``secretaries`` (双带头人 coverage, 换届 due and overdue), ``honours`` (counts by year and
level, star levels, honours beside the assessment ranking, the evidence of 四有 单位有典型),
``deployments`` (援派 and 抗疫: person-days, share of Party members, how fast volunteers came
forward), ``awards`` (先锋岗 and 红旗责任区 by quarter, awardees beside their 先锋指数 rank,
党员责任区 by ward) and ``transfers`` (党员调动 into, out of and within a unit; named only by the
receiving side); ``development`` also sets the register beside the assessment's 党员发展 indicator.

Every function takes the connection, the viewer's ``scope`` (checked first) and a ``unit`` (a
branch, a 总支 or None for the hospital, so that a branch profile can call it), binds every
value and lists the columns it returns. Counts over branches are for the committee and
secretaries; rows naming a person (a secretary, a 发展对象, an honoured or deployed member, a
rectification's responsible person) carry the name only within the viewer's member scope
(``scope.member_branch_ids``). May import the basics of ``analysis`` and ``analysis.metrics``;
never ``report``, ``cli``, ``ingest``, ``charts`` or anything outside ``analysis``.
"""
