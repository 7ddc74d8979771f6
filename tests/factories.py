"""Factories that build committed data for tests."""

import itertools

from portal.accounts.models import User
from portal.accounts.services import hash_password
from portal.community.models import Community, Membership, MembershipStatus, Role
from portal.community.services import create_community
from portal.core.db import db, utcnow

_counter = itertools.count(1)


class Factory:
    def __init__(self, password: str):
        self.password = password
        self._hash = None

    def community(self, name: str | None = None, buildings: str = "1栋: 1单元, 2单元\n2栋: 1单元"):
        community = create_community(name or f"小区{next(_counter)}", "南京", "", buildings)
        db.session.commit()
        return community

    def user(self, name: str | None = None, phone: str | None = None, **fields) -> User:
        n = next(_counter)
        if self._hash is None:
            self._hash = hash_password(self.password)
        user = User(
            phone=phone or f"139{n:08d}",
            display_name=name or f"邻居{n}",
            password_hash=self._hash,
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    def member(
        self,
        community: Community,
        user: User | None = None,
        roles: Role = Role.RESIDENT,
        status: str = MembershipStatus.ACTIVE,
        building_index: int = 0,
        **fields,
    ) -> Membership:
        user = user or self.user(is_device=bool(roles & Role.KIOSK))
        building = community.buildings[building_index]
        membership = Membership(
            user_id=user.id,
            community_id=community.id,
            roles=roles,
            status=status,
            building_id=building.id,
            unit_id=building.units[0].id,
            decided_at=utcnow(),
            **fields,
        )
        db.session.add(membership)
        if status == MembershipStatus.ACTIVE and user.active_community_id is None:
            user.active_community_id = community.id
        db.session.commit()
        return membership
