"""Single sign-on with OpenID Connect: ``/login/oidc`` starts the authorisation-code flow with PKCE,
``/login/oidc/callback`` finishes it, and sign-out can end the provider's session too.

Authlib does the protocol: discovery, PKCE and nonce, the code exchange, the ID token's signature
against the provider's JWKS (fetched again once when a token names a key it does not know, so the
provider can rotate keys), issuer, audience, expiry and nonce. This module keeps what Authlib leaves
to the application: the state is saved on the server and usable once (``metrics.accounts.sso``), tied to the
browser that started the flow; the account and role come from ``metrics.accounts.sso``; the session is the
same server-side session a password sign-in gets. Every sign-in and refusal is audited.
"""
from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, redirect, render_template, request, session
from flask_login import login_user
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError

from metrics.accounts import sessions
from metrics.accounts import sso
from metrics.store.engine import audit

from dashboard.web.auth import clock
from dashboard.context import get_context
from dashboard.web.login import SESSION_KEY, SessionUser, _client_ip, safe_next

PENDING_KEY = "oidc_states"  # the cookie session's list of states this browser started
MAX_PENDING = 5  # sign-ins started in other tabs that may still come back
log = logging.getLogger("opsg.sso")
bp = Blueprint("oidc", __name__, template_folder="templates")

# What a refusal page says, by reason. {provider} is OIDC_NAME.
WHY = {
    "no_role": "none of your groups at {provider} gives access to this dashboard.",
    "disabled": "your account on this dashboard is disabled.",
    "state": "this sign-in was used already, has expired, or was started in another browser.",
    "provider_error": "{provider} did not sign you in.",
    "token_exchange": "{provider} did not accept this dashboard's request for your sign-in.",
    "audience": "the sign-in {provider} returned was issued for another application.",
    "expired": "the sign-in {provider} returned had expired.",
    "nonce": "the sign-in {provider} returned does not belong to the one this browser started.",
    "issuer": "the sign-in came from another issuer than {provider}.",
    "signature": "the signature of the sign-in {provider} returned did not verify.",
    "id_token": "the sign-in {provider} returned could not be verified.",
    "provider_unreachable": "{provider} could not be reached.",
}


@dataclass
class SingleSignOn:
    config: sso.Config
    client: object  # Authlib's FlaskOAuth2App


def _sso() -> SingleSignOn:
    found = current_app.extensions.get("opsg_sso")
    if found is None:
        abort(404)
    return found


def _refuse(reason: str, status: int = 401, name: str = "", **detail):
    """Audit the refusal and show the page that says why and what to do."""
    state = _sso()
    config = state.config
    with get_context().store.write() as conn:
        audit(conn, name or "anonymous", "sign_in_refused", name, method="oidc", reason=reason,
              ip=_client_ip(), **detail)
    log.warning("single sign-on refused (%s) for %s: %s", reason, name or "unknown", detail)
    groups = sorted(config.role_map.items(), key=lambda item: (item[1], item[0]))
    ctx = get_context()
    return render_template(
        "oidc_refused.html", reason=reason, provider=config.name, name=name,
        why=WHY.get(reason, WHY["id_token"]).format(provider=config.name), role_groups=groups,
        error=detail.get("error_description") or detail.get("error") or "",
        classification=str(ctx.settings.classification or "").strip()), status


def _metadata(state: SingleSignOn) -> dict:
    """The provider's discovery document (fetched once per process), its issuer checked."""
    metadata = state.client.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != state.config.issuer:
        state.client.server_metadata.pop("_loaded_at", None)  # look again next time
        raise ValueError(f"the discovery document names issuer {metadata.get('issuer')!r}, "
                         f"not OIDC_ISSUER {state.config.issuer!r}")
    return metadata


@bp.route("/login/oidc")
def start():
    state = _sso()
    try:
        _metadata(state)
        flow = state.client.create_authorization_url(state.config.redirect_uri)
    except (requests.RequestException, ValueError) as exc:
        return _refuse("provider_unreachable", 502, error=str(exc)[:300])
    with get_context().store.write() as conn:
        sso.save_state(conn, flow["state"], {"nonce": flow["nonce"], "code_verifier": flow["code_verifier"],
                                            "next": safe_next(request.args.get("next"))}, now=clock())
    session[PENDING_KEY] = [*(session.get(PENDING_KEY) or [])[-(MAX_PENDING - 1):], flow["state"]]
    return redirect(flow["url"])


def _why_token_failed(exc: Exception) -> str:
    if isinstance(exc, ExpiredTokenError):
        return "expired"
    if isinstance(exc, ClaimError):
        return {"aud": "audience", "azp": "audience", "iss": "issuer", "nonce": "nonce",
                "exp": "expired"}.get(exc.claim, "id_token")
    if isinstance(exc, BadSignatureError):
        return "signature"
    return "id_token"


def _claims(state: SingleSignOn, token: dict, nonce: str) -> dict:
    """The ID token's claims, verified (signature, issuer, audience, expiry, nonce); the userinfo
    endpoint's added when the ID token does not carry the roles claim."""
    metadata = _metadata(state)
    options = {"iss": {"essential": True, "value": metadata["issuer"]},
               "aud": {"essential": True, "value": state.config.client_id}}
    claims = dict(state.client.parse_id_token(token, nonce=nonce, claims_options=options))
    if not sso.groups_in(claims, state.config.roles_claim) and metadata.get("userinfo_endpoint"):
        try:
            info = dict(state.client.userinfo(token=token))
        except (requests.RequestException, OAuthError, ValueError) as exc:
            log.warning("userinfo not read: %s", exc)
        else:
            if info.get("sub") == claims["sub"]:  # OIDC Core 5.3.2: otherwise it must not be used
                claims = {**info, **claims}
    return claims


