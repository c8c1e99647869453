// A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider
// (OpenID Certified), configured as an organisation's sign-in would be for this site: one
// confidential client, the authorization code flow with PKCE, discovery, signed ID tokens
// and the userinfo endpoint.
//
// Started by tests/oidc/fixtures.py, never in production. Configuration from the environment:
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI  the one client
//   OIDC_ACCOUNTS  a JSON file {"accounts": [{"sub", "email", "email_verified", "name"}]},
//                  read again on every sign-in, so a test can add people as it goes
// It listens on a free loopback port and prints its issuer URL on a line `ISSUER <url>`.
// (oidc-provider 9 prefers Node 22 and warns on Node 20, on which it runs.)
//
// The people sign in on a plain page of this script (their e-mail address, no password: the
// provider's own authentication is not what the tests are about); consent is given for the
// client, as an organisation does for its own applications.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, OIDC_ACCOUNTS } = process.env;
for (const [name, value] of Object.entries({
  OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, OIDC_ACCOUNTS,
})) {
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
}

function accounts() {
  return JSON.parse(readFileSync(OIDC_ACCOUNTS, 'utf8')).accounts;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, error = '') {
  // No scripts, no styles, no favicon request: a page the browser tests can drive.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to Example Trust</title>
<link rel="icon" href="data:,"></head>
<body><main>
<h1>Sign in to Example Trust</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Work e-mail address</label>
<input id="login" name="login" type="email" autocomplete="username">
<button type="submit">Continue</button>
</form>
</main></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const provider = new Provider(issuer, {
    clients: [{
      client_id: OIDC_CLIENT_ID,
      client_secret: OIDC_CLIENT_SECRET,
      redirect_uris: [OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // PKCE for every client, the confidential one included.
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = accounts().find((a) => a.sub === sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account }) };
    },
    // The organisation's own application: consent is given once, for the scopes it asks.
    async loadExistingGrant(ctx) {
      const { client, session, result } = ctx.oidc;
      const grantId = result?.consent?.grantId || session.grantIdFor(client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });

  provider.use(async (ctx, next) => {
    const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!match) return next();
    ctx.set('Cache-Control', 'no-store');
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name !== 'login') {
      // Consent is given by loadExistingGrant: nothing else to ask.
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, {}, { mergeWithLastSubmission: true });
      return ctx.redirect(returnTo);
    }
    if (ctx.method === 'GET' && !match[2]) {
      ctx.type = 'html';
      ctx.body = loginPage(details.uid);
      return undefined;
    }
    if (ctx.method === 'POST' && match[2]) {
      const email = ((await readForm(ctx.req)).get('login') || '').trim().toLowerCase();
      const account = accounts().find((a) => a.email.toLowerCase() === email);
      if (!account) {
        ctx.type = 'html';
        ctx.status = 400;
        ctx.body = loginPage(details.uid, 'No account with that address at Example Trust');
        return undefined;
      }
      const returnTo = await provider.interactionResult(
        ctx.req, ctx.res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false },
      );
      ctx.status = 303;
      return ctx.redirect(returnTo);
    }
    return ctx.throw(405);
  });

  server.on('request', provider.callback());
  console.log(`ISSUER ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
