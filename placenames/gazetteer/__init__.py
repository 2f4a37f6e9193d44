"""The gazetteer (地名录·地名图册) as a book: pure, no Flask, no database.

:mod:`.book` holds the plain values of an edition (chapters of names, as the register stood on
a date) and orders them; :mod:`.index` sorts the names by romanization for the index at the
end; :mod:`.pdf` lays the book out on A4 (cover, contents, a map and a table per chapter, the
index), with :mod:`.pages` for the forward page numbers and :mod:`.chapter` for a chapter's
pages. Reading the register as of a date is :mod:`placenames.ops.gazetteer`.
"""
