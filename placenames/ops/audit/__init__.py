"""The audit log: record digests written with changes, ``audit verify``, the auditor's search."""
