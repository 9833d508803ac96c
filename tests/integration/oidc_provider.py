"""A real OpenID Connect provider for the single sign-on tests: Node's oidc-provider (pinned in
tests/oidc/package.json), started once per test module on a free port, plus a person's browser at the
HTTP level (requests for the provider, Flask's test client for the dashboard).

Without node and npm the tests skip with a message saying what to install, unless REQUIRE_SERVICES=1
says they must run. ``npm ci`` installs the provider from the lock file when node_modules is missing.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit, urlencode

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID, CLIENT_SECRET = "opsg-dashboard", "opsg-test-client-secret"
ROLE_MAP = "opsg-admins=admin,opsg-dcc=uploader,opsg-members=viewer"
RP = "http://rp.test"  # the dashboard's BASE_URL in HTTP-level tests: nobody fetches it, the test client is it


def require_node() -> None:
    if shutil.which("node") and shutil.which("npm"):
        return
    message = ("single sign-on tests need Node.js and npm to run oidc-provider "
               "(apt-get install -y nodejs npm)")
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message + " — REQUIRE_SERVICES=1 says they must run")
    pytest.skip(message)


class IdentityProvider:
    """tests/oidc/provider.mjs as a child process; ``issuer`` is its address."""

    def __init__(self):
        require_node()
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, check=True,
                           capture_output=True, timeout=600)
        self.process = subprocess.Popen(["node", "provider.mjs"], cwd=PROVIDER_DIR, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the test identity provider did not start: " + self.process.stderr.read())
        self.issuer = json.loads(line)["issuer"]

    def _call(self, path: str, payload: dict | None = None) -> dict:
        response = requests.post(f"{self.issuer}/__test/{path}", json=payload or {}, timeout=10)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._call("reset")

    def set_groups(self, login: str, groups: list[str]) -> None:
        self._call(f"accounts/{login}", {"groups": groups})

    def rotate_keys(self) -> str:
        return self._call("rotate-keys")["kid"]

    def tamper_next_id_token(self, **change) -> None:
        self._call("next-id-token", change)

    def stats(self) -> dict:
        return requests.get(f"{self.issuer}/__test/stats", timeout=10).json()["stats"]

    def settings(self, **more) -> dict:
        """The dashboard's settings for this provider."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "OIDC_NAME": "Test IdP", "OIDC_SCOPES": "openid profile email groups",
                "OIDC_ROLE_MAP": ROLE_MAP, "BASE_URL": RP, **more}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()


@pytest.fixture(scope="module")
def identity_provider():
    provider = IdentityProvider()
    yield provider
    provider.stop()


@pytest.fixture
def idp(identity_provider):
    """The provider with its accounts as written in provider.mjs and nothing tampered."""
    identity_provider.reset()
    yield identity_provider
    identity_provider.reset()


@dataclass
class Flow:
    callback: str  # the callback path and query the provider sent the browser to
    response: object  # the dashboard's answer to it (Flask test response)


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def follow(agent: requests.Session, response, stop_at: str = RP):
    """Follow the provider's redirects until one leaves for the dashboard (returned as a URL) or a page."""
    while response.is_redirect:
        target = urljoin(response.url, response.headers["Location"])
        if target.startswith(stop_at):
            return target
        response = agent.get(target, allow_redirects=False, timeout=10)
    return response


def provider_login(agent: requests.Session, page, login: str, password: str | None = None):
    """Fill in the provider's sign-in form on ``page``; returns where the provider sends the browser."""
    action = re.search(r'action="([^"]+)"', page.text).group(1)
    response = agent.post(urljoin(page.url, action), data={"login": login, "password": password or f"{login}-password"},
                          allow_redirects=False, timeout=10)
    return follow(agent, response)


def sso_sign_in(client, login: str, *, agent: requests.Session | None = None, next_path: str = "",
                authorize=lambda url: url) -> Flow:
    """Sign in as ``login`` at the provider through the dashboard's /login/oidc, as a browser would.
    ``authorize`` may change the authorisation request on its way to the provider (tampering)."""
    agent = agent or requests.Session()
    start = client.get("/login/oidc" + (f"?next={next_path}" if next_path else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    landed = follow(agent, agent.get(authorize(start.location), allow_redirects=False, timeout=10))
    if not isinstance(landed, str):  # the provider asks who you are (no session there yet)
        landed = provider_login(agent, landed, login)
    assert isinstance(landed, str) and landed.startswith(RP + "/login/oidc/callback"), landed
    parts = urlsplit(landed)
    callback = f"{parts.path}?{parts.query}"
    return Flow(callback, client.get(callback))
