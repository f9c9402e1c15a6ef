"""Production entry point: ``streamlit run app.py`` serves dashboard.py with the session-cookie routes.

``dashboard.py`` is the app; this file adds the two routes that let a signed-in browser keep
its session across a reload (ui/cookie_routes.py). Started with ``streamlit run dashboard.py``
the app works the same, but a reload asks for the password again.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui.cookie_routes import ROUTES

# dashboard.py owns the pages through st.navigation, which clears this flag on its first call.
# Until then Streamlit treats pages/ as an old-style multipage folder: the first run of a fresh
# server listed its file names in the sidebar and ran the requested file as the page.
PagesManager.uses_pages_directory = False

app = st.App("dashboard.py", routes=ROUTES)
