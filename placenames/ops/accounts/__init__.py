"""Accounts: users and their roles, and API tokens."""
