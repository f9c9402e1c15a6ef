-- Version 9 (issue #17 item 7): activities and 办实事 tasks belong to a unit of any level, not
-- only a 党支部 (a 总支-run 义诊; the hospital's own 办实事 list), 组织生活会 and 民主评议党员 become
-- activity types, and a 党课 records its lecturer.
-- The owner column is renamed branch_id -> unit_id in activity, service_task, their shadow and
-- derived tables. The 三会一课 and yearly-meeting analyses count only activities of 党支部 (a
-- branch's own meetings); activity counts and task completion count every owner under the unit.
--
-- How: DuckDB changes neither a CHECK nor a constrained column in place and refuses to drop a
-- table that another table's foreign key references. So the rows are copied to plain tables,
-- the constrained tables dropped (attendance first: it references activity) and created again
-- under their own names, never renamed: a renamed table keeps its old name in the foreign-key
-- lists of the tables it references, which is how activity still lists "attendance_v4" (004)
-- although that table is now called attendance and is dropped here. Creating and dropping a
-- table of that name that references activity clears the stale entry; without it DROP TABLE
-- activity fails ("main key table of the table attendance_v4").

CREATE TABLE activity_rows AS SELECT * FROM activity;
CREATE TABLE attendance_rows AS SELECT * FROM attendance;
CREATE TABLE service_task_rows AS SELECT * FROM service_task;

DROP TABLE attendance;
CREATE TABLE attendance_v4 (activity_id VARCHAR REFERENCES activity (activity_id));
DROP TABLE attendance_v4;
DROP TABLE activity;
DROP TABLE service_task;

CREATE TABLE activity (
    activity_id   VARCHAR PRIMARY KEY,
    unit_id       VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    activity_type VARCHAR NOT NULL CHECK (activity_type IN (
        '支部党员大会', '支委会', '党小组会', '党课', '组织生活会', '民主评议党员', '主题党日', '义诊',
        '志愿服务', '健康扶贫', '培训', '讲党课比赛', '援派', '其他')),
    title         VARCHAR NOT NULL,
    held_on       DATE NOT NULL,
    people_served INTEGER NOT NULL DEFAULT 0 CHECK (people_served >= 0),
    hours         DECIMAL(6, 1) NOT NULL DEFAULT 0 CHECK (hours >= 0 AND hours <= 2000),
    -- 党课 only: who gave it and their place in the branch (委员带头讲党课). '其他': a lecturer
    -- from outside the branch (a hospital leader, a Party-school teacher).
    lecturer      VARCHAR CHECK (length(trim(lecturer)) > 0),
    lecturer_role VARCHAR CHECK (lecturer_role IN ('书记', '委员', '党员', '其他')),
    batch_id      INTEGER REFERENCES import_batch (batch_id),
    UNIQUE (unit_id, activity_type, held_on, title),
    CHECK ((lecturer IS NULL) = (lecturer_role IS NULL)),
    CHECK (lecturer IS NULL OR activity_type = '党课')
);
INSERT INTO activity (activity_id, unit_id, activity_type, title, held_on, people_served, hours, batch_id)
SELECT activity_id, branch_id, activity_type, title, held_on, people_served, hours, batch_id
FROM activity_rows ORDER BY activity_id;

-- As in 004: no row-level keys on attendance; the foreign key to the activity stays.
CREATE TABLE attendance (
    activity_id   VARCHAR NOT NULL REFERENCES activity (activity_id),
    member_id     VARCHAR NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('出席', '请假', '缺席')),
    batch_id      INTEGER
);
INSERT INTO attendance SELECT * FROM attendance_rows ORDER BY activity_id, member_id;

CREATE TABLE service_task (
    task_id       VARCHAR PRIMARY KEY,
    title         VARCHAR NOT NULL UNIQUE,
    -- The owner: the hospital (党委), a 党总支 or a 党支部.
    unit_id       VARCHAR NOT NULL REFERENCES org_unit (unit_id),
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
INSERT INTO service_task SELECT * FROM service_task_rows ORDER BY task_id;

DROP TABLE activity_rows;
DROP TABLE attendance_rows;
DROP TABLE service_task_rows;

ALTER TABLE replaced_service_task RENAME COLUMN branch_id TO unit_id;
ALTER TABLE branch_month_activity RENAME COLUMN branch_id TO unit_id;

-- Every unit with its level and 党总支 (a 总支 is its own; the committee and a branch directly
-- under it have none): the lineage of an activity's or a task's owner.
CREATE VIEW unit_lineage AS
SELECT u.unit_id, u.name AS unit_name, u.level,
       CASE WHEN u.level = 'general_branch' THEN u.unit_id
            WHEN p.level = 'general_branch' THEN p.unit_id END AS general_branch_id,
       CASE WHEN u.level = 'general_branch' THEN u.name
            WHEN p.level = 'general_branch' THEN p.name END AS general_branch_name
FROM org_unit u
LEFT JOIN org_unit p ON p.unit_id = u.parent_id;
