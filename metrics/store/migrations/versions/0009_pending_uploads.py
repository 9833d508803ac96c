"""uploads waiting for Confirm kept in the database (any host can confirm them)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_uploads',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=80), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_uploads_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_uploads_expires_at'))
    op.drop_table('pending_uploads')
