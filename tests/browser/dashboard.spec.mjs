/**
 * Browser end-to-end test of examples/dashboard in Debian's Chromium (playwright-core).
 *
 * Starts a real Perch (build/perch or $PERCH_BINARY) with examples/demo, loads the deterministic demo
 * events, starts examples/dashboard/dev-token-server.mjs serving the built app (examples/dashboard/dist,
 * built by run-tests.sh), and checks what a person sees: each organization's own numbers, the 403
 * for a user without an organization, the tamper and rate-limit demos, and token renewal.
 *
 *   node --test dashboard.spec.mjs     (after run-tests.sh has built the app once)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DASHBOARD = join(ROOT, 'examples', 'dashboard');
const SCREENSHOTS = join(ROOT, 'build', 'screenshots');
const ADMIN_TOKEN = 'browser-e2e-admin-token-' + 'z'.repeat(32);
const WORKSPACE_ID = '5f0c3a4e-0000-4000-8000-0000000b0e2e';
const TOKEN_TTL = 16; // seconds: short, so the test sees tokens expire and get renewed
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const work = mkdtempSync(join(tmpdir(), 'perch-browser-'));
const children = [];
let perchUrl;
let generated = []; // the demo events as generated, to compute expectations without Perch
let appUrl;
let browser;
let page;

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

function start(name, command, args, env) {
  const log = openSync(join(work, `${name}.log`), 'w');
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  child.on('error', (error) => console.error(`${name}: ${error.message}`));
  children.push({ name, child });
  return child;
}

async function waitHttp(url, child, name) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited early:\n${readFileSync(join(work, `${name}.log`), 'utf8')}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function adminSql(query) {
  const response = await fetch(`${perchUrl}/v0/sql?q=${encodeURIComponent(query)}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.data;
}

/** The same numbers replayed from generate_events.py's output, independently of Perch. */
function replay(org, limit) {
  const mine = generated.filter((e) => e.organization_id === org);
  const days = new Map();
  const types = new Map();
  for (const e of mine) {
    const day = `${e.timestamp.slice(0, 10)} 00:00:00`;
    const d = days.get(day) ?? { day, total: 0, events: 0 };
    d.total += e.value;
    d.events += 1;
    days.set(day, d);
    const t = types.get(e.event_type) ?? { event_type: e.event_type, events: 0, users: new Set(), total: 0 };
    t.events += 1;
    t.users.add(e.user_id);
    t.total += e.value;
    types.set(e.event_type, t);
  }
  const daily = [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
  const top = [...types.values()]
    .sort((a, b) => b.events - a.events || (a.event_type < b.event_type ? -1 : 1))
    .slice(0, limit)
    .map((t) => ({ event_type: t.event_type, events: t.events, users: t.users.size, total: t.total }));
  return { daily, top };
}

/**
 * What the dashboard should show for an organization: computed with admin SQL over the raw data
 * source, and checked against a replay of the generated events.
 */
async function expected(org, limit = 5) {
  const daily = await adminSql(
    `SELECT toStartOfDay(timestamp) AS day, sum(some_number) AS total, count() AS events FROM app_events WHERE organization_id = '${org}' GROUP BY day ORDER BY day`,
  );
  const top = await adminSql(
    `SELECT event_type, count() AS events, uniq(user_id) AS users, sum(some_number) AS total FROM app_events WHERE organization_id = '${org}' GROUP BY event_type ORDER BY events DESC, event_type LIMIT ${limit}`,
  );
  assert.deepEqual({ daily, top }, replay(org, limit), `admin SQL and the replayed events agree for ${org}`);
  assert.ok(daily.length > 20 && top.length === limit);
  return { daily, top };
}

const readChart = () =>
  page.$$eval('[data-testid=bar]', (bars) => bars.map((b) => ({ day: b.dataset.day, total: Number(b.dataset.total), events: Number(b.dataset.events) })));
const readTop = () =>
  page.$$eval('[data-testid=top-row]', (rows) =>
    rows.map((r) => {
      const [event_type, events, users, total] = [...r.querySelectorAll('td')].map((td) => td.textContent);
      return { event_type, events: Number(events), users: Number(users), total: Number(total) };
    }),
  );

/** Waits until the chart and table show exactly `want`, then asserts it (for a readable diff). */
async function expectOrgOnScreen(want, label) {
  const wantDaily = JSON.stringify(want.daily);
  const wantTop = JSON.stringify(want.top);
  try {
    await page.waitForFunction(
      ([d, t]) => {
        const bars = [...document.querySelectorAll('[data-testid=bar]')].map((b) => ({ day: b.dataset.day, total: Number(b.dataset.total), events: Number(b.dataset.events) }));
        const rows = [...document.querySelectorAll('[data-testid=top-row]')].map((r) => {
          const [event_type, events, users, total] = [...r.querySelectorAll('td')].map((td) => td.textContent);
          return { event_type, events: Number(events), users: Number(users), total: Number(total) };
        });
        return JSON.stringify(bars) === d && JSON.stringify(rows) === t;
      },
      [wantDaily, wantTop],
      { timeout: 15_000 },
    );
  } catch {
    /* fall through to the assertions, which show the difference */
  }
  assert.deepEqual(await readChart(), want.daily, `${label}: chart`);
  assert.deepEqual(await readTop(), want.top, `${label}: top-N table`);
  const summary = await page.$eval('[data-testid=summary]', (s) => ({ total: Number(s.dataset.total), events: Number(s.dataset.events) }));
  assert.deepEqual(summary, {
    total: want.daily.reduce((a, r) => a + r.total, 0),
    events: want.daily.reduce((a, r) => a + r.events, 0),
  });
  assert.equal(await page.locator('[data-testid=error]').count(), 0, `${label}: no error shown`);
}

async function signIn(userId) {
  await page.selectOption('[data-testid=user-select]', userId);
  await page.waitForSelector(`[data-testid=signed-in][data-user="${userId}"]`);
}

async function tokenClaims() {
  const text = await page.textContent('[data-testid=jwt]');
  return JSON.parse(text);
}

async function screenshot(name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

before(async () => {
  const binary = process.env.PERCH_BINARY ?? join(ROOT, 'build', 'perch');
  assert.ok(existsSync(binary), `${binary} missing: build Perch first`);
  assert.ok(existsSync(join(DASHBOARD, 'dist', 'index.html')), 'examples/dashboard/dist missing: run tests/browser/run-tests.sh (it builds the app)');
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`);
  const copy = join(work, 'perch');
  copyFileSync(binary, copy); // a concurrent rebuild of build/perch must not swap it under the test
  const perchPort = await freePort();
  perchUrl = `http://127.0.0.1:${perchPort}`;
  const env = { PERCH_ADMIN_TOKEN: ADMIN_TOKEN, PERCH_WORKSPACE_ID: WORKSPACE_ID };
  // Tokens come from Perch's own development issuer (--dev-auth), the one the product ships.
  const perch = start('perch', copy, ['serve', '--project', join(ROOT, 'examples', 'demo'), '--data', join(work, 'data'), '--port', String(perchPort), '--quiet',
    '--dev-auth', DASHBOARD, '--dev-auth-ttl-seconds', String(TOKEN_TTL)], env);
  await waitHttp(`${perchUrl}/v0/health`, perch, 'perch');
  const events = execFileSync('python3', [join(ROOT, 'examples', 'demo', 'generate_events.py'), '--events', '5000'], { maxBuffer: 64 << 20 });
  const loaded = await fetch(`${perchUrl}/v0/events?name=app_events&wait=true`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, body: events });
  assert.deepEqual(await loaded.json(), { successful_rows: 5000, quarantined_rows: 0 });
  generated = events.toString('utf8').trim().split('\n').map((line) => JSON.parse(line));

  const appPort = await freePort();
  appUrl = `http://127.0.0.1:${appPort}`;
  const tokens = start('dev-token-server', process.execPath, [join(DASHBOARD, 'dev-token-server.mjs'), '--port', String(appPort), '--static', join(DASHBOARD, 'dist')], {
    ...env,
    PERCH_URL: perchUrl,
    DEV_AUTH_URL: `${perchUrl}/v0/dev-auth`,
    DEV_TOKEN_TTL_SECONDS: String(TOKEN_TTL),
  });
  await waitHttp(`${appUrl}/config.json`, tokens, 'dev-token-server');

  // A fresh, empty profile per run (Playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto(appUrl);
  await page.waitForSelector('[data-testid=user-select] option[value=user_alice]', { state: 'attached' });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  for (const { child } of children.reverse()) {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      let timer;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
  if (!process.env.PERCH_KEEP_DATA) rmSync(work, { recursive: true, force: true });
});

describe('dashboard in Chromium', () => {
  it('a user of org_1 sees exactly org_1 numbers, and a Clerk-shaped token', async () => {
    await signIn('user_alice');
    await expectOrgOnScreen(await expected('org_1'), 'alice/org_1');
    const claims = await tokenClaims();
    assert.equal(claims.sub, 'user_alice');
    assert.equal(claims.workspace_id, WORKSPACE_ID);
    assert.equal(claims.name, 'dashboard_user_alice');
    assert.equal(claims.org_slug, 'acme');
    assert.equal(claims.org_role, 'org:admin');
    assert.equal(claims.plan, 'pro');
    for (const k of ['iss', 'azp', 'jti']) assert.equal(typeof claims[k], 'string', k);
    assert.equal(claims.exp - claims.iat, TOKEN_TTL);
    assert.equal(claims.nbf, claims.iat - 10);
    assert.deepEqual(
      claims.scopes.map((s) => [s.type, s.resource, s.fixed_params.organization_id]),
      [
        ['PIPES:READ', 'my_api_endpoint', 'org_1'],
        ['PIPES:READ', 'top_event_types', 'org_1'],
      ],
    );
    await screenshot('dashboard-alice-org_1');
  });

  it('a user of several organizations sees org_2, then org_3 after switching', async () => {
    await signIn('user_bob');
    const org2 = await expected('org_2');
    await expectOrgOnScreen(org2, 'bob/org_2');
    await page.selectOption('[data-testid=org-select]', 'org_3');
    await page.waitForSelector('[data-testid=signed-in][data-org=org_3]');
    const org3 = await expected('org_3');
    assert.notDeepEqual(org3.daily, org2.daily);
    await expectOrgOnScreen(org3, 'bob/org_3');
    assert.equal((await tokenClaims()).scopes[0].fixed_params.organization_id, 'org_3');
    await screenshot('dashboard-bob-org_3');
  });

  it('changing the top-N limit refetches for the same organization', async () => {
    await page.selectOption('select[aria-label=limit]', '3');
    await expectOrgOnScreen(await expected('org_3', 3), 'bob/org_3 top 3');
    await page.selectOption('select[aria-label=limit]', '5');
  });

  it('a user without an organization sees the 403 message, not anybody’s data', async () => {
    await signIn('user_dave');
    await page.waitForSelector('[data-testid=error]');
    const errors = await page.$$eval('[data-testid=error]', (els) => els.map((e) => ({ status: e.dataset.status, text: e.textContent })));
    assert.ok(errors.length >= 2, 'both panels show the error');
    for (const e of errors) {
      assert.equal(e.status, '403');
      assert.match(e.text, /fixed parameter 'organization_id' has no value/);
    }
    assert.equal(await page.locator('[data-testid=bar]').count(), 0);
    assert.equal(await page.locator('[data-testid=top-row]').count(), 0);
    const claims = await tokenClaims();
    assert.equal(claims.scopes[0].fixed_params.organization_id, null);
    // Clerk writes JSON null for shortcodes without a value.
    assert.equal(claims.org_slug, null);
    assert.equal(claims.org_role, null);
    assert.equal(claims.plan, null);
    assert.equal(claims.sub, 'user_dave');
    await screenshot('dashboard-dave-no-org');
  });

  it('tampering with the URL returns the same data', async () => {
    await signIn('user_carol');
    await expectOrgOnScreen(await expected('org_4'), 'carol/org_4');
    await page.click('[data-testid=tamper]');
    const result = await page.waitForSelector('[data-testid=tamper-result]');
    assert.equal(await result.getAttribute('data-same'), 'true');
    assert.match(await result.textContent(), /Same data/);
  });

  it('hitting the rate limit shows the retry message, and every request is answered', async () => {
    await page.click('[data-testid=hit-rate-limit]');
    await page.waitForSelector('[data-testid=ratelimit-log] li', { timeout: 10_000 });
    assert.match(await page.textContent('[data-testid=ratelimit-log]'), /429, Retry-After \d+ s .*retrying/);
    const result = await page.waitForSelector('[data-testid=ratelimit-result]', { timeout: 20_000 });
    assert.equal(await result.getAttribute('data-ok'), '15');
    assert.equal(await result.getAttribute('data-failed'), '0');
    assert.ok(Number(await result.getAttribute('data-retries')) > 0);
    await screenshot('dashboard-rate-limit');
  });

  it('tokens that expire during the session are renewed without a visible error', async () => {
    await signIn('user_alice');
    const want = await expected('org_1');
    await expectOrgOnScreen(want, 'alice again');
    const first = await tokenClaims();
    const firstToken = await page.evaluate(async (devAuth) => {
      const r = await fetch(`${devAuth}/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId: 'user_alice', orgId: 'org_1' }) });
      return (await r.json()).token;
    }, `${perchUrl}/v0/dev-auth`);
    const firstTokenExp = JSON.parse(Buffer.from(firstToken.split('.')[1], 'base64url').toString('utf8')).exp;
    // Wait past both tokens' expiry plus Perch's clock-skew leeway (5 s).
    const waitMs = (Math.max(first.exp, firstTokenExp) + 6) * 1000 - Date.now();
    await page.waitForTimeout(Math.max(0, waitMs));
    const expiredAnswer = await fetch(`${perchUrl}/v0/pipes/my_api_endpoint.json`, { headers: { Authorization: `Bearer ${firstToken}` } });
    assert.equal(expiredAnswer.status, 403, 'a token of that age is expired');
    const renewed = await tokenClaims();
    assert.notEqual(renewed.jti, first.jti);
    assert.ok(renewed.exp > first.exp);
    await page.click('[data-testid=refresh]');
    await page.waitForTimeout(300);
    await expectOrgOnScreen(want, 'alice after renewal');
    // Also after the tab was hidden and shown again.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await expectOrgOnScreen(want, 'alice after visibility change');
    await screenshot('dashboard-alice-renewed-token');
  });
});
