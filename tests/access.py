"""The access matrix framework: every route × persona × (page, htmx) has an expected answer.

Each domain lists its routes in tests/<domain>/access_rules.py (foundation: tests/access_rules.py)
as `ROUTES = [Route(...), ...]` and may define `populate(world)` to add the objects its URLs use.
Expectations: "ok" (2xx/3xx, not the login page), "login" (a redirect to log in, HX-Redirect for
htmx), or a status code (403, 404, 410, 422, ...).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from portal.community.models import Role

PERSONAS = ("anonymous", "resident", "outsider", "admin")


@dataclass
class Route:
    endpoint: str
    method: str
    url: Callable  # world -> path
    expect: dict  # persona -> "ok" | "login" | status code
    data: Callable | None = None  # world -> form data for POSTs


@dataclass
class World:
    """Two communities and their people; domains add their own objects to `objects`."""

    make: object
    people: dict = field(default_factory=dict)
    memberships: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.objects[name]

    def add_person(self, name, community, roles=Role.RESIDENT, **fields):
        membership = self.make.member(community, self.make.user(**fields), roles=roles)
        self.people[name] = membership.user
        self.memberships[name] = membership
        return membership


def build_world(make) -> World:
    """Community A with a resident, a leader, a volunteer and an admin; community B with an
    outsider resident and an outsider admin; a platform admin outside both."""
    world = World(make)
    a = make.community("幸福里")
    b = make.community("梧桐花园")
    world.objects.update(community=a, other_community=b)
    world.add_person("resident", a)
    world.add_person("leader", a, Role.RESIDENT | Role.LEADER)
    world.add_person("volunteer", a, Role.RESIDENT | Role.VOLUNTEER)
    world.add_person("admin", a, Role.RESIDENT | Role.ADMIN)
    world.add_person("kiosk", a, Role.KIOSK)
    world.add_person("outsider", b)
    world.add_person("outsider_admin", b, Role.RESIDENT | Role.ADMIN)
    world.people["platform"] = make.user(is_platform_admin=True)
    world.people["anonymous"] = None
    return world
