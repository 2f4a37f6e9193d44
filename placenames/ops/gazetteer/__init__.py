"""The gazetteer (地名录·地名图册) read from the register as it stood on a date.

:mod:`.area` turns an area code into the book's chapters (the management areas and their
townships); :mod:`.asof` reads each name as the register held it at the end of the date;
:mod:`.build` puts them together into a plain :class:`~placenames.gazetteer.book.Book`, which
:func:`placenames.gazetteer.pdf.render_pdf` prints.

How "as of a date" is read, and its limits
-------------------------------------------
The register keeps a snapshot of a name record after every change (``record_history``, one
JSON row per insert or change, written by a session hook, and by the bulk loaders and the
keys reindex for the rows they write). The edition as of day D takes, for each name, the last
snapshot written before the end of D (China time), so the name, its romanization, class,
location, meaning, origin, jurisdiction and geometry are the ones the register showed that
day. A name is in the edition when that snapshot says it was in force (``in_force``), its
approval date (when known) is not after D, and it has not been cancelled or renamed on or
before D by the record's own date of that change (``status_changed_on``). Proposed names,
names in procedure, approved ones not yet in force, reserved or released names of the naming
plan are never in it.

Limits: what the register did not hold on D is not in the edition of D, so names loaded or
imported later are absent from earlier editions even when approved earlier (the loading date
is when the register learnt of them; nothing is back-filled from approval dates). The
jurisdictions, the New Area's management arrangement (which township belongs to which new
city) and a name's place in the area are today's, as they keep no history; a name is picked
by its jurisdiction today and put in the chapter of its jurisdiction on D when that is in the
area. A published name story (:mod:`placenames.models.stories`) supplies the meaning and
origin when it is published now and was published before the end of D; stories keep no
earlier versions, so a story revised and published again after D, or back in draft, is not
used in the edition of D (the record's own text is).
"""
