"""catalog revisions: the catalog in force, changed without code (SPEC §9)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalog_revisions',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('fragment', sa.Text(), nullable=False),
    sa.Column('catalog', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('catalog_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_revisions_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('catalog_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalog_revisions_created_at'))
    op.drop_table('catalog_revisions')
