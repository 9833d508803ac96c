"""meeting record: meetings, their agenda items, and the notes, decisions and actions recorded

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.String(length=10), nullable=False),
    sa.Column('times', sa.String(length=40), server_default='', nullable=False),
    sa.Column('place', sa.Text(), server_default='', nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('figures_as_of', sa.DateTime(), nullable=True),
    sa.Column('people', sa.Text(), server_default='[]', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_table('meeting_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('slide', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_items_meeting_id'), ['meeting_id'], unique=False)
    op.create_table('meeting_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('verb', sa.String(length=12), nullable=True),
    sa.Column('text', sa.Text(), server_default='', nullable=False),
    sa.Column('action_ref', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('removed_by', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['meeting_items.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_entries_item_id'), ['item_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meeting_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_entries_item_id'))
    op.drop_table('meeting_entries')
    with op.batch_alter_table('meeting_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_items_meeting_id'))
    op.drop_table('meeting_items')
    op.drop_table('meetings')
