"""Bounds of stored integers, checked before a value reaches the database."""

#: ids are 32-bit integer columns on PostgreSQL; a larger one cannot exist (and SQLite's driver
#: cannot even bind beyond 64 bits), so anything above is answered with a 4xx, never a 500.
MAX_ID = 2**31 - 1
