"""an order's delegate number (代取, asked whether or not a neighbour has it) and its random QR token

Revision ID: 5c1e0a7d2b94
Revises: d8d1980f063b
Create Date: 2026-12-02 03:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5c1e0a7d2b94'
down_revision = 'd8d1980f063b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('group_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delegate_phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('qr_token', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint('uq_group_orders_qr_token', ['qr_token'])


def downgrade():
    with op.batch_alter_table('group_orders', schema=None) as batch_op:
        batch_op.drop_constraint('uq_group_orders_qr_token', type_='unique')
        batch_op.drop_column('qr_token')
        batch_op.drop_column('delegate_phone')
