-- Version 4: the 汇报材料 settings each user last used, and the hospital's own deck template.
-- Written and read only by analysis/report/settings.py.

-- Meeting name, date, presenter and deck length as each user last set them on the 汇报材料
-- page, so that the page opens as they left it. No foreign key to app_user (see
-- 002_sessions.sql: it would freeze the account row).
CREATE TABLE meeting_settings (
    username      VARCHAR PRIMARY KEY,
    meeting_name  VARCHAR NOT NULL DEFAULT '' CHECK (length(meeting_name) <= 60),
    meeting_date  DATE,
    presenter     VARCHAR NOT NULL DEFAULT '' CHECK (length(presenter) <= 60),
    deck_length   VARCHAR NOT NULL DEFAULT 'short' CHECK (deck_length IN ('short', 'full')),
    updated_at    TIMESTAMP NOT NULL
);

-- The hospital's slide template (an uploaded .pptx or .potx, stored as a checked .pptx), one row
-- per upload. The newest row not withdrawn is in use; none: the built-in template. Rows are
-- never deleted, so the audit log's entries keep pointing at the file they name.
CREATE TABLE report_template (
    template_id   INTEGER PRIMARY KEY,
    file_name     VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL CHECK (regexp_full_match(sha256, '[0-9a-f]{64}')),
    content       BLOB NOT NULL,
    uploaded_by   VARCHAR NOT NULL,
    uploaded_at   TIMESTAMP NOT NULL,
    withdrawn_at  TIMESTAMP,
    withdrawn_by  VARCHAR,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
CREATE SEQUENCE report_template_seq START 1;
