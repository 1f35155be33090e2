"""event keys: a hash index on the key instead of the (key, event) primary key

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 19:00:00

Why: docs/ingest.md, "Event keys".
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('event_keys', schema=None) as batch_op:
        batch_op.drop_constraint('pk_event_keys', type_='primary')
    op.create_index('ix_event_keys_key', 'event_keys', ['key'], unique=False, postgresql_using='hash')


def downgrade() -> None:
    op.drop_index('ix_event_keys_key', table_name='event_keys', postgresql_using='hash')
    with op.batch_alter_table('event_keys', schema=None) as batch_op:
        batch_op.create_primary_key('pk_event_keys', ['key', 'event_id'])
