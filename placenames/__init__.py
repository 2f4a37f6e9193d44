"""placenames: registry service for standard place names and standard addresses."""
