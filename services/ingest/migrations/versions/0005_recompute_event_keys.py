"""event keys recomputed: MinHash over packed 3-gram ids, band keys folded in numpy

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 13:00:00

The candidate keys of stored items are derived from their cleaned text; the fingerprint's
hashing changed, so every item's keys are computed again (downgrade cannot restore the old
ones: it leaves the table empty, and items written afterwards are keyed by the code in use).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

from services.ingest.clustering import fingerprint

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

CHUNK = 2_000


def upgrade() -> None:
    connection = op.get_bind()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    items = sa.table("items", sa.column("item_id"), sa.column("event_id"), sa.column("clean_text"))
    keys = sa.table("event_keys", sa.column("key", sa.BigInteger), sa.column("event_id"), sa.column("item_id"))
    connection.execute(sa.delete(keys))
    last = ""
    while True:
        rows = connection.execute(sa.select(items.c.item_id, items.c.event_id, items.c.clean_text)
                                  .where(items.c.item_id > last).order_by(items.c.item_id).limit(CHUNK)).all()
        if not rows:
            break
        fresh = {(key, row.event_id): row.item_id for row in rows for key in fingerprint(row.clean_text or "").keys}
        if fresh:   # a key an earlier chunk gave the same event stays with that item, as in the service
            connection.execute(insert(keys).on_conflict_do_nothing(),
                               [{"key": k, "event_id": e, "item_id": i} for (k, e), i in fresh.items()])
        last = rows[-1].item_id


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM event_keys"))
