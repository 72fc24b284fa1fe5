import { describe, expect, it } from 'vitest';
import { createClient, dateOnly, encodeParams, formatDateTime, PerchError, type GetTokenOptions } from '../src/index.js';
import { adminClient, expectedDaily, orgToken, perch } from './helpers.js';

interface Daily {
  day: string;
  total: number;
  events: number;
}
interface TopRow {
  event_type: string;
  events: number;
  users: number;
  total: number;
}

function orgClient(organizationId: string | null, extra: Parameters<typeof orgToken>[1] = {}) {
  const calls: (GetTokenOptions | undefined)[] = [];
  const token = orgToken(organizationId, extra);
  const client = createClient({
    baseUrl: perch().url,
    getToken: (options) => {
      calls.push(options);
      return token;
    },
  });
  return { client, calls, token };
}

describe('encodeParams', () => {
  it('repeats array keys, formats dates in UTC, skips null/undefined', () => {
    const query = encodeParams({
      event_types: ['click', 'share'],
      start: new Date(Date.UTC(2026, 9, 5, 7, 8, 9)),
      day: dateOnly(new Date(Date.UTC(2026, 0, 2, 23, 59, 59))),
      day2: dateOnly('2026-03-04'),
      limit: 5,
      big: 12345678901234567890n,
      flag: true,
      off: false,
      nothing: null,
      missing: undefined,
      text: 'a b&c=d/é',
    });
    const search = new URLSearchParams(query);
    expect(search.getAll('event_types')).toEqual(['click', 'share']);
    expect(search.get('start')).toBe('2026-10-05 07:08:09');
    expect(search.get('day')).toBe('2026-01-02');
    expect(search.get('day2')).toBe('2026-03-04');
    expect(search.get('limit')).toBe('5');
    expect(search.get('big')).toBe('12345678901234567890');
    expect(search.get('flag')).toBe('true');
    expect(search.get('off')).toBe('false');
    expect(search.has('nothing')).toBe(false);
    expect(search.has('missing')).toBe(false);
    expect(search.get('text')).toBe('a b&c=d/é');
    expect(query.startsWith('event_types=click&event_types=share&')).toBe(true);
  });

  it('rejects values it cannot encode', () => {
    expect(() => encodeParams({ n: Number.NaN })).toThrow(TypeError);
    expect(() => encodeParams({ d: new Date('nope') })).toThrow(TypeError);
    expect(() => dateOnly('2026-1-2')).toThrow(TypeError);
    expect(() => encodeParams({ o: { a: 1 } as never })).toThrow(TypeError);
    expect(formatDateTime(new Date(Date.UTC(999, 0, 1)))).toBe('0999-01-01 00:00:00');
  });
});

describe('pipe()', () => {
  it('returns the typed JSON shape with exactly the organization of the token', async () => {
    const { client } = orgClient('org_1');
    const result = await client.pipe<Daily>('my_api_endpoint');
    expect(result.meta).toEqual([
      { name: 'day', type: 'DateTime' },
      { name: 'total', type: 'Int64' },
      { name: 'events', type: 'UInt64' },
    ]);
    expect(result.rows).toBe(result.data.length);
    expect(result.statistics.rows_read).toBeGreaterThan(0);
    expect(typeof result.statistics.elapsed).toBe('number');
    expect(result.data).toEqual(await expectedDaily('org_1'));
    expect(result.data.length).toBeGreaterThan(20);
  });

  it('calls getToken before every request', async () => {
    const { client, calls } = orgClient('org_2');
    await client.pipe('my_api_endpoint');
    await client.pipe('top_event_types', { limit: 2 });
    await client.pipe('my_api_endpoint', {}, { format: 'csv' });
    expect(calls).toEqual([undefined, undefined, undefined]);
  });

  it('sends Date params as DateTime and filters by them', async () => {
    const { client } = orgClient('org_3');
    const start = new Date(Date.UTC(2026, 9, 20));
    const end = new Date(Date.UTC(2026, 9, 25, 12, 0, 0));
    const result = await client.pipe<Daily>('my_api_endpoint', { start_date: start, end_date: end });
    const expected = await expectedDaily('org_3', "AND timestamp >= '2026-10-20 00:00:00' AND timestamp < '2026-10-25 12:00:00'");
    expect(result.data).toEqual(expected);
    expect(result.data.map((r) => r.day)).toEqual([
      '2026-10-20 00:00:00',
      '2026-10-21 00:00:00',
      '2026-10-22 00:00:00',
      '2026-10-23 00:00:00',
      '2026-10-24 00:00:00',
      '2026-10-25 00:00:00',
    ]);
  });

  it('sends arrays as repeated keys (Array() params) and numbers as numbers', async () => {
    const { client } = orgClient('org_1');
    const two = await client.pipe<TopRow>('top_event_types', { event_types: ['click', 'share'], limit: 10 });
    expect(two.data.map((r) => r.event_type).sort()).toEqual(['click', 'share']);
    const one = await client.pipe<TopRow>('top_event_types', { event_types: ['purchase'] });
    expect(one.data.map((r) => r.event_type)).toEqual(['purchase']);
    const all = await client.pipe<TopRow>('top_event_types', { limit: 3 });
    expect(all.rows).toBe(3);
    expect(all.rows_before_limit_at_least).toBeGreaterThanOrEqual(3);
    const expected = await adminClient().sql<TopRow>(
      "SELECT event_type, count() AS events, uniq(user_id) AS users, sum(some_number) AS total FROM app_events WHERE organization_id = 'org_1' GROUP BY event_type ORDER BY events DESC, event_type LIMIT 3",
    );
    expect(all.data).toEqual(expected.data);
  });

  it('a tampered organization_id parameter does not change the result', async () => {
    const { client } = orgClient('org_1');
    const honest = await client.pipe<Daily>('my_api_endpoint');
    const tampered = await client.pipe<Daily>('my_api_endpoint', { organization_id: 'org_2' });
    const tamperedArray = await client.pipe<TopRow>('top_event_types', { organization_id: ['org_2', 'org_3'] });
    expect(tampered.data).toEqual(honest.data);
    expect(tamperedArray.data).toEqual((await client.pipe<TopRow>('top_event_types')).data);
    expect(tampered.data).not.toEqual(await expectedDaily('org_2'));
  });

  it('returns other formats as text', async () => {
    const { client } = orgClient('org_4');
    const csv = await client.pipe('my_api_endpoint', { start_date: new Date(Date.UTC(2026, 9, 30)) }, { format: 'csv' });
    const expected = await expectedDaily('org_4', "AND timestamp >= '2026-10-30 00:00:00'");
    expect(csv.trim().split('\n')).toEqual([
      '"day","total","events"',
      ...expected.map((r) => `"${r.day}",${r.total},${r.events}`),
    ]);
  });
});

