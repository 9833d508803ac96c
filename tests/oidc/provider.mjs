// The identity provider the single sign-on tests start: Node's oidc-provider (pinned in
// package.json) with test accounts and groups, on a free port of 127.0.0.1.
//
//   node provider.mjs            listens on a port the kernel picks, prints {"issuer": ...} on stdout
//
// Clients: opsg-dashboard (the dashboard under test) and other-app (another application of the same
// provider). Both may return to any 127.0.0.1 port, and to http://rp.test (HTTP-level tests that
// never fetch the callback themselves).
//
// The tests steer it through /__test/ (JSON):
//   POST /__test/reset                 accounts back to their groups below, nothing tampered, counts 0
//   POST /__test/accounts/<login>      {"groups": [...]} changes a person's groups
//   POST /__test/rotate-keys           signs with a new key (new kid) from now on; the JWKS has only it
//   POST /__test/next-id-token         {"aud", "azp", "expired": true} re-signs the next ID token the
//                                      token endpoint returns, with the provider's own key
//   GET  /__test/stats                 how often discovery, JWKS, token and end-session were asked
import crypto from 'node:crypto';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const SECRET = 'opsg-test-client-secret';
const PEOPLE = {
  alice: { sub: 'a1f4c2e0-0001', name: 'Alice Admin', groups: ['opsg-admins', 'opsg-members'] },
  bob: { sub: 'b2e5d3f1-0002', name: 'Bob DCC', groups: ['opsg-dcc'] },
  carol: { sub: 'c3d6e4a2-0003', name: 'Carol Member', groups: ['opsg-members'] },
  dave: { sub: 'd4c7f5b3-0004', name: 'Dave Finance', groups: ['finance'] },
  admin: { sub: 'e5b8a6c4-0005', name: 'Someone called admin', groups: ['opsg-members'] },
};
const PASSWORD = (login) => `${login}-password`;

let people;
let stats;
let tamper;
let signingKey;
let current;

function reset() {
  people = Object.fromEntries(Object.entries(PEOPLE).map(([k, v]) => [k, { ...v, groups: [...v.groups] }]));
  stats = { discovery: 0, jwks: 0, token: 0, end_session: 0, end_session_confirmed: 0 };
  tamper = null;
}

async function newKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

const loopback = /^http:\/\/127\.0\.0\.1:\d+(\/.*)$/;
function allowed(value, registered) {
  if (registered.includes(value)) return true;
  const path = value.match(loopback)?.[1];
  return Boolean(path) && registered.some((uri) => uri.match(loopback)?.[1] === path);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"></head>
<body style="font-family: sans-serif; max-width: 28rem; margin: 3rem auto">${body}</body></html>`;
}

function build(issuer) {
  const client = (id) => ({
    client_id: id,
    client_secret: SECRET,
    redirect_uris: ['http://127.0.0.1:1/login/oidc/callback', 'http://rp.test/login/oidc/callback'],
    post_logout_redirect_uris: ['http://127.0.0.1:1/login/oidc/signed-out', 'http://rp.test/login/oidc/signed-out'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  });
  const provider = new Provider(issuer, {
    clients: [client('opsg-dashboard'), client('other-app')],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['opsg-test-cookie-key'] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false, // the groups go into the ID token, as Entra ID and Keycloak do
    findAccount: async (ctx, sub) => {
      const [login, person] = Object.entries(people).find(([, p]) => p.sub === sub) || [];
      if (!person) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub, name: person.name, preferred_username: login, email: `${login}@example.org`,
          email_verified: true, groups: person.groups,
        }),
      };
    },
    async loadExistingGrant(ctx) { // first-party clients: no consent screen
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile email groups');
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => { // confirm at once, as providers do given an id_token_hint
          ctx.body = page('Signing out', `${form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')}
<p>Signing out…</p><script>document.getElementById('op.logoutForm').submit()</script>`);
        },
        postLogoutSuccessSource: async (ctx) => { ctx.body = page('Signed out', '<h1>Signed out</h1>'); },
      },
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1 id="op-error">${out.error}</h1><p>${out.error_description || ''}</p>`);
    },
  });
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return allowed(value, this.redirectUris);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
    return allowed(value, this.postLogoutRedirectUris);
  };
  return provider;
}

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

