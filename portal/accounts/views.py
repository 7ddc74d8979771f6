"""Log in, log out, and the person's own account page."""

from datetime import timedelta

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from portal.accounts import bp
from portal.accounts.forms import LoginForm, PasswordChangeForm
from portal.accounts.services import (
    authenticate,
    end_login_session,
    set_password,
    start_login_session,
)
from portal.core.access import login_required
from portal.core.db import db
from portal.core.forms import invalid
from portal.core.htmx import redirect_to, render
from portal.core.i18n import safe_next
from portal.core.sections import sections
from portal.extensions import limiter


def _login_rate_key() -> str:
    return f"{request.remote_addr}:{request.form.get('phone', '').strip()}"


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def failures_per_address() -> str:
    return current_app.config["LOGIN_FAILURES_PER_ADDRESS"]


def _failed(response) -> bool:
    return response.status_code == 422


def log_in(user, remember: bool) -> None:
    """Start a server-side session for `user` and set the cookies."""
    start_login_session(user, remember, request.user_agent.string)
    if not user.locale and session.get("locale"):
        user.locale = session["locale"]
    if user.is_device:  # a kiosk screen stays logged in across restarts for its whole session
        login_user(user, remember=True, duration=timedelta(days=current_app.config["KIOSK_SESSION_DAYS"]))
    else:
        login_user(user, remember=remember)
    db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, key_func=_login_rate_key, methods=["POST"])
@limiter.limit(failures_per_address, key_func=get_remote_address, methods=["POST"], deduct_when=_failed,
               scope="login-failures")
def login():
    """The login form; a wrong phone or password gets one message for both."""
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect_to(next_url)
    if request.method == "POST":
        if not form.validate():
            return invalid("accounts/login.html", "form", form, next_url=next_url)
        user = authenticate(form.phone.data, form.password.data)
        if user is None:
            form.form_errors.append(_("Wrong mobile number or password."))
            return invalid("accounts/login.html", "form", form, next_url=next_url)
        log_in(user, form.remember.data)
        return redirect_to(next_url)
    return render("accounts/login.html", "form", form=form, next_url=next_url)


@bp.post("/logout")
def logout():
    """End the session on the server, so its cookie is worthless afterwards."""
    locale = session.get("locale")
    if current_user.is_authenticated:
        locale = current_user.locale or locale
        end_login_session(current_user.login_token)
        db.session.commit()
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale  # the page after logout stays in the chosen language
    return redirect_to("/")


@bp.route("/me", methods=["GET", "POST"])
@login_required
def me():
    """The person's account: their communities (a section of the community domain), password."""
    form = PasswordChangeForm()
    context = {"sections": sections("accounts.me", user=current_user)}
    if request.method == "POST":
        if not form.validate():
            return invalid("accounts/me.html", "password_form", form, **context)
        if authenticate(current_user.phone, form.current.data) is None:
            form.current.errors.append(_("This is not your current password."))
            return invalid("accounts/me.html", "password_form", form, **context)
        user = current_user._get_current_object()
        set_password(user, form.password.data)
        log_in(user, remember=False)
        return render("accounts/me.html", "password_form", form=PasswordChangeForm(formdata=None),
                      saved=True, **context)
    return render("accounts/me.html", "password_form", form=form, **context)
