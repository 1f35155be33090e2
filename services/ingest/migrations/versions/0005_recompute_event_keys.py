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

from services.ingest.clustering import recompute_event_keys

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    recompute_event_keys(op.get_bind())


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM event_keys"))
