-- Version 2: server-side sessions, forced password change, login throttling of unknown names.
-- Written and read only by analysis/auth.py.

-- Set when someone other than the user chose the password (bootstrap, account creation,
-- administrator reset); cleared when the user changes it. The UI must send such a user to the
-- change-password form before anything else.
ALTER TABLE app_user ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;

-- One row per sign-in. session_id is the SHA-256 (hex) of the random token handed to the
-- browser session, never the token itself, so a copy of the database file cannot be replayed
-- as a live session. Rows are never deleted: ended sessions keep their reason for the audit.
--
-- username deliberately has NO foreign key to app_user: in DuckDB an UPDATE of app_user touches
-- unit_id (an indexed foreign-key column that sits in app_user's table CHECK), which DuckDB
-- runs as delete + insert, and that is refused while any row references the user. With a
-- foreign key here no account that ever signed in could be edited, disabled or even have
-- its failed-login counter reset. analysis/auth.py only inserts sessions for existing users,
-- and accounts are never deleted (they are deactivated). The same holds for any other table:
-- do not declare a foreign key to app_user.
CREATE TABLE app_session (
    session_id    VARCHAR PRIMARY KEY CHECK (regexp_full_match(session_id, '[0-9a-f]{64}')),
    username      VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_seen     TIMESTAMP NOT NULL,
    ended_at      TIMESTAMP,
    end_reason    VARCHAR CHECK (end_reason IN (
        'logout', 'idle_timeout', 'absolute_timeout', 'password_changed', 'password_reset',
        'user_disabled')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX app_session_username ON app_session (username);

-- Failed sign-ins under names that have no account, counted exactly like app_user's
-- failed_logins/locked_until so that lockout behaves the same for existing and unknown names
-- (otherwise "locked after 5 tries" would tell an attacker which names exist). Only names
-- that match the app_user username pattern are counted.
CREATE TABLE login_throttle (
    username       VARCHAR PRIMARY KEY,
    failed_logins  INTEGER NOT NULL CHECK (failed_logins >= 0),
    locked_until   TIMESTAMP,
    last_failed_at TIMESTAMP NOT NULL
);
