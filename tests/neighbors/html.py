"""A tiny HTML helper for tests: the outer HTML of elements chosen by an attribute value."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Finder(HTMLParser):
    def __init__(self, match):
        super().__init__(convert_charrefs=False)
        self.match = match
        self.found: list[tuple[int, int]] = []
        self._stack: list[tuple[str, int, bool]] = []
        self._lines = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self._offset()
        if tag in VOID:
            if self.match(tag, dict(attrs)):
                self.found.append((start, start + len(self.get_starttag_text())))
            return
        self._stack.append((tag, start, self.match(tag, dict(attrs))))

    def handle_endtag(self, tag):
        end = self._offset() + len(f"</{tag}>")
        while self._stack:
            name, start, matched = self._stack.pop()
            if matched:
                self.found.append((start, end))
            if name == tag:
                break

    def run(self, html: str):
        self._lines = [0]
        for line in html.splitlines(keepends=True):
            self._lines.append(self._lines[-1] + len(line))
        self.feed(html)
        self.close()
        return sorted(self.found)


def elements(html: str, tag: str | None = None, **attrs) -> list[str]:
    """Outer HTML of every element (of `tag`) whose attributes equal `attrs` (class_ matches one class)."""
    wanted_class = attrs.pop("class_", None)

    def match(name, found):
        if tag and name != tag:
            return False
        if wanted_class and wanted_class not in (found.get("class") or "").split():
            return False
        return all(found.get(key.replace("_", "-")) == str(value) for key, value in attrs.items())

    return [html[a:b] for a, b in _Finder(match).run(html)]