function send(res, status, type, text) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(text);
}

async function interaction(req, res, uid) {
  const details = await current.interactionDetails(req, res);
  if (req.method === 'GET') {
    const error = details.lastSubmission?.error ? '<p id="op-login-error">Wrong user name or password.</p>' : '';
    return send(res, 200, 'text/html', page('Sign in to the test provider', `<h1>Test identity provider</h1>${error}
<form method="post" action="/interaction/${uid}" id="op-login">
<p><label>User name <input name="login" id="op-username" autocomplete="username"></label></p>
<p><label>Password <input name="password" type="password" id="op-password" autocomplete="current-password"></label></p>
<p><button type="submit" id="op-submit">Sign in</button></p></form>`));
  }
  const form = new URLSearchParams(await body(req));
  const login = form.get('login');
  const person = people[login];
  if (!person || form.get('password') !== PASSWORD(login)) {
    res.statusCode = 303;
    res.setHeader('Location', `/interaction/${uid}?failed=1`);
    return res.end();
  }
  return current.interactionFinished(req, res, { login: { accountId: person.sub } }, { mergeWithLastSubmission: false });
}

async function tamperTokenResponse(req, res) {
  // Re-sign the next ID token with the provider's own key, changed as the test asked.
  const original = { write: res.write.bind(res), end: res.end.bind(res), setHeader: res.setHeader.bind(res) };
  const change = tamper;
  tamper = null;
  const chunks = [];
  res.setHeader = (name, value) => (name.toLowerCase() === 'content-length' ? undefined : original.setHeader(name, value));
  res.write = (chunk) => { chunks.push(Buffer.from(chunk)); return true; };
  res.end = (chunk) => {
    if (chunk) chunks.push(Buffer.from(chunk));
    const text = Buffer.concat(chunks).toString();
    let out = text;
    try {
      const json = JSON.parse(text);
      if (json.id_token) {
        const claims = jose.decodeJwt(json.id_token);
        if (change.aud) { claims.aud = change.aud; delete claims.azp; }
        if (change.azp) claims.azp = change.azp;
        if (change.expired) { claims.iat -= 7200; claims.exp = claims.iat + 3600; }
        jose.importJWK(signingKey, 'RS256').then(async (key) => {
          json.id_token = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signingKey.kid, typ: 'JWT' }).sign(key);
          out = JSON.stringify(json);
          original.end(out);
        });
        return res;
      }
    } catch { /* not JSON: leave it */ }
    original.end(out);
    return res;
  };
}

async function main() {
  reset();
  signingKey = await newKey();
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      if (url.pathname.startsWith('/__test/')) {
        const input = req.method === 'POST' ? JSON.parse((await body(req)) || '{}') : {};
        const [, , what, who] = url.pathname.split('/');
        if (what === 'reset') reset();
        else if (what === 'accounts' && people[who]) people[who].groups = input.groups;
        else if (what === 'rotate-keys') { signingKey = await newKey(); current = build(issuer); }
        else if (what === 'next-id-token') tamper = input;
        else if (what !== 'stats') return send(res, 404, 'application/json', '{"error": "unknown"}');
        return send(res, 200, 'application/json', JSON.stringify({ stats, kid: signingKey.kid }));
      }
      const interactionPath = url.pathname.match(/^\/interaction\/([^/]+)$/);
      if (interactionPath) return await interaction(req, res, interactionPath[1]);
      if (url.pathname === '/.well-known/openid-configuration') stats.discovery += 1;
      if (url.pathname === '/jwks') stats.jwks += 1;
      if (url.pathname === '/session/end') stats.end_session += 1;
      if (url.pathname === '/session/end/confirm') stats.end_session_confirmed += 1;
      if (url.pathname === '/token') {
        stats.token += 1;
        if (tamper) await tamperTokenResponse(req, res);
      }
      return current.callback()(req, res);
    } catch (err) {
      return send(res, 500, 'text/plain', String(err?.stack || err));
    }
  });
  let issuer;
  server.listen(0, '127.0.0.1', () => {
    issuer = `http://127.0.0.1:${server.address().port}`;
    current = build(issuer);
    process.stdout.write(`${JSON.stringify({ issuer })}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
