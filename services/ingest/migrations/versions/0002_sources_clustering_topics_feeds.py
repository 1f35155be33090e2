"""sources, cleaning, clustering, topics, feeds

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:12:40.496598

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import yuqing.core.db

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('config_version',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_config_version'))
    )
    op.create_table('event_keys',
    sa.Column('key', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('key', 'event_id', name=op.f('pk_event_keys'))
    )
    op.create_table('feeds',
    sa.Column('feed_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('platform', sa.String(length=64), nullable=False),
    sa.Column('interval_seconds', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('next_poll_at', yuqing.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_polled_at', yuqing.core.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('last_new_items', sa.Integer(), nullable=False),
    sa.Column('etag', sa.String(length=500), nullable=False),
    sa.Column('last_modified', sa.String(length=100), nullable=False),
    sa.Column('created_at', yuqing.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('feed_id', name=op.f('pk_feeds')),
    sa.UniqueConstraint('url', name=op.f('uq_feeds_url'))
    )
    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feeds_next_poll_at'), ['next_poll_at'], unique=False)

    op.create_table('topics',
    sa.Column('topic_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('all_of', sa.JSON(), nullable=False),
    sa.Column('none_of', sa.JSON(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', yuqing.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('topic_id', name=op.f('pk_topics')),
    sa.UniqueConstraint('name', name=op.f('uq_topics_name'))
    )
    op.create_table('word_lists',
    sa.Column('list_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('words', sa.JSON(), nullable=False),
    sa.Column('updated_at', yuqing.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('list_id', name=op.f('pk_word_lists')),
    sa.UniqueConstraint('name', name=op.f('uq_word_lists_name'))
    )
    op.create_table('event_snapshots',
    sa.Column('snapshot_id', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.String(length=32), nullable=False),
    sa.Column('observed_at', yuqing.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('views', sa.BigInteger(), nullable=False),
    sa.Column('comments', sa.BigInteger(), nullable=False),
    sa.Column('reposts', sa.BigInteger(), nullable=False),
    sa.Column('likes', sa.BigInteger(), nullable=False),
    sa.Column('mainstream_sites', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.event_id'], name=op.f('fk_event_snapshots_event_id_events')),
    sa.PrimaryKeyConstraint('snapshot_id', name=op.f('pk_event_snapshots'))
    )
    with op.batch_alter_table('event_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_event_snapshots_event_id_observed_at', ['event_id', 'observed_at'], unique=False)

    op.create_table('attachments',
    sa.Column('attachment_id', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', yuqing.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.item_id'], name=op.f('fk_attachments_item_id_items')),
    sa.PrimaryKeyConstraint('attachment_id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='watching', nullable=False))
        batch_op.add_column(sa.Column('closed_at', yuqing.core.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reopen_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('topics', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('sensitive_categories', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('feedback_deadline', yuqing.core.db.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('gazetteer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alias_of', sa.String(length=100), server_default='', nullable=False))

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clean_text', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('matches', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('attach_reason', sa.String(length=32), server_default='new_event', nullable=False))
        batch_op.add_column(sa.Column('reporter_contact', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('feedback_deadline', yuqing.core.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('issuing_agency', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_index('ix_items_platform_author', ['platform', 'author'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_platform_author')
        batch_op.drop_column('issuing_agency')
        batch_op.drop_column('feedback_deadline')
        batch_op.drop_column('reporter_contact')
        batch_op.drop_column('attach_reason')
        batch_op.drop_column('matches')
        batch_op.drop_column('clean_text')

    with op.batch_alter_table('gazetteer', schema=None) as batch_op:
        batch_op.drop_column('alias_of')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('feedback_deadline')
        batch_op.drop_column('sensitive_categories')
        batch_op.drop_column('topics')
        batch_op.drop_column('reopen_count')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('status')

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_item_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('event_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_event_snapshots_event_id_observed_at')

    op.drop_table('event_snapshots')
    op.drop_table('word_lists')
    op.drop_table('topics')
    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feeds_next_poll_at'))

    op.drop_table('feeds')
    op.drop_table('event_keys')
    op.drop_table('config_version')
