import { createHmac, randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createClient } from '../src/index.js';

export const perch = () => inject('perch');

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs an HS256 JWT with Node's crypto (independently of Perch's own minting code). */
export function signJwt(payload: Record<string, unknown>, key = perch().adminToken): string {
  const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

let counter = 0;

/** A token shaped like Clerk's "tinybird" template output for one organization. */
export function orgToken(
  organizationId: string | null,
  options: { name?: string; ttl?: number; rps?: number; exp?: number; pipes?: string[] } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const pipes = options.pipes ?? ['my_api_endpoint', 'top_event_types'];
  return signJwt({
    iss: 'https://clerk.test',
    sub: 'user_test',
    azp: 'http://localhost',
    iat: now,
    nbf: now - 5,
    exp: options.exp ?? now + (options.ttl ?? 600),
    jti: randomBytes(10).toString('hex') + String(counter++),
    workspace_id: perch().workspaceId,
    name: options.name ?? `test_${organizationId}`,
    scopes: pipes.map((resource) => ({ type: 'PIPES:READ', resource, fixed_params: { organization_id: organizationId } })),
    ...(options.rps ? { limits: { rps: options.rps } } : {}),
  });
}

export function adminClient() {
  return createClient({ baseUrl: perch().url, getToken: () => perch().adminToken });
}

/** Expected daily totals for one organization, computed with admin SQL over the raw data source. */
export async function expectedDaily(organizationId: string, where = '') {
  const sql = `SELECT toStartOfDay(timestamp) AS day, sum(some_number) AS total, count() AS events FROM app_events
    WHERE organization_id = '${organizationId}' ${where} GROUP BY day ORDER BY day`;
  return (await adminClient().sql(sql)).data;
}
