"""Production entry point: ``streamlit run app.py`` serves dashboard.py with the session-cookie routes.

``dashboard.py`` is the app; this file adds the two routes that let a signed-in browser keep
its session across a reload (ui/cookie_routes.py). Started with ``streamlit run dashboard.py``
the app works the same, but a reload asks for the password again.
"""

import streamlit as st

from ui.cookie_routes import ROUTES

app = st.App("dashboard.py", routes=ROUTES)
