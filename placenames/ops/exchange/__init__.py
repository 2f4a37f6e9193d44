"""Sharing the register: its records as other systems read them (the API, the change feed,
OGC API – Features, open-data files) and imports of other registers."""
