"""Background jobs: their records (create, claim, progress, finish, cancel, recover)."""
