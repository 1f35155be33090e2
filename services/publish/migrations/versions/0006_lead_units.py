"""lead units from dispatch's stream

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 12:40:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import yuqing.core.db

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('lead_units',
    sa.Column('event_id', sa.String(length=32), nullable=False),
    sa.Column('unit_code', sa.String(length=64), nullable=False),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('assigned_at', yuqing.core.db.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )


def downgrade() -> None:
    op.drop_table('lead_units')
