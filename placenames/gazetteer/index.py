"""The index by romanization at the end of the book: every name, sorted by its pinyin, with
the chapter it is in (the page number is the chapter's, filled in as the PDF is laid out)."""

from __future__ import annotations

from dataclasses import dataclass

from .book import Book, pinyin_key


@dataclass(frozen=True)
class IndexRow:
    """One line of the index."""

    romanization: str
    name: str
    class_label: str
    chapter_code: str
    chapter_title: str


def pinyin_index(book: Book) -> list[IndexRow]:
    """Every name of the book, by romanization (tone marks, apostrophes and spaces ignored,
    then the characters); a name without romanization sorts first, by its characters."""
    rows = [IndexRow(e.romanization, e.name, e.class_label, c.code, c.title)
            for c in book.chapters for e in c.entries]
    return sorted(rows, key=lambda r: (pinyin_key(r.romanization), r.romanization, r.name,
                                       r.chapter_code))


def initial(romanization: str) -> str:
    """The letter an index row is grouped under (A–Z, or # for none)."""
    key = pinyin_key(romanization)
    return key[0].upper() if key and key[0].isalpha() else "#"
