"""the OPSG action log with its revision history, and the chair's RAG overrides

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-28 12:00:00

Branches from 0002 beside another feature's 0003; ``Store.migrate`` upgrades every head, so the
two need no merge revision.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=80), nullable=False),
    sa.Column('raised_on', sa.String(length=10), nullable=False),
    sa.Column('target_on', sa.String(length=10), nullable=False),
    sa.Column('revised_on', sa.String(length=10), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('closed_on', sa.String(length=10), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=True),
    sa.Column('metrics', sa.Text(), server_default='', nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('source', sa.String(length=200), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ref')
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_status_owner', ['status', 'owner'], unique=False)

    op.create_table('action_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('changes', sa.Text(), server_default='{}', nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('action_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_revisions_action_id'), ['action_id'], unique=False)

    op.create_table('rag_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=60), nullable=False),
    sa.Column('dimension', sa.String(length=40), server_default='', nullable=False),
    sa.Column('value', sa.String(length=120), server_default='', nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('rag', sa.String(length=8), nullable=False),
    sa.Column('computed_rag', sa.String(length=8), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rag_overrides', schema=None) as batch_op:
        batch_op.create_index('ux_rag_overrides_current', ['metric', 'value', 'month'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('rag_overrides', schema=None) as batch_op:
        batch_op.drop_index('ux_rag_overrides_current', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.drop_table('rag_overrides')
    with op.batch_alter_table('action_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_revisions_action_id'))

    op.drop_table('action_revisions')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_status_owner')

    op.drop_table('actions')
