"""新邻居报到: which newcomers' introductions the community's ambassadors have welcomed.

Newcomers post on their board through `posts.create_post`; the ambassadors come from the
neighbours' domain.
"""

import sqlalchemy as sa

from portal.boards.models import Post
from portal.core.db import db
from portal.moderation.models import ContentStatus
from portal.neighbors.services import ambassador_user_ids


def welcomed_ids(community_id: int, post_ids) -> set[int]:
    """Newcomer posts an ambassador has replied to."""
    if not post_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Post.parent_id).where(
                Post.community_id == community_id,
                Post.parent_id.in_(list(post_ids)),
                Post.author_id.in_(ambassador_user_ids(community_id)),
                Post.status == ContentStatus.VISIBLE,
            )
        )
    )
