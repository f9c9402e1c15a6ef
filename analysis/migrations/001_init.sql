-- Version 1: the whole data model of DOMAIN.md.
-- Constraints are the last line of defence: importers validate first and explain problems in
-- Chinese, but a row that slips past them must still be refused here.
-- Quarters are 'YYYYQn' text (natural keys that sort correctly and read well in exports).

CREATE TABLE import_batch (
    batch_id      INTEGER PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL CHECK (regexp_full_match(sha256, '[0-9a-f]{64}')),
    row_count     INTEGER NOT NULL CHECK (row_count >= 0),
    imported_by   VARCHAR NOT NULL,
    imported_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    note          VARCHAR
);
CREATE SEQUENCE import_batch_seq START 1;

-- Unit names are unique and only the committee has no parent, but both rules are checked by
-- the importers, not by a UNIQUE index or a CHECK on parent_id: DuckDB turns an UPDATE that
-- touches an indexed or foreign-key column (a CHECK naming parent_id counts) into delete +
-- insert, which is refused while other tables reference the row, and a branch must stay
-- renamable when its department is renamed.
CREATE TABLE org_unit (
    unit_id       VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    level         VARCHAR NOT NULL CHECK (level IN ('committee', 'general_branch', 'branch')),
    parent_id     VARCHAR REFERENCES org_unit (unit_id),
    department    VARCHAR,
    founded_on    DATE,
    batch_id      INTEGER REFERENCES import_batch (batch_id)
);

CREATE TABLE member (
    member_id     VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    branch_id     VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    gender        VARCHAR CHECK (gender IN ('男', '女')),
    birth_year    INTEGER CHECK (birth_year BETWEEN 1920 AND 2015),
    party_role    VARCHAR NOT NULL CHECK (party_role IN ('书记', '副书记', '委员', '党员', '预备党员')),
    profession    VARCHAR NOT NULL CHECK (profession IN ('医生', '护士', '医技', '药学', '行政后勤', '学生')),
    joined_on     DATE NOT NULL CHECK (joined_on >= DATE '1921-07-01'),
    honour_post   VARCHAR CHECK (honour_post IN ('服务', '技能', '创新', '绩效', '管理', '领航')),
    duty_zone     VARCHAR,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    batch_id      INTEGER REFERENCES import_batch (batch_id)
);

-- Catalogues mirrored from analysis/config.py (the single source of truth) so that score rows
-- can reference them. The composite key on max_points lets a CHECK bound each score.
CREATE TABLE vanguard_dimension (
    dimension_id  VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL UNIQUE,
    position      INTEGER NOT NULL
);

CREATE TABLE assessment_indicator (
    indicator_id  VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL UNIQUE,
    max_points    DECIMAL(5, 2) NOT NULL CHECK (max_points > 0),
    position      INTEGER NOT NULL,
    UNIQUE (indicator_id, max_points)
);

CREATE TABLE four_have_dimension (
    dimension_id  VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL UNIQUE,
    max_points    DECIMAL(5, 2) NOT NULL CHECK (max_points > 0),
    position      INTEGER NOT NULL,
    UNIQUE (dimension_id, max_points)
);

