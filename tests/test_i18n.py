"""Every string a user can see is translated, and the language switch works."""

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def catalogues():
    """(catalogue folder, source paths) as `make i18n` extracts them."""
    domains = sorted(p.parent.name for p in (ROOT / "portal").glob("*/translations"))
    shared = [
        p
        for p in sorted((ROOT / "portal").iterdir())
        if p.name not in {*domains, "translations", "__pycache__"}
    ] + [p for p in sorted((ROOT / "templates").iterdir()) if p.name not in domains]
    yield ROOT / "portal" / "translations", shared
    for domain in domains:
        yield (
            ROOT / "portal" / domain / "translations",
            [ROOT / "portal" / domain, ROOT / "templates" / domain],
        )


def extracted(paths) -> set[str]:
    messages = set()
    for path in paths:
        if path.is_dir():
            found = extract_from_dir(str(path), METHODS, keywords=KEYWORDS)
            messages.update(m[2] if isinstance(m[2], str) else m[2][0] for m in found)
        elif path.suffix in (".py", ".html"):
            method = "python" if path.suffix == ".py" else "jinja2"
            found = extract_from_file(method, str(path), keywords=KEYWORDS)
            messages.update(m[1] if isinstance(m[1], str) else m[1][0] for m in found)
    return messages


@pytest.mark.parametrize(
    ("folder", "sources"),
    [pytest.param(folder, sources, id=str(folder.relative_to(ROOT))) for folder, sources in catalogues()],
)
def test_every_string_is_translated_into_chinese(folder, sources):
    po_file = folder / "zh" / "LC_MESSAGES" / "messages.po"
    assert po_file.exists(), f"no catalogue at {po_file}: run `make i18n`"
    with po_file.open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple | list) else m.string) and not m.fuzzy
    }
    missing = sorted(extracted(sources) - translated)
    assert missing == [], f"untranslated in {po_file} (run `make i18n` and translate): {missing[:20]}"


def test_switching_language_changes_the_page(client, make, auth):
    user = make.member(make.community()).user
    client = auth.login(user)
    assert "我的" in client.get("/").get_data(as_text=True)
    response = client.post("/locale", data={"locale": "en", "next": "/me"})
    assert response.status_code == 303 and response.headers["Location"] == "/me"
    page = client.get("/me").get_data(as_text=True)
    assert "Change password" in page and 'lang="en"' in page
    client.post("/locale", data={"locale": "zh"})
    assert "修改密码" in client.get("/me").get_data(as_text=True)


def test_the_choice_is_remembered_on_the_account(app, make, auth):
    user = make.member(make.community()).user
    auth.login(user).post("/locale", data={"locale": "en"})
    elsewhere = auth.login(user)
    assert 'lang="en"' in elsewhere.get("/").get_data(as_text=True)


def test_visitors_get_their_browser_language(client):
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(
        as_text=True
    )
    assert 'lang="zh-CN"' in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(
        as_text=True
    )
    assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)


def test_an_unknown_language_changes_nothing(client):
    client.post("/locale", data={"locale": "fr"})
    assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)
