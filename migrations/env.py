"""Alembic environment: runs against the connection the caller passes in ``config.attributes``.

``placenames init`` (see placenames/migrate.py) builds the Config and hands over a connection,
so the same SpatiaLite set-up (extension, pragmas, BEGIN IMMEDIATE) applies to migrations.
"""

from alembic import context
from geoalchemy2 import alembic_helpers

from placenames.migrate import include_object
from placenames.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `placenames init`")
run_migrations_online()
