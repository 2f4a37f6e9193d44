"""The derived columns of a stored name (专名/通名, romanization, matching keys), pure.

One computation for every record that carries a name: a place (``derived_and_keys``) and a
division (``division_derived``, the class taken from its level), so the ORM hook, the bulk
paths (imports, reindex) and the migrations all store the same values.
"""

from __future__ import annotations

from placenames.naming.duplicates import core_specific
from placenames.naming.errors import NamingError
from placenames.naming.generics import STATISTICAL_GROUPINGS, division_class, split_name
from placenames.naming.keys import NameKeys, index_terms, keys_of_reading
from placenames.naming.normalize import clean_name
from placenames.naming.readings import split_syllables
from placenames.naming.romanize import romanize_reading

COLUMNS = ("specific", "generic", "romanization", "key_pinyin", "key_specific_pinyin",
           "key_fuzzy", "key_specific", "key_initials", "key_core")
"""The derived columns of a name, in the order of :func:`derived_row`."""
DIVISION_COLUMNS = COLUMNS
"""The columns of a division that :func:`division_derived` fills."""


def derived_row(name: str, cls: str, reading: str | None
                ) -> tuple[tuple[str, ...], tuple[str, ...], NameKeys]:
    """The derived column values of a name (in the order of :data:`COLUMNS`), its
    syllable-index terms and its matching keys: the form of the bulk paths (a reindex
    computes it for every name of the register).

    Raises:
        NamingError: the name cannot be cleaned or read (see ``name_keys``).
    """
    # one cleaning, one reading and one split for the keys and the romanization
    cleaned = clean_name(name)
    specific, generic = split_name(cleaned, cls)
    tone3 = split_syllables(cleaned, specific, generic, reading)
    keys = keys_of_reading(cleaned, tone3, specific)
    row = (specific, generic,
           romanize_reading(cleaned, tone3, specific, generic, cls, "standard", reading),
           keys.pinyin, keys.specific_pinyin, keys.fuzzy, keys.specific, keys.initials,
           core_specific(keys.specific))
    return row, index_terms(keys), keys


def derived_and_keys(name: str, cls: str, reading: str | None
                     ) -> tuple[dict[str, str], tuple[str, ...], NameKeys]:
    """The derived column values of a name, its syllable-index terms and its matching keys.

    Raises:
        NamingError: the name cannot be cleaned or read (see ``name_keys``).
    """
    row, terms, keys = derived_row(name, cls, reading)
    return dict(zip(COLUMNS, row, strict=True)), terms, keys


def division_derived(name: str, level: str, reading: str | None) -> dict[str, str | None]:
    """The values of :data:`DIVISION_COLUMNS` for a division named ``name`` at ``level``.

    The class comes from :func:`division_class`. A statistical grouping (市辖区…) and a name
    the engine cannot read (the NBS lists hold zone names with brackets or hyphens, such as
    中国（南京）软件谷) get None everywhere: stored as they are, they match nothing.

    Raises:
        NamingError: only for a staff ``reading`` that does not fit the name.
    """
    if name in STATISTICAL_GROUPINGS:
        return dict.fromkeys(DIVISION_COLUMNS, None)
    try:
        values, _terms, _keys = derived_and_keys(name, division_class(level, name), reading)
    except NamingError:
        if reading:
            raise
        return dict.fromkeys(DIVISION_COLUMNS, None)
    return dict(values)
