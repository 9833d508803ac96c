"""The database: engine and write lock, schema, stored payloads, backup and restore, migrations/."""
