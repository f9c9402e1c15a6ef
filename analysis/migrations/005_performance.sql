-- Version 4: department performance beside Party work (党建+业务).
-- Written by the importer (kinds 'departments' and 'department_performance'), read by
-- analysis/business. Self-contained: nothing earlier changes.

-- Which branch a department (科室) belongs to, from a quarter on: a row holds until the next
-- row of the same department, so a department belongs to exactly one branch in any quarter,
-- and a branch may cover several departments. staff (the department's headcount) weighs the
-- department when a branch's results are combined. A re-import of the same department and
-- first quarter replaces the row (the mapping is editable; the replaced row is kept below).
-- Department ids are the hospital's own codes (HIS 科室代码), not a foreign key: they name no
-- row of ours until this table names them.
CREATE TABLE department_branch (
    department_id   VARCHAR NOT NULL CHECK (length(trim(department_id)) > 0),
    from_quarter    VARCHAR NOT NULL CHECK (regexp_full_match(from_quarter, '(19|20)[0-9]{2}Q[1-4]')),
    department_name VARCHAR NOT NULL CHECK (length(trim(department_name)) > 0),
    department_type VARCHAR NOT NULL CHECK (department_type IN ('内科', '外科', '医技', '护理', '行政')),
    branch_id       VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    staff           INTEGER NOT NULL CHECK (staff BETWEEN 1 AND 100000),
    batch_id        INTEGER REFERENCES import_batch (batch_id),
    PRIMARY KEY (department_id, from_quarter)
);

-- One indicator of one department in one quarter, in the indicator's own unit (CMI 1.12,
-- 平均住院日 7.9 天, 药占比 28.4 %). The indicator catalogue is configuration
-- (analysis/config.py: business.indicators); the importer accepts only configured ids, and a
-- value of an indicator later removed from the configuration is kept but no longer analysed.
-- No foreign key to department_branch (its key includes the quarter); the importer checks that
-- the department is mapped.
CREATE TABLE department_performance (
    department_id VARCHAR NOT NULL,
    quarter       VARCHAR NOT NULL CHECK (regexp_full_match(quarter, '(19|20)[0-9]{2}Q[1-4]')),
    indicator_id  VARCHAR NOT NULL,
    value         DOUBLE NOT NULL CHECK (isfinite(value)),
    batch_id      INTEGER REFERENCES import_batch (batch_id),
    PRIMARY KEY (department_id, quarter, indicator_id)
);

-- Rows a re-import replaced, for rollback (see 003_import.sql).
CREATE TABLE replaced_department_branch (
    replaced_by     INTEGER NOT NULL,
    department_id   VARCHAR NOT NULL,
    from_quarter    VARCHAR NOT NULL,
    department_name VARCHAR NOT NULL,
    department_type VARCHAR NOT NULL,
    branch_id       VARCHAR NOT NULL,
    staff           INTEGER NOT NULL,
    batch_id        INTEGER
);

CREATE TABLE replaced_department_performance (
    replaced_by   INTEGER NOT NULL,
    department_id VARCHAR NOT NULL,
    quarter       VARCHAR NOT NULL,
    indicator_id  VARCHAR NOT NULL,
    value         DOUBLE NOT NULL,
    batch_id      INTEGER
);

-- The secret behind the researchers' pseudonymous branch ids (R001, R002, ...): branch ids
-- are guessable (B01, B02), so a hash of the id alone could be reversed by anyone; with this
-- per-database secret it cannot be without the file. Made once, when the schema is created.
CREATE TABLE pseudonym_key (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret VARCHAR NOT NULL CHECK (length(secret) >= 32)
);
INSERT INTO pseudonym_key VALUES (1, replace(CAST(gen_random_uuid() AS VARCHAR), '-', '')
                                     || replace(CAST(gen_random_uuid() AS VARCHAR), '-', ''));
