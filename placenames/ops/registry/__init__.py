"""The register's records as people read them: a page per name and per address."""
