"""A real OpenID Connect provider process for the single sign-on tests (provider.mjs beside
this file), and the settings that point the site at it.

The provider is the npm package oidc-provider (a devDependency in package.json, installed
by `npm ci`): a missing Node or package fails the tests, it never skips them.
"""

import json
import os
import shutil
import subprocess  # nosec B404  # starts the test provider, a fixed command
import threading
from pathlib import Path

import pytest
import requests
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
PROVIDER_ID = "example-trust"
PROVIDER_NAME = "Example Trust"
CLIENT_ID = "cop-platform"
CLIENT_SECRET = "a-client-secret-for-tests-only"  # nosec B105  # the test provider's client


class OIDCProvider:
    """The provider process. `add_account` makes a person known to it (read again at each
    sign-in); `issuer` is its base URL, `app` the site's setting for it."""

    def __init__(self, *, site_url, workdir, trust_email=False):
        self.site_url = site_url.rstrip("/")
        self.redirect_uri = f"{self.site_url}/accounts/oidc/{PROVIDER_ID}/login/callback/"
        self.accounts_file = Path(workdir) / "oidc-accounts.json"
        self.accounts = []
        self.trust_email = trust_email
        self._write()
        self.log = []
        self.process = None
        self.issuer = None

    def _write(self):
        self.accounts_file.write_text(json.dumps({"accounts": self.accounts}))

    def add_account(self, *, sub, email, name, email_verified=True):
        self.accounts.append(
            {"sub": sub, "email": email, "email_verified": email_verified, "name": name}
        )
        self._write()

    def start(self):
        node = shutil.which("node")
        if node is None:
            pytest.fail("Node.js is missing: the single sign-on tests run a real provider on it")
        if not (ROOT / "node_modules" / "oidc-provider").exists():
            pytest.fail("node_modules/oidc-provider is missing: run `npm ci`")
        env = {
            **os.environ,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_REDIRECT_URI": self.redirect_uri,
            "OIDC_ACCOUNTS": str(self.accounts_file),
        }
        self.process = subprocess.Popen(  # nosec B603  # node and our own script
            [node, str(SCRIPT)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Its warnings (a development key store, the runtime) come first, then its issuer.
        for line in self.process.stdout:
            self.log.append(line.rstrip())
            if line.startswith("ISSUER "):
                self.issuer = line.split()[1]
                break
        if self.issuer is None:
            self.stop()
            log = "\n".join(self.log)
            pytest.fail(f"The OpenID Connect provider did not start:\n{log}")
        # Keep reading its output (warnings, errors) so the pipe never fills.
        threading.Thread(target=self._drain, daemon=True).start()
        config = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5)
        config.raise_for_status()
        return self

    def _drain(self):
        for line in self.process.stdout:
            self.log.append(line.rstrip())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def app(self):
        """The site's SOCIALACCOUNT_PROVIDERS entry, as settings.py builds it from OIDC_*."""
        return {
            "provider_id": PROVIDER_ID,
            "name": PROVIDER_NAME,
            "client_id": CLIENT_ID,
            "secret": CLIENT_SECRET,
            "settings": {
                "server_url": self.issuer,
                "oauth_pkce_enabled": True,
                "fetch_userinfo": True,
            },
        }

    def configure(self, settings):
        """Point the site at this provider (as OIDC_SERVER_URL and friends would)."""
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [self.app]}}
        settings.OIDC_TRUST_EMAIL = self.trust_email
        directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
        directives["form-action"] = [*directives["form-action"], self.issuer]
        settings.CONTENT_SECURITY_POLICY = {
            **settings.CONTENT_SECURITY_POLICY,
            "DIRECTIVES": directives,
        }


def start_provider(settings, *, site_url, workdir, trust_email=False):
    provider = OIDCProvider(site_url=site_url, workdir=workdir, trust_email=trust_email).start()
    provider.configure(settings)
    return provider


def sign_in_at_provider(client, provider, *, email, session=None, process="login", next_url=""):
    """The whole single sign-on at the level of HTTP: the site (Django's test client) sends
    the person to the provider, they sign in there as `email` (a requests session is their
    browser at the provider: it keeps the provider's cookies), and the provider sends them
    back to the site. Returns the site's answer to that return."""
    session = session or requests.Session()
    start = reverse("openid_connect_login", kwargs={"provider_id": PROVIDER_ID})
    data = {"process": process, **({"next": next_url} if next_url else {})}
    response = client.post(start, data)
    assert response.status_code == 302, response
    url = response.url
    assert url.startswith(provider.issuer), url
    for _ in range(10):
        answer = session.get(url, allow_redirects=False, timeout=5)
        if answer.status_code == 200 and "/interaction/" in url:  # the provider's sign-in page
            answer = session.post(
                f"{url}/login", data={"login": email}, allow_redirects=False, timeout=5
            )
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
        url = requests.compat.urljoin(url, answer.headers["Location"])
        if url.startswith(provider.redirect_uri):
            return client.get(url.removeprefix(provider.site_url))
    raise AssertionError(f"the provider never sent the person back: {url}")
