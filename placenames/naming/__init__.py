"""Pure naming engine: normalization, romanization, readings, rules, keys and duplicate scoring.

No Flask, no SQLAlchemy, no database: every function takes plain values and returns plain values.
"""

from placenames.naming.charset import char_tier, standard_form
from placenames.naming.duplicates import Candidate, Hit, score
from placenames.naming.errors import NameInputError, NamingError, ReadingError
from placenames.naming.generics import CLASSES, GENERICS, FeatureClass, split_name
from placenames.naming.keys import FUZZY_PAIRS, NameKeys, name_keys
from placenames.naming.normalize import clean_name
from placenames.naming.readings import reading_of
from placenames.naming.romanize import romanize
from placenames.naming.rules import Finding, Lexicons, check_name, load_lexicons

__all__ = [
    "CLASSES", "FUZZY_PAIRS", "GENERICS", "Candidate", "FeatureClass", "Finding", "Hit",
    "Lexicons", "NameInputError", "NameKeys", "NamingError", "ReadingError", "char_tier",
    "check_name", "clean_name", "load_lexicons", "name_keys", "reading_of", "romanize", "score",
    "split_name", "standard_form",
]  # fmt: skip
