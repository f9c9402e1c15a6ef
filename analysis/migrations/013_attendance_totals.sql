-- Version 13 (issue #12): the whole hospital's 三会一课 attendance without grouping millions of
-- rows. 组织生活's header counted the distinct members per meeting type over a year of
-- member_quarter_attendance (2.4M rows at a province's 19.5M records): DuckDB hashed 610,000
-- (type, member) groups on every call, 0.27 s. These two tables, kept with the meetings family
-- (004, 012) by analysis/derived.py, answer the same question from far fewer rows. The family
-- is marked stale here, so an existing database rebuilds it (with progress) when it opens.

-- Attendance records per quarter (its first day), owner unit and meeting type: the sums of
-- member_quarter_attendance over its members.
CREATE TABLE unit_quarter_attendance (
    quarter_start  DATE NOT NULL,
    unit_id        VARCHAR NOT NULL,
    activity_type  VARCHAR NOT NULL,
    n              BIGINT NOT NULL,
    present        BIGINT NOT NULL,
    leave          BIGINT NOT NULL,
    absent         BIGINT NOT NULL
);

-- The quarters in which a member has attendance records of a meeting type (any owner unit), as
-- the bits of one number per 16 years: bit i of era e is quarter 64e + i counted from year 0
-- (era 126 holds 2016-2031, era 127 2032-2047). A member attended in some quarter of a range
-- inside one era exactly when the range's bits meet the member's.
CREATE TABLE member_kind_quarters (
    activity_type  VARCHAR NOT NULL,
    member_id      VARCHAR NOT NULL,
    era            INTEGER NOT NULL,
    quarters       UBIGINT NOT NULL
);

DELETE FROM derived_state WHERE family = 'meetings';
