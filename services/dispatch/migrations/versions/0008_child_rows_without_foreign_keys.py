"""deadlines and timers without foreign keys; indexes the unique constraints already give dropped

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 16:40:00

Why: docs/operations.md, "Child rows without foreign keys".
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_timers_deadline_id_deadlines', type_='foreignkey')
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_constraint('fk_deadlines_assignment_id_assignments', type_='foreignkey')
        batch_op.drop_index('ix_deadlines_assignment_id')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_event_id')


def downgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_event_id', ['event_id'], unique=False)
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.create_index('ix_deadlines_assignment_id', ['assignment_id'], unique=False)
        batch_op.create_foreign_key('fk_deadlines_assignment_id_assignments', 'assignments',
                                    ['assignment_id'], ['assignment_id'])
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_timers_deadline_id_deadlines', 'deadlines', ['deadline_id'], ['deadline_id'])
