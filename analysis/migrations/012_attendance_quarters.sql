-- Version 12 (issue #12): attendance counted per quarter, kept with the meetings family (004).
-- Every attendance figure of 组织生活 sums members' records per branch, kind and member over a
-- range of quarters; at a province's 19.5M records that meant joining the year's meetings to all
-- of them and grouping 4M rows on every call. These two tables hold the same counts per quarter
-- (about half as many rows as the records: a monthly meeting's three records of a member are one
-- row) and are kept up to date by analysis/derived.py with branch_month_activity: an import or
-- rollback of activities or attendance recomputes the quarters and owners it touched. The
-- meetings family now also counts the attendance rows, so an existing database finds the family
-- stale when it opens and rebuilds it (with progress) before serving.

-- One row per quarter (its first day), owner unit, meeting type and member with records.
CREATE TABLE member_quarter_attendance (
    quarter_start  DATE NOT NULL,
    unit_id        VARCHAR NOT NULL,
    activity_type  VARCHAR NOT NULL,
    member_id      VARCHAR NOT NULL,
    n              BIGINT NOT NULL,
    present        BIGINT NOT NULL,
    leave          BIGINT NOT NULL,
    absent         BIGINT NOT NULL
);

-- Activities with at least one attendance record, per quarter, owner unit and type.
CREATE TABLE unit_quarter_meetings (
    quarter_start  DATE NOT NULL,
    unit_id        VARCHAR NOT NULL,
    activity_type  VARCHAR NOT NULL,
    meetings       BIGINT NOT NULL
);
