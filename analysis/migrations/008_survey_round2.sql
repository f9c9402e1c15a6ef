-- Version 7: survey analysis, round 2 (issue #16): option order, twin exports, waves.
-- Written by analysis/ingest/surveys.py (imports, twins) and analysis/survey/edits.py (the
-- researcher's option order and waves); read by analysis/survey.

-- Which download a survey came from (问卷星 "按选项文本" = text, "按选项序号" = numbered), so that
-- the other download of the same answers is recognised as its twin. NULL: not a 问卷星 import,
-- or imported before version 7. (DuckDB adds no column with a CHECK: the importer writes only
-- wjx.ParsedSurvey.variant, 'text' or 'numbered'.)
ALTER TABLE survey ADD COLUMN variant VARCHAR;

-- Ordinal questions (ordered options: 1部 < 2部, 一般 < 满意) are offered trend tests; order_rule
-- says how the option order was found (analysis/ingest/option_order.py: codes, numeric, scale,
-- questionnaire, appearance, researcher). Surveys imported before version 7 keep the order
-- they were imported in ('import'); a question with scored options was treated as a scale.
ALTER TABLE survey_question ADD COLUMN ordinal BOOLEAN DEFAULT FALSE;
ALTER TABLE survey_question ADD COLUMN order_rule VARCHAR;
UPDATE survey_question q SET
    ordinal = EXISTS (SELECT 1 FROM survey_option o
                      WHERE o.survey_id = q.survey_id AND o.question_no = q.question_no AND o.value IS NOT NULL),
    order_rule = CASE WHEN q.qtype = 'text' THEN NULL ELSE 'import' END;

-- position: the display order of a question's options (1, 2, ...), which the researcher may
-- change; option_no stays the key answers refer to. code: the questionnaire's own option
-- number (from a numbered export or twin), NULL while unknown.
ALTER TABLE survey_option ADD COLUMN position INTEGER;
ALTER TABLE survey_option ADD COLUMN code INTEGER;
UPDATE survey_option SET position = option_no;

-- The other download of a survey attached to it by an import batch: no new responses, the
-- questionnaire's option numbers and order (a numbered twin) or the option texts (a text twin).
-- The options as they were before are kept in replaced_survey_option, so rolling the twin's
-- batch back restores them.
CREATE TABLE survey_twin (
    batch_id      INTEGER PRIMARY KEY REFERENCES import_batch (batch_id),
    survey_id     INTEGER NOT NULL REFERENCES survey (survey_id),
    variant       VARCHAR NOT NULL CHECK (variant IN ('text', 'numbered')),
    responses     INTEGER NOT NULL CHECK (responses >= 0)
);

CREATE TABLE replaced_survey_option (
    replaced_by   INTEGER NOT NULL,
    survey_id     INTEGER NOT NULL,
    question_no   INTEGER NOT NULL,
    option_no     INTEGER NOT NULL,
    text          VARCHAR NOT NULL,
    value         DOUBLE,
    position      INTEGER,
    code          INTEGER
);

CREATE TABLE replaced_survey_question (
    replaced_by   INTEGER NOT NULL,
    survey_id     INTEGER NOT NULL,
    question_no   INTEGER NOT NULL,
    text          VARCHAR NOT NULL,
    ordinal       BOOLEAN,
    order_rule    VARCHAR
);

-- Waves: surveys that field the same questionnaire (instrument) at different times, in order.
-- Each wave's questions are matched to the instrument's question numbers (those of its first
-- wave) by text and confirmed by the researcher; a question without a row is not compared.
CREATE TABLE survey_wave (
    survey_id     INTEGER PRIMARY KEY REFERENCES survey (survey_id),
    instrument    VARCHAR NOT NULL CHECK (length(trim(instrument)) > 0),
    wave_label    VARCHAR NOT NULL CHECK (length(trim(wave_label)) > 0),
    wave_order    INTEGER NOT NULL,
    UNIQUE (instrument, wave_label),
    UNIQUE (instrument, wave_order)
);

-- No foreign key to survey_wave: a researcher's edit replaces an instrument's rows of both
-- tables in one transaction, and DuckDB refuses to delete a parent row in the transaction that
-- deleted the rows referring to it.
CREATE TABLE survey_wave_question (
    survey_id     INTEGER NOT NULL REFERENCES survey (survey_id),
    question_no   INTEGER NOT NULL,
    key_no        INTEGER NOT NULL,
    PRIMARY KEY (survey_id, question_no),
    UNIQUE (survey_id, key_no)
);
