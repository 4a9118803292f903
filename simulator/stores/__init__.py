"""Modern store systems: one relational database per store (SQLite, PostgreSQL or MariaDB)."""
