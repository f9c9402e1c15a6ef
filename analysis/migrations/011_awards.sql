-- Version 10 (issue #17 item 5): 先锋岗 and 红旗责任区 as quarterly awards, and 党员责任区 by ward.
-- Replaces the fixed member attributes honour_post and duty_zone (kept, no longer written by
-- anything new) with registers that say when and to whom. Written by analysis/ingest (import
-- kinds zones and awards; a re-import replaces rows with the same key), read by
-- analysis/registers/awards.py. As in 007, member_id and zone_id carry no foreign key (a
-- register row is replaced by delete + insert, which a referencing row would refuse); the
-- importer checks that they exist.

-- 党员责任区: a ward (病区) of a branch's department and the member responsible for it.
CREATE TABLE duty_zone (
    zone_id            VARCHAR PRIMARY KEY,
    name               VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    ward               VARCHAR NOT NULL CHECK (length(trim(ward)) > 0),
    branch_id          VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    member_id          VARCHAR NOT NULL,
    established_on     DATE,
    batch_id           INTEGER REFERENCES import_batch (batch_id)
);

-- One award of one quarter: a 先锋岗 to a member or a 红旗责任区 to a zone. ``kind`` is an id of
-- the configured catalogue (analysis/config.py: award_kinds), checked by the importer as the
-- catalogue is configuration; whether the kind goes to a member or a zone is checked there too.
CREATE TABLE award (
    award_id           VARCHAR PRIMARY KEY,
    quarter            VARCHAR NOT NULL CHECK (regexp_full_match(quarter, '(19|20)[0-9]{2}Q[1-4]')),
    kind               VARCHAR NOT NULL CHECK (length(trim(kind)) > 0),
    branch_id          VARCHAR NOT NULL REFERENCES org_unit (unit_id),
    member_id          VARCHAR,
    zone_id            VARCHAR,
    batch_id           INTEGER REFERENCES import_batch (batch_id),
    CHECK ((member_id IS NULL) <> (zone_id IS NULL))
);

CREATE TABLE replaced_duty_zone AS SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM duty_zone LIMIT 0;
CREATE TABLE replaced_award AS SELECT CAST(NULL AS INTEGER) AS replaced_by, * FROM award LIMIT 0;