CREATE TABLE vanguard_score (
    member_id     VARCHAR NOT NULL REFERENCES member (member_id),
    quarter       VARCHAR NOT NULL CHECK (regexp_full_match(quarter, '(19|20)[0-9]{2}Q[1-4]')),
    dimension_id  VARCHAR NOT NULL REFERENCES vanguard_dimension (dimension_id),
    rater         VARCHAR NOT NULL CHECK (rater IN ('self', 'peer', 'org')),
    score         DECIMAL(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    batch_id      INTEGER REFERENCES import_batch (batch_id),
    PRIMARY KEY (member_id, quarter, dimension_id, rater)
);

CREATE TABLE branch_score (
    branch_id     VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    quarter       VARCHAR NOT NULL CHECK (regexp_full_match(quarter, '(19|20)[0-9]{2}Q[1-4]')),
    indicator_id  VARCHAR NOT NULL,
    max_points    DECIMAL(5, 2) NOT NULL,
    score         DECIMAL(5, 2) NOT NULL CHECK (score BETWEEN 0 AND max_points),
    batch_id      INTEGER REFERENCES import_batch (batch_id),
    PRIMARY KEY (branch_id, quarter, indicator_id),
    FOREIGN KEY (indicator_id, max_points) REFERENCES assessment_indicator (indicator_id, max_points)
);

CREATE TABLE four_have_score (
    branch_id     VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    year          INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    dimension_id  VARCHAR NOT NULL,
    max_points    DECIMAL(5, 2) NOT NULL,
    self_score    DECIMAL(5, 2) CHECK (self_score BETWEEN 0 AND max_points),
    score         DECIMAL(5, 2) NOT NULL CHECK (score BETWEEN 0 AND max_points),
    batch_id      INTEGER REFERENCES import_batch (batch_id),
    PRIMARY KEY (branch_id, year, dimension_id),
    FOREIGN KEY (dimension_id, max_points) REFERENCES four_have_dimension (dimension_id, max_points)
);

CREATE TABLE demonstration_site (
    branch_id     VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    year          INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    title         VARCHAR NOT NULL,
    batch_id      INTEGER REFERENCES import_batch (batch_id),
    PRIMARY KEY (branch_id, year, title)
);

CREATE TABLE activity (
    activity_id   VARCHAR PRIMARY KEY,
    branch_id     VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    activity_type VARCHAR NOT NULL CHECK (activity_type IN (
        '支部党员大会', '支委会', '党小组会', '党课', '主题党日', '义诊', '志愿服务',
        '健康扶贫', '培训', '讲党课比赛', '援派', '其他')),
    title         VARCHAR NOT NULL,
    held_on       DATE NOT NULL,
    people_served INTEGER NOT NULL DEFAULT 0 CHECK (people_served >= 0),
    hours         DECIMAL(6, 1) NOT NULL DEFAULT 0 CHECK (hours >= 0 AND hours <= 2000),
    batch_id      INTEGER REFERENCES import_batch (batch_id),
    UNIQUE (branch_id, activity_type, held_on, title)
);

CREATE TABLE attendance (
    activity_id   VARCHAR NOT NULL REFERENCES activity (activity_id),
    member_id     VARCHAR NOT NULL REFERENCES member (member_id),
    status        VARCHAR NOT NULL CHECK (status IN ('出席', '请假', '缺席')),
    batch_id      INTEGER REFERENCES import_batch (batch_id),
    PRIMARY KEY (activity_id, member_id)
);

CREATE TABLE service_task (
    task_id       VARCHAR PRIMARY KEY,
    title         VARCHAR NOT NULL UNIQUE,
    branch_id     VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    category      VARCHAR NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('未开始', '进行中', '已完成')),
    started_on    DATE NOT NULL,
    due_on        DATE NOT NULL,
    completed_on  DATE,
    batch_id      INTEGER REFERENCES import_batch (batch_id),
    CHECK (due_on >= started_on),
    CHECK ((status = '已完成') = (completed_on IS NOT NULL)),
    CHECK (completed_on IS NULL OR completed_on >= started_on)
);

-- Surveys in long form: one row per answer, so any question type (single, multiple, matrix,
-- ranking, free text) lives in the same table and no answer is ever dropped.
CREATE TABLE survey (
    survey_id     INTEGER PRIMARY KEY,
    title         VARCHAR NOT NULL,
    source        VARCHAR NOT NULL CHECK (source IN ('wjx', 'tencent', 'template', 'demo')),
    fielded_from  DATE,
    fielded_to    DATE,
    batch_id      INTEGER REFERENCES import_batch (batch_id)
);
CREATE SEQUENCE survey_seq START 1;

CREATE TABLE survey_question (
    survey_id     INTEGER NOT NULL REFERENCES survey (survey_id),
    question_no   INTEGER NOT NULL CHECK (question_no > 0),
    text          VARCHAR NOT NULL,
    qtype         VARCHAR NOT NULL CHECK (qtype IN ('single', 'multiple', 'matrix', 'ranking', 'text')),
    required      BOOLEAN NOT NULL DEFAULT FALSE,
    -- Set when answers to this question describe the respondent (政治面貌, 科室, 职称) and may
    -- be used to form comparison groups.
    attribute     VARCHAR,
    PRIMARY KEY (survey_id, question_no)
);

