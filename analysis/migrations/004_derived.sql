-- Version 4: provincial scale (200,000 members, 43M vanguard score rows, 20M attendance rows).
-- Written by analysis/ingest (the raw tables) and analysis/derived.py (the derived tables).

-- 1. The two largest tables without their row-level indexes. DuckDB keeps an ART index for
--    every PRIMARY KEY, UNIQUE and FOREIGN KEY column set, in memory, and updates it row by
--    row: on a 13M-row vanguard_score, inserting a quarter (1.2M rows) took 9.5 s and
--    deleting it 59 s, and an import could not run under a memory limit at all. What the
--    dropped indexes enforced is enforced by the importer, the only writer, inside its
--    transaction: references are checked before writing (党员编号不存在), repeated keys in a
--    file are refused, and a re-import first deletes every stored row it replaces (a
--    quarter and branch of scores, an activity's attendance), so no key can be stored twice.
--    Kept: every NOT NULL and CHECK, and the foreign key to the small table each row must
--    name (a configured dimension; an existing activity).
CREATE TABLE vanguard_score_v4 (
    member_id     VARCHAR NOT NULL,
    quarter       VARCHAR NOT NULL CHECK (regexp_full_match(quarter, '(19|20)[0-9]{2}Q[1-4]')),
    dimension_id  VARCHAR NOT NULL REFERENCES vanguard_dimension (dimension_id),
    rater         VARCHAR NOT NULL CHECK (rater IN ('self', 'peer', 'org')),
    score         DECIMAL(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    batch_id      INTEGER
);
INSERT INTO vanguard_score_v4 SELECT * FROM vanguard_score ORDER BY quarter, member_id, dimension_id, rater;
DROP TABLE vanguard_score;
ALTER TABLE vanguard_score_v4 RENAME TO vanguard_score;

CREATE TABLE attendance_v4 (
    activity_id   VARCHAR NOT NULL REFERENCES activity (activity_id),
    member_id     VARCHAR NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('出席', '请假', '缺席')),
    batch_id      INTEGER
);
INSERT INTO attendance_v4 SELECT * FROM attendance ORDER BY activity_id, member_id;
DROP TABLE attendance;
ALTER TABLE attendance_v4 RENAME TO attendance;

-- 2. Derived tables: what the pages read again and again, computed from the raw tables by
--    analysis/derived.py in the transaction of every import and rollback (for the quarters,
--    branches and months it touched), so that a page reads thousands of rows, not millions.
--    No keys, for the reason above; derived.py deletes and re-inserts whole groups.

-- One row per derived family ('vanguard', 'assessment', 'meetings', 'surveys'): the digest of the
-- configuration and formulas its rows were computed with, and the row counts of its source
-- tables at that moment. A family whose digest or counts differ from the present ones is
-- stale: the analyses then compute from the raw tables, and opening the database read-write
-- rebuilds it (a changed weight, or rows written by something other than the importer).
CREATE TABLE derived_state (
    family        VARCHAR PRIMARY KEY,
    digest        VARCHAR NOT NULL,
    source_rows   VARCHAR NOT NULL,
    refreshed_at  TIMESTAMP NOT NULL
);

-- 党员先锋指数 of every member with a complete score sheet, per quarter (weights: digest).
CREATE TABLE member_quarter_index (
    quarter         VARCHAR NOT NULL,
    branch_id       VARCHAR NOT NULL,
    member_id       VARCHAR NOT NULL,
    vindex          DOUBLE NOT NULL,
    rank_in_branch  BIGINT NOT NULL
);

-- The annual appraisal (民主评议) of every member scored in a year (thresholds: digest).
CREATE TABLE member_year_index (
    year          INTEGER NOT NULL,
    branch_id     VARCHAR NOT NULL,
    member_id     VARCHAR NOT NULL,
    quarters      BIGINT NOT NULL,
    annual_index  DOUBLE NOT NULL,
    grade         VARCHAR NOT NULL,
    stars         INTEGER NOT NULL
);

-- Sums and counts of every score by branch, quarter, dimension and rater (complete sheets or not).
CREATE TABLE branch_quarter_dimension (
    quarter       VARCHAR NOT NULL,
    branch_id     VARCHAR NOT NULL,
    dimension_id  VARCHAR NOT NULL,
    self_sum      DECIMAL(18, 2),
    self_n        BIGINT NOT NULL,
    peer_sum      DECIMAL(18, 2),
    peer_n        BIGINT NOT NULL,
    org_sum       DECIMAL(18, 2),
    org_n         BIGINT NOT NULL,
    members       BIGINT NOT NULL
);

-- 支部季度量化考核: every branch's total per quarter, its rank among all branches, the change
-- of rank since the previous quarter and the run of quarters in which the total fell.
CREATE TABLE branch_quarter_total (
    quarter         VARCHAR NOT NULL,
    branch_id       VARCHAR NOT NULL,
    total           DOUBLE NOT NULL,
    indicators      BIGINT NOT NULL,
    rank            BIGINT NOT NULL,
    rank_change     BIGINT,
    falling_streak  BIGINT NOT NULL
);

-- Activities per branch, type and month: how many, on which days (the 三会一课 grid and
-- calendar), people served and hours (the activity counts).
CREATE TABLE branch_month_activity (
    month          DATE NOT NULL,
    branch_id      VARCHAR NOT NULL,
    activity_type  VARCHAR NOT NULL,
    held           BIGINT NOT NULL,
    dates          VARCHAR NOT NULL,
    days           VARCHAR NOT NULL,
    first_held     DATE NOT NULL,
    last_held      DATE NOT NULL,
    people_served  BIGINT NOT NULL,
    hours          DECIMAL(18, 1) NOT NULL
);

-- What the survey analyses check a question's answers for before trusting them (options the
-- question lacks, two options in one single choice, missing or impossible ranks), per question:
-- a scan of every answer, done once at import instead of at every cross table.
CREATE TABLE survey_answer_check (
    survey_id        INTEGER NOT NULL,
    question_no      INTEGER NOT NULL,
    unknown_options  INTEGER[],
    extra_answers    BIGINT NOT NULL,
    bad_ranks        BIGINT NOT NULL
);
