"""meeting packs built off the request path: the job row and the stored PDF

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 14:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('as_of', sa.String(length=32), server_default='', nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Integer(), server_default='0', nullable=False),
    sa.Column('stage', sa.String(length=80), server_default='', nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('holder', sa.String(length=120), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting_packs', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_packs_state', ['state'], unique=False)
        batch_op.create_index('ux_meeting_packs_key', ['month', 'as_of', 'version'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('meeting_packs', schema=None) as batch_op:
        batch_op.drop_index('ux_meeting_packs_key')
        batch_op.drop_index('ix_meeting_packs_state')
    op.drop_table('meeting_packs')
