"""No input ends in a 500: odd values in every URL, query string and form field the access matrix knows.

A generated corpus, the same on every run: for each route of the matrix, as a persona it lets in,
- each value in its path (an id, a token) is replaced by odd ones;
- every query-string argument any view reads (found in the source) is sent with each odd value;
- each field of the route's form (its data in the matrix and the fields its page renders, filled
  in as a resident would) is sent with each odd value in turn, the others left valid.
The creation forms a resident or an admin fills in most are checked to pass with the filled-in
values first, so the odd value reaches the database rather than a validator of another field.
Runs on SQLite and PostgreSQL like every test; PostgreSQL is the stricter (NUL, integer range).
"""

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

from portal.core.db import utcnow
from portal.core.localtime import to_wall_clock
from portal.extensions import limiter
from tests.access import build_world
from tests.test_access_matrix import rule_modules

ROOT = Path(__file__).parent.parent

ODD_VALUES = [
    "a\x00b",  # PostgreSQL refuses NUL in text
    "2147483648",  # one beyond an INTEGER column
    "-2147483649",
    "9" * 40,
    "-1",
    "1e309",  # float('inf') once parsed
    "NaN",
    "abc",
    "   ",
    "😀\u202e\ufeff𝕏",  # emoji, a right-to-left override, a byte order mark, outside the BMP
    "2026-02-30T25:61",
    "x" * 20_000,
]
ODD_PATH_VALUES = ["2147483648", "99999999999999999999", "-1", "0", "abc", "%00", "%F0%9F%98%80", "x" * 3000]

# whom each route is tried as: the first persona the matrix lets in (an "ok"), else one whose
# form it checks (a 422)
PREFERENCE = ("admin", "buy_leader", "leader", "volunteer", "resident", "platform", "outsider", "kiosk",
              "outsider_admin", "neighbour", "anonymous")

# forms that must pass with the values filled in before their fields are tried with odd ones
MUST_PASS = {
    "groupbuy.new", "groupbuy.edit", "events.new", "events.edit", "pickup.point_new", "pickup.point_edit",
    "boards.chat_post", "boards.newcomers_post", "boards.topic_create", "boards.skill_create",
    "boards.need_create", "boards.group_create", "boards.group_post", "neighbors.edit",
    "points.admin_catalogue", "points.admin_item", "points.admin_campaigns", "community.buildings",
    "lockers.register", "lockers.announce",
}


# where a creation form lives when it is not on the page of the URL it posts to
FORM_PAGES = {
    "boards.topic_create": lambda path: "/boards/chat",
    "boards.group_post": lambda path: path.removesuffix("/posts"),
    "lockers.register": lambda path: "/admin/lockers",
    "lockers.announce": lambda path: "/admin/kiosks",
}
# fields whose format "邻里测试" does not meet
KNOWN_VALUES = {"device_id": "locker-odd-input", "layout": "A01:S\nA02:M", "days": "7"}


def query_arguments() -> list[str]:
    """Every request.args/values name the portal's views read, and core.paging's page."""
    found = {"page"}
    pattern = re.compile(r"request\.(?:args|values)\.get\(\s*\"(\w+)\"|\"(\w+)\" in request\.args")
    for source in (ROOT / "portal").rglob("*.py"):
        for match in pattern.finditer(source.read_text()):
            found.add(match.group(1) or match.group(2))
    return sorted(found)


