"""The two HTTP routes that set and clear the session cookie (served by ``app.py``).

``POST /api/session/bind`` with a single-use code (``analysis.access.binding``) in the body
answers ``Set-Cookie`` with the session token: HttpOnly (no page script can read it),
SameSite=Strict (no other site's page sends it), Path=/, and Secure when the request came over
https (directly or through the reverse proxy's ``X-Forwarded-Proto``). ``POST
/api/session/clear`` expires it. Both refuse a request whose ``Origin`` is another site's. The
cookie only carries the token to the next page load; whether it still signs anyone in is
decided by ``auth.touch_session`` on that load, like every other request.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from analysis.access import binding
from analysis.config import load as load_config

MAX_BODY = 256


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # a same-origin fetch may omit it; SameSite and the code still hold
        return True
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def _cookie(response: Response, request: Request, value: str, max_age: int) -> None:
    response.set_cookie(binding.COOKIE, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                        secure=_secure(request))


async def bind(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    body = (await request.body())[:MAX_BODY].decode("utf-8", "replace").strip()
    token = binding.redeem(body)
    if token is None:
        return Response(status_code=400)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    _cookie(response, request, token, max_age=int(load_config().login.absolute.total_seconds()))
    return response


async def clear(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    _cookie(response, request, "", max_age=0)
    return response


ROUTES = [Route("/api/session/bind", bind, methods=["POST"]), Route("/api/session/clear", clear, methods=["POST"])]
