"""privacy: commenters' names and phones encrypted at rest, with a blind index of the phone

Revision ID: 0008
Revises: 0007

The clear ``author`` and ``phone`` of ``public_comments`` become AES-GCM ciphertexts bound to
their row (``author_enc``, ``phone_enc``) and an HMAC-SHA256 blind index of the normalised
phone (``phone_index``); ``contact_erased_at`` records the retention erasure. Existing values
are encrypted here, in the same transaction as the column changes: if anything fails, the table
is left as it was, and no clear value outlives the upgrade.

The key is the app's: ``placenames init`` hands its keyring over
(``context.config.attributes["pii_keys"]``). Run any other way, the key is resolved as the app
resolves it (``PLACENAMES_PII_KEY``, else ``<instance>/pii_key`` under
``PLACENAMES_INSTANCE_PATH`` or the app's default folder), and only when a row needs it.
Downgrade decrypts back into the clear columns (with the same key; contacts erased by the
retention job stay empty) and stops, changing nothing, if a value does not decrypt.
"""
from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from placenames import pii
from placenames.workflow.masking import normalise_phone

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLE = 'public_comments'
NAME_COLUMN, PHONE_COLUMN = 'author_enc', 'phone_enc'

comments = sa.table(
    TABLE,
    sa.column('id', sa.Uuid()),
    sa.column('author', sa.String()),
    sa.column('phone', sa.String()),
    sa.column('author_enc', sa.Text()),
    sa.column('phone_enc', sa.Text()),
    sa.column('phone_index', sa.String()),
)


def _keyring() -> pii.Keyring:
    keys = context.config.attributes.get('pii_keys')
    if isinstance(keys, pii.Keyring):
        return keys
    from placenames.app import default_instance_path

    return pii.load_keyring(os.environ.get(pii.SETTING), default_instance_path())


def upgrade() -> None:
    op.add_column(TABLE, sa.Column('author_enc', sa.Text(), nullable=True))
    op.add_column(TABLE, sa.Column('phone_enc', sa.Text(), nullable=True))
    op.add_column(TABLE, sa.Column('phone_index', sa.String(length=64), nullable=True))
    op.add_column(TABLE, sa.Column('contact_erased_at', sa.DateTime(timezone=True),
                                   nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(comments.c.id, comments.c.author, comments.c.phone).where(
        sa.or_(comments.c.author.is_not(None), comments.c.phone.is_not(None)))).all()
    if rows:
        keys = _keyring()
        values: list[dict[str, Any]] = []
        for row_id, author, phone in rows:
            digits = normalise_phone(phone)
            values.append({
                'row_id': row_id,
                'a': pii.seal(keys, author, table=TABLE, column=NAME_COLUMN, row_id=row_id)
                if author else None,
                'p': pii.seal(keys, phone, table=TABLE, column=PHONE_COLUMN, row_id=row_id)
                if phone else None,
                'i': pii.blind_index(keys.current, digits) if phone and digits else None,
            })
        bind.execute(comments.update().where(comments.c.id == sa.bindparam('row_id')).values(
            author_enc=sa.bindparam('a'), phone_enc=sa.bindparam('p'),
            phone_index=sa.bindparam('i')), values)
    # SQLite >= 3.35 drops a column in place
    op.drop_column(TABLE, 'phone')
    op.drop_column(TABLE, 'author')
    op.create_index(op.f('ix_public_comments_phone_index'), TABLE, ['phone_index'],
                    unique=False)


def downgrade() -> None:
    op.add_column(TABLE, sa.Column('author', sa.String(length=60), nullable=True))
    op.add_column(TABLE, sa.Column('phone', sa.String(length=20), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(comments.c.id, comments.c.author_enc, comments.c.phone_enc)
                        .where(sa.or_(comments.c.author_enc.is_not(None),
                                      comments.c.phone_enc.is_not(None)))).all()
    if rows:
        keys = _keyring()
        values: list[dict[str, Any]] = []
        for row_id, author_enc, phone_enc in rows:
            values.append({
                'row_id': row_id,
                'a': pii.open_sealed(keys, author_enc, table=TABLE, column=NAME_COLUMN,
                                     row_id=row_id) if author_enc else None,
                'p': pii.open_sealed(keys, phone_enc, table=TABLE, column=PHONE_COLUMN,
                                     row_id=row_id) if phone_enc else None,
            })
        bind.execute(comments.update().where(comments.c.id == sa.bindparam('row_id')).values(
            author=sa.bindparam('a'), phone=sa.bindparam('p')), values)
    op.drop_index(op.f('ix_public_comments_phone_index'), table_name=TABLE)
    op.drop_column(TABLE, 'contact_erased_at')
    op.drop_column(TABLE, 'phone_index')
    op.drop_column(TABLE, 'phone_enc')
    op.drop_column(TABLE, 'author_enc')