class FormFields(HTMLParser):
    """The fields of the forms on a page that post to `action`, as a resident would fill them."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.select = action, False, None
        self.values: dict[str, list[str]] = {}
        self.required_text: set[str] = set()  # required fields a resident types into
        self.datetimes = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            target = urlsplit(attrs.get("action") or attrs.get("hx-post") or self.action).path
            self.inside = target == self.action or (not attrs.get("action") and not attrs.get("hx-post"))
        elif tag == "option" and self.select and attrs.get("value"):
            if self.select not in self.values or "selected" in attrs:
                self.values[self.select] = [attrs["value"]]
        elif not self.inside or not attrs.get("name") or attrs["name"] == "csrf_token":
            return
        elif tag == "input":
            self._input(attrs)
        elif tag == "textarea":
            if "required" in attrs:
                self.required_text.add(attrs["name"])
            self.values.setdefault(attrs["name"], [KNOWN_VALUES.get(attrs["name"], "邻里测试文字")])
        elif tag == "select":
            self.select = attrs["name"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None

    def _input(self, attrs):
        name, kind, value = attrs["name"], attrs.get("type", "text"), attrs.get("value")
        if kind in ("submit", "button", "file", "image", "reset"):
            return
        if kind in ("text", "search") and "required" in attrs:
            self.required_text.add(name)
        if kind in ("checkbox", "radio"):
            if "checked" in attrs or (kind == "radio" and name not in self.values):
                self.values[name] = [value or "y"]
            return
        if value:
            self.values[name] = [value]
        elif name in KNOWN_VALUES:
            self.values[name] = [KNOWN_VALUES[name]]
        elif kind == "datetime-local":  # a deadline first (left out when optional), then in page order
            self.datetimes += 1
            if "deadline" in name and "required" not in attrs:
                return
            days = 1 if "deadline" in name else 1 + self.datetimes
            when = to_wall_clock(utcnow() + timedelta(days=days)).replace(hour=10, minute=0)
            self.values[name] = [when.strftime("%Y-%m-%dT%H:%M")]
        elif kind == "date":
            self.values[name] = [(to_wall_clock(utcnow()) + timedelta(days=1)).date().isoformat()]
        elif kind == "time":
            self.values[name] = ["10:00"]
        elif kind == "number":  # an optional number is left empty (a stock cap: unlimited)
            if "required" in attrs:
                self.values[name] = [attrs.get("min") or "1"]
        elif kind == "tel":
            self.values[name] = ["13812345678"]
        elif kind != "hidden":
            self.values[name] = ["邻里测试"]


def read_form(client, endpoint: str, path: str) -> FormFields:
    parser = FormFields(urlsplit(path).path)
    page = client.get(FORM_PAGES.get(endpoint, lambda path: path)(path))
    if page.status_code == 200 and "html" in page.content_type:
        parser.feed(page.get_data(as_text=True))
    return parser


def filled_in(client, endpoint: str, path: str) -> dict[str, list[str]]:
    return read_form(client, endpoint, path).values


def persona_for(route):
    for wanted in ("ok", 422):
        for persona in PREFERENCE:
            if route.expect.get(persona) == wanted:
                return persona
    return None


def routes():
    seen = set()
    for module in rule_modules():
        for route in module.ROUTES:
            key = (route.endpoint, route.method)
            if key in seen or persona_for(route) is None or route.endpoint == "accounts.logout":
                continue
            seen.add(key)
            yield pytest.param(module, route, id=f"{route.method} {route.endpoint}")


@pytest.fixture
def without_rate_limits():
    limiter.enabled = False
    yield
    limiter.enabled = True


@pytest.mark.parametrize(("module", "route"), list(routes()))
def test_odd_input_never_answers_a_5xx(app, make, auth, without_rate_limits, module, route):
    world = build_world(make)
    if hasattr(module, "populate"):
        module.populate(world)
    user = world.people[persona_for(route)]
    client = auth.login(user) if user is not None else app.test_client()
    path = route.url(world)
    failures = []

    def send(url, data=None, what=""):
        response = client.open(url, method=route.method, data=data or {})
        if response.status_code >= 500:
            failures.append(f"{route.method} {url[:120]} {what[:160]} -> {response.status_code}")
        return response

    form = {key: [str(v) for v in (value if isinstance(value, list) else [value])]
            for key, value in (route.data(world) if route.data else {}).items()}
    if route.method == "POST":
        if route.endpoint in MUST_PASS:  # the matrix sends these invalid on purpose
            form = {**form, **filled_in(client, route.endpoint, path)}
            answer = client.open(path, method="POST", data=form)
            assert answer.status_code in (200, 201, 204, 302, 303), (
                f"the filled-in form of {route.endpoint} does not pass, so its fields are not reached: "
                f"{answer.status_code} {form} {_errors(answer)}"
            )
        for field in sorted(set(form) | set(filled_in(client, route.endpoint, path))):
            for odd in ODD_VALUES:
                send(path, {**form, field: odd}, f"{field}={odd!r}")

    for odd_path, what in _odd_paths(app, route, path):
        send(odd_path, form, what)
    if route.method == "GET":
        joiner = "&" if "?" in path else "?"
        for odd in ODD_VALUES:
            send(f"{path}{joiner}{urlencode(dict.fromkeys(query_arguments(), odd))}", what=f"query={odd!r}")

    assert failures == []


def _odd_paths(app, route, path):
    """The path with each of its rule's arguments (an id, a token) replaced by each odd value."""
    parts = urlsplit(path)
    _, arguments = app.url_map.bind("localhost").match(parts.path, method=route.method, return_rule=True)
    segments = parts.path.split("/")
    query = f"?{parts.query}" if parts.query else ""
    for value in arguments.values():
        written = quote(str(value), safe="")
        if written not in segments:
            continue
        at = segments.index(written)
        for odd in ODD_PATH_VALUES:
            yield "/".join([*segments[:at], odd, *segments[at + 1:]]) + query, f"path {written!r} -> {odd!r}"


def _errors(response) -> list[str]:
    """The messages a form shows beside its fields and above it."""
    page = response.get_data(as_text=True)
    beside = re.findall(r'id="[\w-]*error[\w-]*"[^>]*>([^<]+)<', page)
    return beside + re.findall(r'role="alert"[^>]*>([^<]+)<', page)


def creation_forms():
    for module, route in ((p.values[0], p.values[1]) for p in routes()):
        if route.endpoint in MUST_PASS:
            yield pytest.param(module, route, id=route.endpoint)


@pytest.mark.parametrize(("module", "route"), list(creation_forms()))
def test_a_required_field_of_only_spaces_is_refused(app, make, auth, without_rate_limits, module, route):
    world = build_world(make)
    if hasattr(module, "populate"):
        module.populate(world)
    client = auth.login(world.people[persona_for(route)])
    path = route.url(world)
    form = read_form(client, route.endpoint, path)
    assert form.required_text, f"{route.endpoint}: no required text field found on its page"
    for field in sorted(form.required_text):
        answer = client.post(path, data={**form.values, field: "   "})
        assert answer.status_code == 422, f"{route.endpoint}: {field} of only spaces -> {answer.status_code}"