describe('403: token refresh', () => {
  it('asks getToken({ skipCache: true }) once and retries with the new token', async () => {
    const calls: (GetTokenOptions | undefined)[] = [];
    const expired = orgToken('org_1', { exp: Math.floor(Date.now() / 1000) - 120 });
    const fresh = orgToken('org_1');
    const client = createClient({
      baseUrl: perch().url,
      getToken: async (options) => {
        calls.push(options);
        return options?.skipCache ? fresh : expired;
      },
    });
    const result = await client.pipe<Daily>('my_api_endpoint');
    expect(result.data).toEqual(await expectedDaily('org_1'));
    expect(calls).toEqual([undefined, { skipCache: true }]);
  });

  it('gives up after one refresh with a PerchError carrying the server message and request id', async () => {
    const calls: (GetTokenOptions | undefined)[] = [];
    const wrongKey = orgToken('org_1').slice(0, -4) + 'AAAA';
    const client = createClient({
      baseUrl: perch().url,
      getToken: (options) => {
        calls.push(options);
        return wrongKey;
      },
    });
    const error = (await client.pipe('my_api_endpoint').catch((e) => e)) as PerchError;
    expect(error).toBeInstanceOf(PerchError);
    expect(error.name).toBe('PerchError');
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/^invalid authentication token/);
    expect(error.message).not.toContain(wrongKey);
    expect(error.requestId).toMatch(/^[0-9a-f]{8,}$/);
    expect(error.url).toBe(`${perch().url}/v0/pipes/my_api_endpoint.json`);
    expect(error.body).toEqual({ error: error.message });
    expect(calls).toEqual([undefined, { skipCache: true }]);
  });

  it('no token at all is a 403 too', async () => {
    const client = createClient({ baseUrl: perch().url, getToken: () => null });
    await expect(client.pipe('my_api_endpoint')).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/invalid authentication token/) });
  });

  it('a user without an organization (fixed param null) is refused, never unfiltered', async () => {
    const { client, calls } = orgClient(null);
    await expect(client.pipe('my_api_endpoint')).rejects.toMatchObject({
      status: 403,
      message: "fixed parameter 'organization_id' has no value",
    });
    expect(calls).toEqual([undefined, { skipCache: true }]);
  });
});

