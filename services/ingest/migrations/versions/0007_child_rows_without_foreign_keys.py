"""items and snapshots without foreign keys

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 16:40:00

Why: docs/operations.md, "Child rows without foreign keys".
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('event_snapshots', schema=None) as batch_op:
        batch_op.drop_constraint('fk_event_snapshots_event_id_events', type_='foreignkey')
    with op.batch_alter_table('item_snapshots', schema=None) as batch_op:
        batch_op.drop_constraint('fk_item_snapshots_item_id_items', type_='foreignkey')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('fk_items_event_id_events', type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_items_event_id_events', 'events', ['event_id'], ['event_id'])
    with op.batch_alter_table('item_snapshots', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_item_snapshots_item_id_items', 'items', ['item_id'], ['item_id'])
    with op.batch_alter_table('event_snapshots', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_event_snapshots_event_id_events', 'events', ['event_id'], ['event_id'])
