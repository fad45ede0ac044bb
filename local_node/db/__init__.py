"""The node database: tables, engine, migrations and data access."""
