"""rule-set modifiers, human grading (研判), grading timeline, disposition classifier

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

"""
import json
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import yuqing.core.db

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

EPOCH = "1970-01-01 00:00:00"


def upgrade() -> None:
    op.create_table('lexicons',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', yuqing.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_lexicons'))
    )
    op.create_table('grade_changes',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=32), nullable=False),
    sa.Column('at', yuqing.core.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('level_before', sa.String(length=3), nullable=True),
    sa.Column('level_after', sa.String(length=3), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('rule_set_version', sa.Integer(), nullable=True),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_grade_changes'))
    )
    with op.batch_alter_table('grade_changes', schema=None) as batch_op:
        batch_op.create_index('ix_grade_changes_event_at', ['event_id', 'at'], unique=False)

    # Existing grades: automatic, with no disposition evidence yet.
    with op.batch_alter_table('event_grades', schema=None) as batch_op:
        for name, column_type, default in [
            ('computed_level', sa.String(length=3), 'V'), ('computed_conditions', sa.JSON(), '[]'),
            ('decided_by', sa.String(length=64), 'system'),
            ('reason', sa.Text(), ''), ('title', sa.String(length=1000), ''), ('locality', sa.String(length=64), ''),
            ('disposition', sa.String(length=20), 'inquiry'), ('disposition_confidence', sa.Float(), '0.25'),
            ('disposition_scores', sa.JSON(), '{}'), ('harmful_scores', sa.JSON(), '{}'),
            ('harmful_categories', sa.JSON(), '[]'), ('disposition_cues', sa.JSON(), '[]'),
            ('disposition_by', sa.String(length=64), 'system'), ('disposition_reason', sa.Text(), ''),
            ('lexicon_version', sa.Integer(), '1'),
            ('discovered_at', yuqing.core.db.UtcDateTime(timezone=True), EPOCH),
        ]:
            batch_op.add_column(sa.Column(name, column_type, nullable=False, server_default=sa.text(f"'{default}'")))
        batch_op.add_column(sa.Column('human_baseline', sa.String(length=3), nullable=True))
    op.execute("UPDATE event_grades SET computed_level = level, computed_conditions = conditions, "
               "discovered_at = graded_at")

    with op.batch_alter_table('grading_runs', schema=None) as batch_op:
        batch_op.create_index('ix_grading_runs_event_at', ['event_id', 'at'], unique=False)

    # Version bodies move from minimum-only thresholds to bands; the old semantics (highest
    # level whose minimum is met) are kept by leaving every band open-ended.
    rule_sets = sa.table('rule_sets', sa.column('version', sa.Integer), sa.column('body', sa.JSON))
    connection = op.get_bind()
    for version, body in connection.execute(sa.select(rule_sets.c.version, rule_sets.c.body)).all():
        body = json.loads(body) if isinstance(body, str) else body
        if "thresholds" in body:
            converted = {"bands": [{**t, "maximum": None} for t in body["thresholds"]], "sensitive_categories": [],
                         "special_periods": [], "growth": None, "note": ""}
            connection.execute(rule_sets.update().where(rule_sets.c.version == version).values(body=converted))


def downgrade() -> None:
    with op.batch_alter_table('grading_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_grading_runs_event_at')
    with op.batch_alter_table('event_grades', schema=None) as batch_op:
        for name in ('human_baseline', 'discovered_at', 'lexicon_version', 'disposition_reason', 'disposition_by',
                     'disposition_cues', 'harmful_categories', 'harmful_scores', 'disposition_scores',
                     'disposition_confidence', 'disposition', 'locality', 'title', 'reason', 'decided_by',
                     'computed_conditions', 'computed_level'):
            batch_op.drop_column(name)
    with op.batch_alter_table('grade_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_grade_changes_event_at')
    op.drop_table('grade_changes')
    op.drop_table('lexicons')
