"""The command line, ``python -m analysis COMMAND``: ``main`` (the parser; ``demo``, ``import``,
``batches``, ``rollback``, ``template``), ``report`` (meeting material) and ``survey`` (survey
analyses as text or JSON). Commands call the library (``analysis.*``) with a fixed scope (the
committee for imports and reports, the researcher for surveys) and print English messages; they
never import Streamlit, ``ui`` or ``pages``.
"""
