"""Where the hub's data lives: the database engine and sessions, Alembic migrations run from
code, and the content-addressed blob store for recordings, code and bundles."""
