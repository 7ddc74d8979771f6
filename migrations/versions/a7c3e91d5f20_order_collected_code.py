"""an order keeps the code it was collected with, so that typing it again says when and by whom

Revision ID: a7c3e91d5f20
Revises: bf7cc726451b
Create Date: 2026-12-03 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e91d5f20'
down_revision = 'bf7cc726451b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('group_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('collected_code', sa.String(length=8), nullable=True))
        batch_op.create_index(
            'ix_group_orders_point_collected_code', ['pickup_point_id', 'collected_code'], unique=False
        )


def downgrade():
    with op.batch_alter_table('group_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_group_orders_point_collected_code')
        batch_op.drop_column('collected_code')
