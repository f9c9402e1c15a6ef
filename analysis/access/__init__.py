"""Who may use the dashboard: sign-in and server-side sessions (``auth``, which also
re-exports everything callers need from the next three), password rules, hashing and the
lockout of a name (``passwords``), the administration of local accounts (``accounts``), what
those share (``_common``), the per-client back-off of sign-in attempts (``throttle``) and the
append-only audit log (``audit``) and the single-use codes that bind a browser's session cookie
(``binding``).

No Streamlit: the UI keeps only an opaque session token and calls these functions. May
import the basics of ``analysis`` (config, db, scope); never ``metrics``, ``report``, ``cli``
or anything outside ``analysis``.
"""
