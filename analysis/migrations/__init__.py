"""The schema as numbered SQL files (``NNN_name.sql``), applied in order by ``analysis.db`` in one
transaction each; the number reached is kept in ``schema_version``. Never edit a released file:
add the next number."""
