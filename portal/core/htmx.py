"""Template fragments for htmx: the named block for htmx requests, the whole page otherwise."""

from flask import make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page (not a history-restore miss)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render(template: str, block: str | None = None, status: int = 200, **context):
    """Render `block` of `template` for htmx requests and the full page otherwise."""
    if block and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return make_response(body, status)


def redirect_to(location: str):
    """Post-redirect-get that also works for htmx (HX-Redirect keeps the browser's history)."""
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)


def add_vary_header(response):
    response.vary.add("HX-Request")
    return response
