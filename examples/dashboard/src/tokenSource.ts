import type { GetTokenOptions } from '@perch/client';
import { decodeJwt } from '@perch/client';

/**
 * Where the dashboard's tokens come from. Clerk (`useAuth().getToken({ template: 'tinybird' })`)
 * and the development token server both fit this shape.
 */
export interface TokenSource {
  getToken(options?: GetTokenOptions): Promise<string | null>;
}

/**
 * Development token source: asks dev-token-server.mjs for a Clerk-template-shaped token for one
 * demo user and organization, and caches it until 10 s before it expires (as Clerk's SDK does), so
 * calling getToken() before every request is cheap.
 */
export class DevTokenSource implements TokenSource {
  private cached: { token: string; exp: number } | null = null;
  private pending: Promise<string | null> | null = null;
  constructor(
    readonly userId: string,
    readonly orgId: string | null,
    private readonly endpoint = '/api/token',
  ) {}

  async getToken(options?: GetTokenOptions): Promise<string | null> {
    const now = Date.now() / 1000;
    if (!options?.skipCache && this.cached && this.cached.exp - 10 > now) return this.cached.token;
    if (!options?.skipCache && this.pending) return this.pending;
    const request = (async () => {
      const response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ userId: this.userId, orgId: this.orgId }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.error ?? `token server answered ${response.status}`);
      const exp = Number(decodeJwt(body.token)?.exp ?? 0);
      this.cached = { token: body.token, exp };
      return body.token as string;
    })();
    this.pending = request;
    try {
      return await request;
    } finally {
      if (this.pending === request) this.pending = null;
    }
  }
}
