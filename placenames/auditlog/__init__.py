"""The tamper-evident audit log, as pure functions: canonical forms, hashes and the chain walk.

The database side (the chain table, the commit hook, ``audit verify``) is in
:mod:`placenames.models.chain` and :mod:`placenames.ops.audit`; this package only turns values
into bytes and hashes and says what is wrong with a sequence of chain entries.
"""

from .chain import (
    GENESIS,
    ChainEntry,
    ChainWalker,
    Problem,
    canonical,
    event_hash,
    record_digest,
)

__all__ = ["GENESIS", "ChainEntry", "ChainWalker", "Problem", "canonical", "event_hash",
           "record_digest"]
