"""Who may do what on the desk.

- With no accounts (``CLAIMTRACK_WEB_USERS`` unset) the desk only starts on a loopback
  address (``Settings.check_web``), and anyone on this machine may read it.
- With accounts, every page and API call asks for them (HTTP basic auth), on any address.
- Writes (a verdict, an upload) always need an account: the reviewer is the account's name.
- Forms carry a CSRF token (``asgi-csrf``, double-submit cookie); a browser request from
  another site is refused (see ``workers.web.app``).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from starlette.types import Scope

from pipeline.settings import Settings

basic = HTTPBasic(auto_error=False, realm="claimtrack", description="a desk account")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _account(settings: Settings, credentials: HTTPBasicCredentials | None) -> str | None:
    """The account's name when the credentials are right; None when none were given."""
    accounts = settings.web_accounts
    if credentials is None:
        return None
    expected = accounts.get(credentials.username)
    # Compare even for an unknown name, so that timing does not tell which names exist.
    given = credentials.password.encode()
    if not secrets.compare_digest(given, (expected or secrets.token_hex(16)).encode()):
        raise _challenge("wrong name or password")
    return credentials.username


def _challenge(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Basic realm="claimtrack"'})


def reader(
    request: Request, credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)]
) -> str | None:
    """Anyone on loopback when the desk has no accounts; else an account holder."""
    settings = _settings(request)
    name = _account(settings, credentials) if settings.web_accounts else None
    if settings.web_accounts and name is None:
        raise _challenge("this desk asks for a name and password")
    return name


def reviewer(
    request: Request, credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)]
) -> str:
    """An account holder, always: a verdict or an upload says who made it."""
    settings = _settings(request)
    if not settings.web_accounts:
        raise HTTPException(
            403, "verdicts and uploads need an account: set CLAIMTRACK_WEB_USERS (name:password)"
        )
    name = _account(settings, credentials)
    if name is None:
        raise _challenge("verdicts and uploads need a name and password")
    return name


def content_type(scope: Scope) -> bytes:
    headers = dict(scope.get("headers") or [])
    return bytes(headers.get(b"content-type", b"")).split(b";")[0].strip().lower()


def from_browser(scope: Scope) -> bool:
    """A request a browser made (and so one another site could have made it make): it
    carries an Origin, Sec-Fetch-Site or Cookie header. curl and scripts send none."""
    headers = dict(scope.get("headers") or [])
    return any(headers.get(name) for name in (b"origin", b"sec-fetch-site", b"cookie"))


async def upload_csrf(request: Request) -> None:
    """The CSRF check of multipart forms (uploads), as asgi-csrf does it for the others: a
    browser's form must carry the token its page was given (the signed cookie's)."""
    if not from_browser(request.scope):
        return
    form = await request.form()
    given = form.get("csrftoken")
    expected = request.scope["csrftoken"]()
    if not isinstance(given, str) or not secrets.compare_digest(given, expected):
        raise HTTPException(
            403, "this form did not come from the desk (CSRF token missing or wrong)"
        )


Reader = Annotated[str | None, Depends(reader)]
UploadChecked = Depends(upload_csrf)
Reviewer = Annotated[str, Depends(reviewer)]
