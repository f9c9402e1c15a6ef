"""Who may use the dashboard: local accounts, passwords, sign-in with lockout, server-side
sessions (``auth``), the per-client back-off of sign-in attempts (``throttle``) and the
append-only audit log (``audit``) and the single-use codes that bind a browser's session cookie
(``binding``).

No Streamlit: the UI keeps only an opaque session token and calls these functions. May
import the basics of ``analysis`` (config, db, scope); never ``metrics``, ``report``, ``cli``
or anything outside ``analysis``.
"""