@bp.route("/login/oidc/callback")
def callback():
    state = _sso()
    sent = request.args.get("state", "")
    pending = session.get(PENDING_KEY) or []
    ours = any(hmac.compare_digest(sent.encode(), str(p).encode()) for p in pending) if sent else False
    session[PENDING_KEY] = [p for p in pending if p != sent]
    with get_context().store.write() as conn:
        flow = sso.take_state(conn, sent, now=clock()) if ours else None
    if flow is None:
        return _refuse("state", 400, started_here=ours)
    if request.args.get("error") or not request.args.get("code"):
        return _refuse("provider_error", 401, error=request.args.get("error", "no code")[:100],
                       error_description=request.args.get("error_description", "")[:300])
    try:
        token = state.client.fetch_access_token(redirect_uri=state.config.redirect_uri,
                                                code=request.args["code"],
                                                code_verifier=flow["code_verifier"])
    except OAuthError as exc:
        return _refuse("token_exchange", 401, error=exc.error, error_description=str(exc.description or "")[:300])
    except requests.RequestException as exc:
        return _refuse("provider_unreachable", 502, error=str(exc)[:300])
    if "id_token" not in token:
        return _refuse("id_token", 401, error="the token response has no id_token")
    try:
        claims = _claims(state, token, flow["nonce"])
    except (JoseError, ValueError) as exc:
        return _refuse(_why_token_failed(exc), 401, error=str(exc)[:300])
    except requests.RequestException as exc:
        return _refuse("provider_unreachable", 502, error=str(exc)[:300])
    return _finish(state, claims, token["id_token"], flow["next"])


def _finish(state: SingleSignOn, claims: dict, id_token: str, next_path: str):
    """Sign the person in: account, role, a fresh server-side session; or the refusal page."""
    ctx, ip = get_context(), _client_ip()
    refused = None
    with ctx.store.write() as conn:
        try:
            outcome = sso.sign_in(conn, state.config, claims, ip=ip)
        except sso.Refused as exc:
            refused = exc
        else:
            sessions.end_key(conn, session.get(SESSION_KEY))  # signing in again replaces a session
            key = sessions.create(conn, outcome.user.id, sessions.Limits.from_settings(ctx.settings), ip=ip,
                                  user_agent=request.user_agent.string, now=clock(), id_token=id_token)
            extra = {"created": True} if outcome.created else {}
            if outcome.previous_role:
                extra["previous_role"] = outcome.previous_role
            audit(conn, outcome.user.name, "sign_in", outcome.user.name, ip=ip, method="oidc",
                  issuer=state.config.issuer, sub=str(claims["sub"]), role=outcome.user.role,
                  groups=sso.groups_in(claims, state.config.roles_claim)[:50], **extra)
    if refused is not None:
        detail = dict(refused.detail)
        return _refuse(refused.reason, refused.status, name=detail.pop("name", ""),
                       sub=str(claims["sub"]), **detail)
    pending = session.get(PENDING_KEY)
    session.clear()  # a fresh session (and CSRF token) for the signed-in user
    if pending:
        session[PENDING_KEY] = pending
    login_user(SessionUser(outcome.user))
    session[SESSION_KEY] = key
    return redirect(next_path)


@bp.route("/login/oidc/signed-out")
def signed_out():
    """Where the provider sends the browser back after its own sign-out."""
    return redirect("/login?signed_out=1")


def provider_sign_out_url(id_token: str | None) -> str | None:
    """The provider's end-session address for RP-initiated logout, or None when there is none (no
    single sign-on session, a provider without end_session_endpoint, or one that cannot be reached:
    the local session ends all the same)."""
    state = current_app.extensions.get("opsg_sso")
    if state is None or not id_token:
        return None
    try:
        if not _metadata(state).get("end_session_endpoint"):
            return None
        return state.client.create_logout_url(
            post_logout_redirect_uri=state.config.post_logout_redirect_uri, id_token_hint=id_token,
            client_id=state.config.client_id)["url"]
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        log.warning("provider sign-out skipped: %s", exc)
        return None


def install(app) -> None:
    """The single sign-on routes on ``app``'s server when OIDC_ISSUER is set (bad settings stop the
    start with a message naming them)."""
    server = app.server
    settings = server.extensions["opsg"].settings
    try:
        config = sso.Config.from_settings(settings)
    except ValueError as exc:
        from dashboard.web.security import refuse_to_start

        refuse_to_start(str(exc))
    if not config.enabled:
        return
    oauth = OAuth(server)
    client = oauth.register(
        "oidc", client_id=config.client_id, client_secret=config.client_secret,
        server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": config.scopes, "code_challenge_method": "S256", "default_timeout": 15})
    server.extensions["opsg_sso"] = SingleSignOn(config, client)
    issuer = urlsplit(config.issuer)
    # The Sign out form's redirect goes on to the provider's end-session page (Chromium applies
    # form-action to the redirects after a form, too).
    server.config["OPSG_FORM_ACTION"] = [f"{issuer.scheme}://{issuer.netloc}"]
    server.register_blueprint(bp)
