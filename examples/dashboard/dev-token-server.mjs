#!/usr/bin/env node
/**
 * DEVELOPMENT ONLY — a stand-in for Clerk's "tinybird" JWT template, so the dashboard can be used
 * (and tested) without reaching Clerk. It signs tokens with the Perch ADMIN TOKEN: anyone who can
 * call it gets a token for any demo user. Never run it where others can reach it.
 *
 *   PERCH_ADMIN_TOKEN=… PERCH_WORKSPACE_ID=… PERCH_URL=http://127.0.0.1:7181 \
 *     node dev-token-server.mjs [--port 5174] [--host 127.0.0.1] [--static dist]
 *
 * It listens on loopback only, unless --i-know-this-is-for-development is also given.
 *
 * Routes
 *   GET  /api/users                 demo users and their organizations (users.json)
 *   POST /api/token {userId, orgId} a JWT exactly like Clerk's template output: the template's claims
 *                                   (jwt-template.json) with shortcodes resolved — {{user.id}},
 *                                   {{org.id}}, {{org.slug}}, {{org.role}}, {{user.public_metadata.*}} …;
 *                                   missing values become JSON null (no active org → organization_id
 *                                   null, which Perch refuses with 403) — plus Clerk's own claims
 *                                   iss, sub, azp, iat, nbf, exp (60 s), jti; HS256, key = admin token.
 *   GET  /config.json               {perchUrl} for the app
 *   GET  /*                         the built app (with --static DIR)
 *
 * Environment: PERCH_ADMIN_TOKEN, PERCH_WORKSPACE_ID (required), PERCH_URL (default
 * http://127.0.0.1:7181), DEV_TOKEN_TTL_SECONDS (default 60, like Clerk), DEV_TOKEN_ISSUER,
 * DEV_USERS_FILE, DEV_TEMPLATE_FILE.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};

const adminToken = process.env.PERCH_ADMIN_TOKEN;
const workspaceId = process.env.PERCH_WORKSPACE_ID;
if (!adminToken || !workspaceId) {
  console.error('dev-token-server: PERCH_ADMIN_TOKEN and PERCH_WORKSPACE_ID must be set');
  process.exit(2);
}
const port = Number(arg('--port', process.env.PORT ?? '5174'));
const host = arg('--host', '127.0.0.1');
const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
if (!loopback && !args.includes('--i-know-this-is-for-development')) {
  console.error(`dev-token-server: refusing to listen on ${host}: it hands out tokens signed with the admin token to anyone.`);
  console.error('dev-token-server: use a loopback address, or add --i-know-this-is-for-development.');
  process.exit(2);
}
const staticDir = arg('--static', process.env.STATIC_DIR ?? '') ? resolve(arg('--static', process.env.STATIC_DIR ?? '')) : '';
const perchUrl = process.env.PERCH_URL ?? 'http://127.0.0.1:7181';
const ttl = Number(process.env.DEV_TOKEN_TTL_SECONDS ?? '60');
const directory = JSON.parse(readFileSync(process.env.DEV_USERS_FILE ?? join(here, 'users.json'), 'utf8'));
const template = JSON.parse(readFileSync(process.env.DEV_TEMPLATE_FILE ?? join(here, 'jwt-template.json'), 'utf8'));

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function sign(payload, key) {
  const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

function lookup(context, path) {
  let value = context;
  for (const part of path.split('.')) {
    if (value === null || value === undefined || typeof value !== 'object') return null;
    value = value[part];
  }
  return value === undefined ? null : value;
}

/** Resolves Clerk shortcodes: a string that is exactly one shortcode keeps the value's JSON type. */
export function resolveTemplate(node, context) {
  if (Array.isArray(node)) return node.map((item) => resolveTemplate(item, context));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveTemplate(v, context)]));
  }
  if (typeof node !== 'string') return node;
  const whole = /^\{\{\s*([\w.]+)\s*\}\}$/.exec(node);
  if (whole) return lookup(context, whole[1]);
  return node.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path) => {
    const value = lookup(context, path);
    return value === null ? 'null' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}

function mint(userId, orgId, origin) {
  const user = directory.users.find((u) => u.id === userId);
  if (!user) return { status: 404, body: { error: `unknown user '${userId}'` } };
  let org = null;
  if (orgId) {
    const membership = user.memberships.find((m) => m.org === orgId);
    if (!membership) return { status: 403, body: { error: `user '${userId}' is not a member of '${orgId}'` } };
    const found = directory.organizations.find((o) => o.id === orgId);
    org = { ...found, role: membership.role };
  }
  const { memberships, ...publicUser } = user;
  const context = { user: publicUser, org, env: { PERCH_WORKSPACE_ID: workspaceId } };
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    ...resolveTemplate(template, context),
    // Clerk's own claims (they win over template keys of the same name).
    azp: origin ?? 'http://localhost:5173',
    exp: now + ttl,
    iat: now,
    iss: process.env.DEV_TOKEN_ISSUER ?? `http://${host}:${server.address()?.port ?? port}`,
    jti: randomBytes(10).toString('hex'),
    nbf: now - 10,
    sub: user.id,
  };
  return { status: 200, body: { token: sign(claims, adminToken), expires_at: claims.exp } };
}

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.map': 'application/json' };

function send(res, status, body, headers = {}) {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(data);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://local');
  if (url.pathname === '/api/users' && req.method === 'GET') {
    return send(res, 200, {
      organizations: directory.organizations,
      users: directory.users.map(({ id, first_name, last_name, email, memberships }) => ({ id, first_name, last_name, email, memberships })),
    });
  }
  if (url.pathname === '/api/token' && req.method === 'POST') {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
      if (raw.length > 4096) req.destroy();
    });
    req.on('end', () => {
      let body;
      try {
        body = JSON.parse(raw || '{}');
      } catch {
        return send(res, 400, { error: 'body must be JSON' });
      }
      const result = mint(String(body.userId ?? ''), body.orgId ? String(body.orgId) : null, req.headers.origin);
      send(res, result.status, result.body);
    });
    return;
  }
  if (url.pathname === '/config.json') {
    // DEV_AUTH_URL (e.g. http://127.0.0.1:7181/v0/dev-auth) points the app at Perch's built-in
    // development issuer (`perch serve --dev-auth examples/dashboard`) instead of /api here.
    return send(res, 200, { perchUrl, devTokenServer: true, ...(process.env.DEV_AUTH_URL ? { devAuthUrl: process.env.DEV_AUTH_URL } : {}) });
  }
  if (staticDir && req.method === 'GET') {
    let file = normalize(join(staticDir, decodeURIComponent(url.pathname)));
    if (!file.startsWith(staticDir)) return send(res, 403, { error: 'forbidden' });
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticDir, 'index.html');
    if (existsSync(file)) return send(res, 200, readFileSync(file), { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
  }
  send(res, 404, { error: 'not found' });
});

server.listen(port, host, () => {
  const { port: actual } = server.address();
  console.log(`dev-token-server: DEVELOPMENT ONLY — signs Clerk-style tokens with the Perch admin token`);
  console.log(`dev-token-server: listening on http://${host}:${actual} (Perch at ${perchUrl}${staticDir ? `, serving ${staticDir}` : ''})`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
