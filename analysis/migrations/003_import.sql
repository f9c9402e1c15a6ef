-- Version 3: import batches that can be rolled back, and the rows a re-import replaced.
-- Written and read only by analysis/importer.py.

-- Rollback state of a batch. A rollback that spans several foreign-key levels (org units,
-- surveys) needs one transaction per level in DuckDB (a parent row cannot be deleted in the
-- transaction that deleted its children), so it is marked as started first and as finished
-- last; a batch with rollback_started_at but no rolled_back_at is an interrupted rollback that
-- `rollback_batch` resumes.
ALTER TABLE import_batch ADD COLUMN rollback_started_at TIMESTAMP;
ALTER TABLE import_batch ADD COLUMN rolled_back_at TIMESTAMP;
ALTER TABLE import_batch ADD COLUMN rolled_back_by VARCHAR;
-- Rows of earlier batches this batch replaced (kept in the replaced_* tables below). Nullable:
-- DuckDB cannot add a NOT NULL column to a table that other tables reference.
ALTER TABLE import_batch ADD COLUMN replaced_count INTEGER DEFAULT 0;
-- JSON: detected encoding, sheets, rows per table, the replacement statements shown to the user.
ALTER TABLE import_batch ADD COLUMN detail VARCHAR;

-- The SHA-256 of every file whose batch is live: the primary key refuses the same file twice,
-- even from two sessions importing at the same moment. A rollback deletes the row, so a file
-- can be imported again after its batch was rolled back.
CREATE TABLE import_file (
    sha256        VARCHAR PRIMARY KEY,
    batch_id      INTEGER NOT NULL REFERENCES import_batch (batch_id)
);

-- Shadow copies of rows a re-import replaced, so that rolling the replacing batch back restores
-- them exactly. batch_id is the row's own (earlier) batch; replaced_by the batch that replaced it.
-- No constraints besides NOT NULL: these rows are not live data.
CREATE TABLE replaced_vanguard_score (
    replaced_by   INTEGER NOT NULL,
    member_id     VARCHAR NOT NULL,
    quarter       VARCHAR NOT NULL,
    dimension_id  VARCHAR NOT NULL,
    rater         VARCHAR NOT NULL,
    score         DECIMAL(5, 2) NOT NULL,
    batch_id      INTEGER
);

CREATE TABLE replaced_branch_score (
    replaced_by   INTEGER NOT NULL,
    branch_id     VARCHAR NOT NULL,
    quarter       VARCHAR NOT NULL,
    indicator_id  VARCHAR NOT NULL,
    max_points    DECIMAL(5, 2) NOT NULL,
    score         DECIMAL(5, 2) NOT NULL,
    batch_id      INTEGER
);

CREATE TABLE replaced_four_have_score (
    replaced_by   INTEGER NOT NULL,
    branch_id     VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    dimension_id  VARCHAR NOT NULL,
    max_points    DECIMAL(5, 2) NOT NULL,
    self_score    DECIMAL(5, 2),
    score         DECIMAL(5, 2) NOT NULL,
    batch_id      INTEGER
);

CREATE TABLE replaced_attendance (
    replaced_by   INTEGER NOT NULL,
    activity_id   VARCHAR NOT NULL,
    member_id     VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,
    batch_id      INTEGER
);

CREATE TABLE replaced_service_task (
    replaced_by   INTEGER NOT NULL,
    task_id       VARCHAR NOT NULL,
    title         VARCHAR NOT NULL,
    branch_id     VARCHAR NOT NULL,
    category      VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,
    started_on    DATE NOT NULL,
    due_on        DATE NOT NULL,
    completed_on  DATE,
    batch_id      INTEGER
);
