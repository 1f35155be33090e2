"""event keys recomputed: 16 bands of 3 MinHash values, up to 8 sentence keys chosen by hash

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:00:00

Fewer keys per item (≤ 24 instead of ≤ 48) make ingest write and look up less; the stored
keys of every item are computed again with the new fingerprint (downgrade leaves the table
empty, as 0005 does: the older code's keys cannot be restored).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from services.ingest.clustering import recompute_event_keys

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    recompute_event_keys(op.get_bind())


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM event_keys"))
