"""What each kind of job does. A handler gets the app, its own session, the job and a
:class:`~placenames.jobs.queue.Progress` to report to (which renews the lease and stops the job
when staff cancel it); it returns a short message for the job's record.

- ``plate_batch``: draw a print batch's PDF and manifest in a scratch folder, then store them
  (:mod:`placenames.storage`: the instance folder, or the object store), the PDF last. The plate
  ids and positions were stored when the batch was issued, so a batch drawn again (after its
  worker was killed) gives the same plates in the same slots; the files appear only when
  complete.
- ``gazetteer``: lay out the gazetteer of an area as of a date (:mod:`placenames.gazetteer`)
  and store the book; taken again after a crash, it is made again whole.
- ``gazetteer_edition``: lay out today's public edition of an area's gazetteer and keep it in
  the store for every instance (:mod:`placenames.web.gazetteer_public`), removing the area's
  older editions.
- ``import_check`` / ``import_run``: check a staff upload (a dry run) or import it
  (:mod:`placenames.ops.exchange.uploads`). An import is one transaction, so one killed
  mid-way left nothing and is run again whole; one killed after its commit but before its
  report was stored finds every row unchanged the second time (re-importing never duplicates).
- ``open_data``: publish a new open-data release (:mod:`placenames.ops.exchange.published`);
  a release appears only when all its files are written, so a publish killed mid-way leaves
  the previous release in place and is made again whole.
- ``reindex``: recompute every name's and division's derived fields
  (:mod:`placenames.ops.names.reindex`); each batch commits on its own and only rows that
  differ are written, so a reindex taken again after a crash passes quickly over what was done
  and goes on from there.
- ``sign_batch``: draw a responsible unit's signs still to be made as one print-ready PDF with
  its manifest (:mod:`placenames.ops.signs.printing`) and store both, the PDF last; taken again
  after a crash, it is drawn again whole.
- ``geocode_batch``: match every address of an uploaded spreadsheet to the register
  (:mod:`placenames.ops.search.batch`) and store the CSV; it only reads the register, so one
  taken again after a crash is simply run again.
"""

from __future__ import annotations

from .gazetteer import (
    EDITIONS,
    GAZETTEER,
    GAZETTEER_EDITION,
    edition_key,
    gazetteer_key,
    make_edition,
    make_gazetteer,
)
from .geocode import GEOCODE, geocode_file, geocode_key, purge_geocode_files
from .imports import IMPORT_CHECK, IMPORT_RUN, check_upload, import_upload
from .open_data import OPEN_DATA, publish_open_data
from .plates import PLATE_BATCH, batch_keys, render_plate_batch
from .reindex import REINDEX, reindex_names
from .signs import SIGN_BATCH, render_sign_batch, sign_batch_keys

__all__ = ["EDITIONS", "GAZETTEER", "GAZETTEER_EDITION", "GEOCODE", "HANDLERS", "IMPORT_CHECK",
           "IMPORT_RUN", "OPEN_DATA", "PLATE_BATCH", "REINDEX", "SIGN_BATCH", "batch_keys",
           "edition_key", "gazetteer_key", "geocode_key", "purge_geocode_files",
           "sign_batch_keys"]

HANDLERS = {PLATE_BATCH: render_plate_batch, GAZETTEER: make_gazetteer,
            GAZETTEER_EDITION: make_edition,
            IMPORT_CHECK: check_upload, IMPORT_RUN: import_upload,
            OPEN_DATA: publish_open_data, REINDEX: reindex_names, GEOCODE: geocode_file,
            SIGN_BATCH: render_sign_batch}
"""Each kind of job's handler, by the kind's name (:mod:`placenames.jobs.queue` runs them)."""
