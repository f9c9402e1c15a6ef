"""Analysis library of the hospital Party-building dashboard (no Streamlit in here)."""