describe('429: rate limit', () => {
  it('waits Retry-After and retries, so every request eventually succeeds', async () => {
    const name = `rps1_${Date.now()}`;
    const waits: number[] = [];
    const token = orgToken('org_2', { rps: 1, name });
    const client = createClient({
      baseUrl: perch().url,
      getToken: () => token,
      onRateLimit: (info) => waits.push(info.retryAfterSeconds),
    });
    const started = Date.now();
    const results = await Promise.all([1, 2, 3].map(() => client.pipe<Daily>('my_api_endpoint')));
    const elapsed = Date.now() - started;
    const expected = await expectedDaily('org_2');
    for (const r of results) expect(r.data).toEqual(expected);
    expect(waits.length).toBeGreaterThanOrEqual(2);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(1);
    // Burst 1 at 1 rps: the third request cannot succeed before ~2 s.
    expect(elapsed).toBeGreaterThanOrEqual(1900);
  });

  it('reports the rate-limit headers to onRateLimit', async () => {
    const token = orgToken('org_2', { rps: 1, name: `hdr_${Date.now()}` });
    const infos: unknown[] = [];
    const client = createClient({ baseUrl: perch().url, getToken: () => token });
    await client.pipe('my_api_endpoint');
    await client.pipe('my_api_endpoint', {}, { onRateLimit: (info) => infos.push(info) });
    expect(infos).toEqual([
      { attempt: 1, retryAfterSeconds: 1, limit: 1, remaining: 0, reset: expect.any(Number), url: `${perch().url}/v0/pipes/my_api_endpoint.json` },
    ]);
  });

  it('is bounded: after maxRateLimitRetries the 429 is thrown with Retry-After', async () => {
    const token = orgToken('org_2', { rps: 1, name: `bounded_${Date.now()}` });
    const client = createClient({ baseUrl: perch().url, getToken: () => token, maxRateLimitRetries: 0 });
    await client.pipe('my_api_endpoint');
    const error = (await client.pipe('my_api_endpoint').catch((e) => e)) as PerchError;
    expect(error).toBeInstanceOf(PerchError);
    expect(error.status).toBe(429);
    expect(error.message).toBe('rate limit exceeded');
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(error.requestId).toBeTruthy();
  });

  it('stops waiting when the AbortSignal fires', async () => {
    const token = orgToken('org_2', { rps: 1, name: `abort_${Date.now()}` });
    const client = createClient({ baseUrl: perch().url, getToken: () => token });
    await client.pipe('my_api_endpoint');
    const controller = new AbortController();
    const started = Date.now();
    const pending = client.pipe('my_api_endpoint', {}, { signal: controller.signal, onRateLimit: () => setTimeout(() => controller.abort(), 50) });
    const error = await pending.catch((e) => e);
    expect(error).not.toBeInstanceOf(PerchError);
    expect((error as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('error shapes', () => {
  it('404 for an unknown pipe', async () => {
    const { client } = orgClient('org_1');
    await expect(client.pipe('no_such_pipe')).rejects.toMatchObject({ name: 'PerchError', status: 404, message: expect.stringContaining('no_such_pipe') });
  });

  it('400 for a parameter of the wrong type', async () => {
    const { client } = orgClient('org_1');
    const error = (await client.pipe('my_api_endpoint', { start_date: 'yesterday' }).catch((e) => e)) as PerchError;
    expect(error.status).toBe(400);
    expect(error.message).toContain("'yesterday'");
    expect(error.requestId).toBeTruthy();
  });

  it('400 for a date-only value where a DateTime is expected (the documented marker is for Date params)', async () => {
    const { client } = orgClient('org_1');
    await expect(client.pipe('my_api_endpoint', { start_date: dateOnly('2026-10-30') })).rejects.toMatchObject({ status: 400 });
  });

  it('status 0 for a network failure', async () => {
    const client = createClient({ baseUrl: 'http://127.0.0.1:1', getToken: () => 'x' });
    const error = (await client.pipe('my_api_endpoint').catch((e) => e)) as PerchError;
    expect(error).toBeInstanceOf(PerchError);
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/^network error/);
  });

  it('validates its options', () => {
    expect(() => createClient({ baseUrl: '', getToken: () => 'x' })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: 'http://x', getToken: undefined as never })).toThrow(TypeError);
  });
});

describe('server-side: sql() and events()', () => {
  it('events() appends NDJSON rows (wait=true) and sql() reads them back', async () => {
    const admin = adminClient();
    const org = `org_js_${Date.now()}`;
    const rows = [1, 2, 3].map((i) => ({
      timestamp: `2026-10-1${i} 10:00:00`,
      organization_id: org,
      team_id: 'team_alpha',
      user_id: `u${i}`,
      event_type: 'click',
      context: { page: '/' },
      value: i * 10,
    }));
    expect(await admin.events('app_events', rows, { wait: true })).toEqual({ successful_rows: 3, quarantined_rows: 0 });
    const result = await admin.sql<{ n: number; s: number }>(`SELECT count() AS n, sum(some_number) AS s FROM app_events WHERE organization_id = '${org}'`);
    expect(result.data).toEqual([{ n: 3, s: 60 }]);
    expect(result.meta.map((m) => m.name)).toEqual(['n', 's']);
  });

  it('sql() errors are PerchErrors with the server message', async () => {
    await expect(adminClient().sql('SELEC nonsense')).rejects.toMatchObject({ status: 400 });
    const { client } = orgClient('org_1');
    await expect(client.sql('SELECT count() FROM app_events')).rejects.toMatchObject({ status: 403 });
  });

  it('the loaded demo data is all there', async () => {
    const result = await adminClient().sql<{ n: number }>("SELECT count() AS n FROM app_events WHERE organization_id IN ('org_1','org_2','org_3','org_4')");
    expect(result.data[0].n).toBe(perch().events);
  });
});
