"""Dashboard routes in the access matrix (tests/access.py).

The community's dashboard is its admins' (and the platform admin's, who may name any community);
the platform's dashboard is the platform admin's alone; members without the admin role get 403.
"""

from tests.access import Route

KEY = "households_reached"
NOT_ADMINS = {"resident": 403, "outsider": 403, "leader": 403, "volunteer": 403, "kiosk": 403}
COMMUNITY_ADMINS = {
    "anonymous": "login",
    **NOT_ADMINS,
    "admin": "ok",
    "outsider_admin": "ok",
    "platform": "ok",  # to the platform's dashboard, or the community named
}
PLATFORM = {"anonymous": "login", **NOT_ADMINS, "admin": 403, "outsider_admin": 403, "platform": "ok"}


def _community(world) -> str:
    return f"community={world['community'].id}"


ROUTES = [
    Route("dashboard.index", "GET", lambda w: "/dashboard", COMMUNITY_ADMINS),
    Route("dashboard.admin_dashboard", "GET", lambda w: "/admin/dashboard", COMMUNITY_ADMINS),
    Route(
        "dashboard.admin_dashboard",
        "GET",
        lambda w: f"/admin/dashboard?period=week&{_community(w)}",
        COMMUNITY_ADMINS,
    ),
    Route(
        "dashboard.admin_csv", "GET", lambda w: f"/admin/dashboard/{KEY}.csv?period=month", COMMUNITY_ADMINS
    ),
    Route(
        "dashboard.admin_csv",
        "GET",
        lambda w: f"/admin/dashboard/{KEY}.csv?{_community(w)}",
        COMMUNITY_ADMINS,
    ),
    Route("dashboard.comments", "GET", lambda w: "/admin/dashboard/comments", COMMUNITY_ADMINS),
    Route("dashboard.platform_dashboard", "GET", lambda w: "/platform/dashboard?period=week", PLATFORM),
    Route("dashboard.platform_csv", "GET", lambda w: f"/platform/dashboard/{KEY}.csv?period=week", PLATFORM),
]
