"""Search the register: names by characters, pinyin, initials and sound; addresses by their
parts, code or plate id; geocoding (free text → standard address) and reverse geocoding.

- :func:`search` and :func:`autocomplete` (:mod:`.names`, :mod:`.addresses`);
- :func:`geocode` and :func:`geocode_one` (:mod:`.geocode`);
- :func:`reverse` (:mod:`.reverse`);
- :func:`reindex` (:mod:`.index`): rebuild the names index from the register.

Every function takes the session and raw user text; bad text raises
:class:`~placenames.search.query.QueryError` (a bilingual message), never anything else.
"""

from ...search.query import MAX_QUERY_LENGTH, QueryError
from .geocode import geocode, geocode_one
from .index import reindex
from .lookup import autocomplete, search
from .results import GeocodeMatch, Hit, ReverseResult, SearchResult
from .reverse import reverse

__all__ = ["MAX_QUERY_LENGTH", "GeocodeMatch", "Hit", "QueryError", "ReverseResult",
           "SearchResult", "autocomplete", "geocode", "geocode_one", "reindex", "reverse",
           "search"]

