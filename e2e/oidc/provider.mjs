// A real OpenID Connect provider for the single sign-on tests: npm's `oidc-provider` (an OpenID-certified
// implementation), with one confidential client and a few people who sign in with a password on its own
// page. Banyan's tests start it, point Banyan at its issuer URL and go through the whole authorization-code
// flow with PKCE. Settings from the environment:
//   PORT           port to listen on (0: any free one)
//   CLIENT_ID, CLIENT_SECRET, REDIRECT_URI   the Banyan client
//   ACCOUNTS       JSON: [{"sub","username","password","name","email","groups":[..],"branch"}]
// Prints "ready <issuer>" once it listens.
import Provider from 'oidc-provider';
import crypto from 'node:crypto';
import http from 'node:http';

const accounts = JSON.parse(process.env.ACCOUNTS || '[]');
const bySub = new Map(accounts.map((a) => [a.sub, a]));
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

const server = http.createServer();
await new Promise((ok) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', ok));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'groups', 'branch'],
    email: ['email'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const a = bySub.get(sub);
    if (!a) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          name: a.name,
          preferred_username: a.username,
          email: a.email,
          groups: a.groups || [],
          branch: a.branch,
        };
      },
    };
  },
  // The bank's own client: consent is implied (a first-party application), so no consent page.
  async loadExistingGrant(ctx) {
    const found = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (found) return ctx.oidc.provider.Grant.find(found);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
});

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
function loginPage(uid, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bank sign-in</title></head>
<body><main><h1>Bank identity provider</h1>${error ? `<p id="idp-error">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
<label>Username <input name="login" id="idp-login" autocomplete="username"></label>
<label>Password <input name="password" id="idp-password" type="password"></label>
<button type="submit" id="idp-submit">Sign in</button></form></main></body></html>`;
}

const koaCallback = provider.callback();
server.on('request', async (req, res) => {
  const m = req.url.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!m) return koaCallback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(loginPage(details.uid));
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const a = accounts.find((x) => x.username === form.get('login'));
    if (!a || a.password !== form.get('password')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(loginPage(details.uid, 'Wrong username or password'));
    }
    await provider.interactionFinished(req, res, { login: { accountId: a.sub } }, { mergeWithLastSubmission: false });
  } catch (e) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(e));
  }
});

// The one who started it may stop reading once it is ready: the provider's later notices must not end it.
process.stdout.on('error', () => {});
process.stdout.write(`ready ${issuer}\n`);