-- Matrix questions have row items; every other question has the single item 0.
CREATE TABLE survey_item (
    survey_id     INTEGER NOT NULL,
    question_no   INTEGER NOT NULL,
    item_no       INTEGER NOT NULL CHECK (item_no >= 0),
    text          VARCHAR NOT NULL,
    PRIMARY KEY (survey_id, question_no, item_no),
    FOREIGN KEY (survey_id, question_no) REFERENCES survey_question (survey_id, question_no)
);

CREATE TABLE survey_option (
    survey_id     INTEGER NOT NULL,
    question_no   INTEGER NOT NULL,
    option_no     INTEGER NOT NULL CHECK (option_no > 0),
    text          VARCHAR NOT NULL,
    -- Numeric value for scale options ("4分" -> 4); NULL for nominal options.
    value         DOUBLE,
    PRIMARY KEY (survey_id, question_no, option_no),
    FOREIGN KEY (survey_id, question_no) REFERENCES survey_question (survey_id, question_no)
);

CREATE TABLE survey_response (
    survey_id     INTEGER NOT NULL REFERENCES survey (survey_id),
    response_id   INTEGER NOT NULL CHECK (response_id > 0),
    submitted_on  DATE,
    duration_s    INTEGER CHECK (duration_s >= 0),
    channel       VARCHAR,
    PRIMARY KEY (survey_id, response_id)
);

CREATE TABLE survey_answer (
    survey_id     INTEGER NOT NULL,
    response_id   INTEGER NOT NULL,
    question_no   INTEGER NOT NULL,
    item_no       INTEGER NOT NULL DEFAULT 0,
    option_no     INTEGER,
    -- Rank for ranking questions; NULL otherwise.
    rank          INTEGER CHECK (rank > 0),
    -- Free text, or the fill-in of an "其他〖…〗" option.
    text          VARCHAR,
    CHECK (option_no IS NOT NULL OR text IS NOT NULL),
    FOREIGN KEY (survey_id, response_id) REFERENCES survey_response (survey_id, response_id),
    FOREIGN KEY (survey_id, question_no, item_no) REFERENCES survey_item (survey_id, question_no, item_no),
    UNIQUE (survey_id, response_id, question_no, item_no, option_no)
);

CREATE TABLE app_user (
    username      VARCHAR PRIMARY KEY CHECK (regexp_full_match(username, '[A-Za-z0-9_.-]{2,64}')),
    display_name  VARCHAR NOT NULL,
    role          VARCHAR NOT NULL CHECK (role IN ('committee', 'secretary', 'researcher')),
    unit_id       VARCHAR REFERENCES org_unit (unit_id),
    password_hash VARCHAR NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until  TIMESTAMP,
    password_changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK ((role = 'secretary') = (unit_id IS NOT NULL))
);

CREATE TABLE audit_log (
    audit_id      BIGINT PRIMARY KEY,
    logged_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    username      VARCHAR NOT NULL,
    action        VARCHAR NOT NULL,
    detail        VARCHAR
);
CREATE SEQUENCE audit_seq START 1;

-- Branch lineage used by every unit filter: a branch, its general branch (if any), the committee.
CREATE VIEW branch_lineage AS
SELECT b.unit_id AS branch_id,
       b.name AS branch_name,
       b.department,
       CASE WHEN p.level = 'general_branch' THEN p.unit_id END AS general_branch_id,
       CASE WHEN p.level = 'general_branch' THEN p.name END AS general_branch_name
FROM org_unit b
JOIN org_unit p ON p.unit_id = b.parent_id
WHERE b.level = 'branch';

-- Bumped by every write that changes analysed data; caches in the app key on it, so a result
-- computed before an import (from the app or the CLI) is never served after it.
CREATE TABLE data_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    version       BIGINT NOT NULL
);
INSERT INTO data_state VALUES (1, 0);

-- '2024Q3' -> 2024 * 4 + 3: consecutive quarters differ by 1, the same quarter a year apart by 4.
CREATE MACRO quarter_index(q) AS CAST(left(q, 4) AS INTEGER) * 4 + CAST(right(q, 1) AS INTEGER);
