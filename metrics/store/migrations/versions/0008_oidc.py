"""single sign-on: users' provider and subject, a session's ID token, flows awaiting their callback

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 13:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_index('ux_users_oidc', ['oidc_issuer', 'oidc_subject'], unique=True)
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_token', sa.Text(), nullable=True))
    op.create_table('oidc_states',
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('state_hash')
    )
    with op.batch_alter_table('oidc_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_states_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('oidc_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_states_expires_at'))
    op.drop_table('oidc_states')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('id_token')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ux_users_oidc')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
