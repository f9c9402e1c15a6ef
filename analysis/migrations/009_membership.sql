-- Version 9: moving a member between branches keeps their history (issue #17 item 10).
-- Written by analysis/ingest (members: a member's first row; transfers: the moves) and its
-- rollback; read through member_quarter_branch by analysis/derived.py and every metric that
-- groups members by branch.

-- Which branch a member belonged to, and when: valid_from inclusive, valid_to exclusive (the day
-- the next row starts, or the day the member left: 转出, 退休 without a receiving branch). A
-- member's rows neither overlap nor leave gaps, and an active member has exactly one open row
-- (valid_to NULL); the importer checks all three before writing (a transfer must start from the
-- branch of the open row, after its start), and its tests check the stored history.
-- member.branch_id stays the current branch (the open row's, else the last row's) and
-- member.active whether an open row exists: both are written from this table by every import
-- and rollback of transfers, never independently.
-- No foreign key to member, as for scores (004): DuckDB turns an UPDATE of member.branch_id
-- into delete + insert, which a referencing row would refuse.
CREATE TABLE membership (
    member_id   VARCHAR NOT NULL,
    branch_id   VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    batch_id    INTEGER,
    PRIMARY KEY (member_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
-- Every member so far has been in one branch since joining (members imported as inactive keep
-- an open row: when they left is not known).
INSERT INTO membership SELECT member_id, branch_id, joined_on, NULL, batch_id FROM member;

-- 党员组织关系调动: the register the transfers import writes (one row per move). from_branch_id
-- NULL: 转入 from outside the hospital; to_branch_id NULL: the member left (转出, 退休 without a
-- receiving branch). Reasons are the configured catalogue (config.py: transfers.reasons).
CREATE TABLE member_transfer (
    member_id       VARCHAR NOT NULL,
    from_branch_id  VARCHAR REFERENCES org_unit (unit_id),
    to_branch_id    VARCHAR REFERENCES org_unit (unit_id),
    effective_on    DATE NOT NULL,
    reason          VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
    note            VARCHAR,
    batch_id        INTEGER REFERENCES import_batch (batch_id),
    PRIMARY KEY (member_id, effective_on),
    CHECK (from_branch_id IS NOT NULL OR to_branch_id IS NOT NULL),
    CHECK (from_branch_id IS DISTINCT FROM to_branch_id)
);

-- The one rule for "the branch of member m in quarter q": the row in force on the quarter's last
-- day, i.e. from_quarter <= q < to_quarter (quarters as 'YYYYQn' text compare in order). A
-- member's first row also covers the quarters before it (scores recorded before the join date
-- stay with the first branch); to_quarter '9999Q4' for the open row. A member written without
-- history rows (by something other than the importer) has been in their branch all along.
CREATE VIEW member_quarter_branch AS
WITH history AS (
    SELECT member_id, branch_id, valid_from, valid_to FROM membership
    UNION ALL
    SELECT member_id, branch_id, joined_on, NULL FROM member m
    WHERE NOT EXISTS (SELECT 1 FROM membership h WHERE h.member_id = m.member_id)
)
SELECT member_id, branch_id, valid_from, valid_to,
       CASE WHEN valid_from = min(valid_from) OVER (PARTITION BY member_id) THEN '0000Q1'
            ELSE strftime(valid_from, '%Y') || 'Q' || quarter(valid_from) END AS from_quarter,
       coalesce(strftime(valid_to, '%Y') || 'Q' || quarter(valid_to), '9999Q4') AS to_quarter
FROM history;
