"""Storage: SQLModel tables, the engine and keyword-only queries that take a session."""
