"""Survey analyses of imported 问卷星 / 腾讯问卷 surveys, one statistic per function, each returning
a tidy table (pingouin style): ``catalog`` (surveys, questions, options, the pickers' defaults),
``shares`` (frequencies, effective share by group, two-group comparison), ``crosstabs``,
``scales`` (Likert items, Cronbach's alpha), ``ranking``, ``free_text`` (keywords and the answers,
merged and by group; jieba loaded on first use), ``filters`` (respondent filters, applied by every
analysis through its ``respondents=`` argument), ``group_tests`` (scores compared across groups, pingouin loaded on first use),
``validity`` (KMO, Bartlett, parallel analysis, factor loadings), ``waves`` (one questionnaire over
the years), ``edits`` (the researcher's option order and wave links, audited: the only module
here that writes), ``privacy`` (the minimum reporting group) and ``reading`` (Chinese words,
sentences and tables for the page and the CLI); ``_common``, ``_question`` and ``_groups`` are private helpers. Counting
happens in DuckDB with every value bound; respondent ids never leave the package (results are
aggregates; free text comes without ids, sorted by text). It may import ``analysis.config``,
``analysis.derived``, ``analysis.scope``, ``analysis.stats`` and ``analysis.formatting`` (``edits`` also
``analysis.db`` and ``analysis.access.audit``); never ``analysis.metrics``,
``analysis.report``, streamlit, ``ui`` or ``pages``. Consumers write ``from analysis import
survey`` and call ``survey.crosstab(...)``.

Conventions shared by every function
------------------------------------
* Percentages (``pct``, ``valid_pct``, ``ci_low``, ``ci_high``, ``diff`` ...) are in percent
  (0-100; ``diff`` and its interval in percentage points), unrounded: rounding is the UI's job.
* Confidence intervals are 95 % two-sided: Wilson score intervals for one proportion, the
  Newcombe hybrid score interval for a difference of two proportions.
* ``scope`` is taken for uniformity with the other analysis modules. Survey results carry no
  names, so every role may call these functions; what protects respondents is that outputs are
  aggregates and that no breakdown shows, or lets anyone subtract out, a group smaller than the
  minimum reporting group. Whole-sample results are never hidden.
* ``min_cell`` (of the functions that break results down by group): the minimum reporting
  group. ``None`` takes ``survey.min_cell`` from the hospital configuration (5 by default), ``0``
  turns the rule off (tests, or a researcher's own unpublished work), any other value is the
  minimum. See :mod:`analysis.survey.privacy` for the rule.
* Bad input (unknown survey/question, a question of the wrong type, an unknown option text)
  raises ``ValueError`` with a Chinese message that the UI can show as is.
"""

from analysis.survey._common import ALL_LABEL, MISSING_LABEL, QTYPE_LABELS, TOTAL_LABEL
from analysis.survey.catalog import (
    attribute_question,
    default_crosstab,
    default_effective,
    default_outcome,
    grouping_questions,
    member_groups,
    question_options,
    questions,
    surveys,
)
from analysis.survey.crosstabs import Crosstab, crosstab, linear_by_linear
from analysis.survey.filters import (
    FilterSummary,
    OptionCondition,
    RangeCondition,
    RespondentFilter,
    filter_summary,
)
from analysis.survey.free_text import answers_containing, keywords, text_answers
from analysis.survey.group_tests import ScoreComparison, compare_scores, respondent_scores
from analysis.survey.privacy import COMPLEMENT, reporting_blocks
from analysis.survey.ranking import ranking_scores
from analysis.survey.reading import alpha_label, effect_size_label
from analysis.survey.scales import Reliability, cronbach_alpha, likert_items
from analysis.survey.shares import GroupComparison, compare_groups, effective_share, frequencies
from analysis.survey.validity import FactorAnalysis, factor_analysis
from analysis.survey.waves import propose_matches, wave_change, waves

__all__ = [
    "COMPLEMENT",
    "MISSING_LABEL",
    "TOTAL_LABEL",
    "ALL_LABEL",
    "QTYPE_LABELS",
    "Crosstab",
    "FilterSummary",
    "OptionCondition",
    "RangeCondition",
    "RespondentFilter",
    "FactorAnalysis",
    "GroupComparison",
    "Reliability",
    "ScoreComparison",
    "alpha_label",
    "answers_containing",
    "attribute_question",
    "compare_groups",
    "compare_scores",
    "cronbach_alpha",
    "crosstab",
    "default_crosstab",
    "default_effective",
    "default_outcome",
    "effect_size_label",
    "effective_share",
    "factor_analysis",
    "filter_summary",
    "frequencies",
    "grouping_questions",
    "keywords",
    "likert_items",
    "linear_by_linear",
    "member_groups",
    "propose_matches",
    "question_options",
    "questions",
    "ranking_scores",
    "reporting_blocks",
    "respondent_scores",
    "surveys",
    "text_answers",
    "wave_change",
    "waves",
]
