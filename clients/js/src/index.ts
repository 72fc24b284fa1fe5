/**
 * @perch/client — a small, dependency-free client for Perch (a Tinybird-compatible analytics API).
 *
 * Works in browsers and in Node.js ≥ 18 (it only needs the global `fetch`, `URL` and `AbortSignal`).
 */

/** Options passed to `getToken`. `skipCache: true` asks for a brand-new token (Clerk's option name). */
export interface GetTokenOptions {
  skipCache?: boolean;
}

/** Returns the token to send as `Authorization: Bearer …`; `null`/`undefined` sends no header. */
export type GetToken = (options?: GetTokenOptions) => string | null | undefined | Promise<string | null | undefined>;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Called before the client sleeps on a 429, so a UI can say "rate limited, retrying in N s". */
export interface RateLimitInfo {
  /** 1 for the first retry, 2 for the second… */
  attempt: number;
  retryAfterSeconds: number;
  limit?: number;
  remaining?: number;
  reset?: number;
  /** The request URL without any token. */
  url: string;
}

export interface ClientOptions {
  /** Perch's base URL, e.g. `https://analytics.example.com` (a trailing slash is fine). */
  baseUrl: string;
  /** Called before every HTTP request, so short-lived tokens (Clerk's live 60 s) stay fresh. */
  getToken: GetToken;
  /** A `fetch` implementation; defaults to `globalThis.fetch`. */
  fetch?: FetchLike;
  /** How many times a 429 is retried after waiting `Retry-After` (default 3). 0 disables. */
  maxRateLimitRetries?: number;
  /** A `Retry-After` above this many seconds is not waited for: the 429 is thrown (default 30). */
  maxRetryAfterSeconds?: number;
  /** Called before each rate-limit wait. */
  onRateLimit?: (info: RateLimitInfo) => void;
}

/** A date parameter sent as `YYYY-MM-DD` (for `Date(...)` template parameters). See `dateOnly()`. */
export class DateOnly {
  readonly value: string;
  constructor(date: Date | string) {
    if (typeof date === 'string') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new TypeError(`dateOnly: expected YYYY-MM-DD, got '${date}'`);
      this.value = date;
    } else {
      this.value = formatDate(date);
    }
  }
  toString(): string {
    return this.value;
  }
}

/** Marks a value to be sent as a date (`YYYY-MM-DD`, UTC) instead of a DateTime. */
export function dateOnly(date: Date | string): DateOnly {
  return new DateOnly(date);
}

export type ParamScalar = string | number | boolean | bigint | Date | DateOnly;
export type ParamValue = ParamScalar | readonly ParamScalar[] | null | undefined;
export type PipeParams = Record<string, ParamValue>;

export type Format = 'json' | 'csv' | 'csvwithnames' | 'ndjson' | 'tsv' | 'prometheus';

export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the client's `onRateLimit` for this request. */
  onRateLimit?: (info: RateLimitInfo) => void;
}

export interface PipeOptions extends RequestOptions {
  /** `json` (default) returns a parsed `PipeResult`; any other format returns the body text. */
  format?: Format;
}

export interface ColumnMeta {
  name: string;
  type: string;
}

export interface Statistics {
  elapsed: number;
  rows_read: number;
  bytes_read: number;
}

/** The JSON body of a pipe or SQL call (SPEC §5.2). */
export interface PipeResult<Row = Record<string, unknown>> {
  meta: ColumnMeta[];
  data: Row[];
  rows: number;
  rows_before_limit_at_least?: number;
  statistics: Statistics;
}

export interface EventsResult {
  successful_rows: number;
  quarantined_rows: number;
}

export interface EventsOptions extends RequestOptions {
  /** `wait=true`: answer only once the rows are durable and visible to queries. */
  wait?: boolean;
}

/** Every failure the server answers with (and network failures, with `status` 0). */
export class PerchError extends Error {
  /** HTTP status; 0 when no response was received. */
  readonly status: number;
  /** The server's `X-Request-ID`, when there was a response. */
  readonly requestId?: string;
  /** The request URL (never contains a token: tokens travel in the Authorization header). */
  readonly url: string;
  /** The parsed JSON error body, or the raw text. */
  readonly body?: unknown;
  /** `Retry-After` seconds of a 429 that was not (or no longer) retried. */
  readonly retryAfterSeconds?: number;
  /** The server's `documentation` link, if any. */
  readonly documentation?: string;

  constructor(init: {
    status: number;
    message: string;
    url: string;
    requestId?: string;
    body?: unknown;
    retryAfterSeconds?: number;
    documentation?: string;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'PerchError';
    this.status = init.status;
    this.url = init.url;
    this.requestId = init.requestId;
    this.body = init.body;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.documentation = init.documentation;
  }
}

export function isPerchError(error: unknown): error is PerchError {
  return error instanceof PerchError;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYY-MM-DD` in UTC. */
export function formatDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new TypeError('invalid Date parameter');
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** `YYYY-MM-DD hh:mm:ss` in UTC — the form Perch's `DateTime(...)` parameters accept. */
export function formatDateTime(date: Date): string {
  return `${formatDate(date)} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

function formatScalar(value: ParamScalar, name: string): string {
  if (value instanceof Date) return formatDateTime(value);
  if (value instanceof DateOnly) return value.value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`parameter '${name}' is not a finite number`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value;
  throw new TypeError(`parameter '${name}' has an unsupported type (${typeof value})`);
}

/**
 * Encodes endpoint parameters as a query string (without `?`):
 * arrays become repeated keys (`a=1&a=2`), `Date` becomes `YYYY-MM-DD hh:mm:ss` (UTC),
 * `dateOnly(...)` becomes `YYYY-MM-DD`, booleans `true`/`false`; `null`/`undefined` are left out.
 */
export function encodeParams(params: PipeParams | undefined): string {
  const search = new URLSearchParams();
  if (params) {
    for (const name of Object.keys(params)) {
      const value = params[name];
      if (value === null || value === undefined) continue;
      if (Array.isArray(value)) {
        for (const item of value as readonly ParamScalar[]) {
          if (item === null || item === undefined) continue;
          search.append(name, formatScalar(item, name));
        }
      } else {
        search.append(name, formatScalar(value as ParamScalar, name));
      }
    }
  }
  return search.toString();
}

function parseRetryAfter(header: string | null): number {
  if (!header) return 1;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const when = Date.parse(header);
  if (!Number.isNaN(when)) return Math.max(0, Math.ceil((when - Date.now()) / 1000));
  return 1;
}

function numberHeader(response: Response, name: string): number | undefined {
  const value = response.headers.get(name);
  if (value === null) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function abortError(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: string }).name === 'AbortError';
}

async function errorFrom(response: Response, url: string): Promise<PerchError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  let message = text || response.statusText || `HTTP ${response.status}`;
  let documentation: string | undefined;
  try {
    const parsed = JSON.parse(text);
    body = parsed;
    if (parsed && typeof parsed.error === 'string') message = parsed.error;
    if (parsed && typeof parsed.documentation === 'string') documentation = parsed.documentation;
  } catch {
    /* not JSON: keep the text */
  }
  return new PerchError({
    status: response.status,
    message,
    url,
    requestId: response.headers.get('x-request-id') ?? undefined,
    body,
    documentation,
    retryAfterSeconds: response.status === 429 ? parseRetryAfter(response.headers.get('retry-after')) : undefined,
  });
}

export interface PerchClient {
  readonly baseUrl: string;
  /** Runs an endpoint: `GET /v0/pipes/<name>.<format>?<params>`. */
  pipe<Row = Record<string, unknown>>(name: string, params?: PipeParams, options?: PipeOptions & { format?: 'json' }): Promise<PipeResult<Row>>;
  pipe(name: string, params: PipeParams | undefined, options: PipeOptions & { format: Exclude<Format, 'json'> }): Promise<string>;
  /** SELECT-only SQL: `GET /v0/sql?q=…` (admin or DATASOURCES:READ tokens — server-side use). */
  sql<Row = Record<string, unknown>>(query: string, options?: RequestOptions): Promise<PipeResult<Row>>;
  /** NDJSON ingestion: `POST /v0/events?name=<ds>[&wait=true]` (APPEND/admin tokens — server-side use). */
  events(datasource: string, rows: readonly unknown[] | string, options?: EventsOptions): Promise<EventsResult>;
  /** The low-level request used by the methods above (auth, 403 token refresh, 429 retries). */
  request(path: string, init?: RequestInit & RequestOptions): Promise<Response>;
}

/** Creates a client. `getToken()` is called before every HTTP request (each retry included). */
export function createClient(options: ClientOptions): PerchClient {
  if (!options || typeof options.baseUrl !== 'string' || !options.baseUrl) throw new TypeError('createClient: baseUrl is required');
  if (typeof options.getToken !== 'function') throw new TypeError('createClient: getToken must be a function');
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const maxRetries = options.maxRateLimitRetries ?? 3;
  const maxRetryAfter = options.maxRetryAfterSeconds ?? 30;

  async function request(path: string, init: RequestInit & RequestOptions = {}): Promise<Response> {
    const { signal, onRateLimit, ...rest } = init;
    const url = baseUrl + path;
    let skipCache = false;
    let refreshedToken = false;
    let rateLimitRetries = 0;
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const token = await options.getToken(skipCache ? { skipCache: true } : undefined);
      const headers = new Headers(rest.headers);
      if (token) headers.set('Authorization', `Bearer ${token}`);
      let response: Response;
      try {
        response = await doFetch(url, { ...rest, headers, signal });
      } catch (error) {
        if (isAbort(error) || signal?.aborted) throw signal?.aborted ? abortError(signal) : error;
        throw new PerchError({ status: 0, message: `network error: ${(error as Error)?.message ?? String(error)}`, url, cause: error });
      }
      if (response.ok) return response;
      if (response.status === 403 && !refreshedToken) {
        // The token may have expired or been revoked: ask for a fresh one, once.
        refreshedToken = true;
        skipCache = true;
        await response.body?.cancel().catch(() => undefined);
        continue;
      }
      if (response.status === 429 && rateLimitRetries < maxRetries) {
        const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
        if (retryAfterSeconds <= maxRetryAfter) {
          rateLimitRetries += 1;
          skipCache = false;
          const info: RateLimitInfo = {
            attempt: rateLimitRetries,
            retryAfterSeconds,
            limit: numberHeader(response, 'x-ratelimit-limit'),
            remaining: numberHeader(response, 'x-ratelimit-remaining'),
            reset: numberHeader(response, 'x-ratelimit-reset'),
            url,
          };
          await response.body?.cancel().catch(() => undefined);
          (onRateLimit ?? options.onRateLimit)?.(info);
          await sleep(retryAfterSeconds * 1000, signal);
          continue;
        }
      }
      throw await errorFrom(response, url);
    }
  }

  async function json<T>(response: Response, url: string): Promise<T> {
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new PerchError({ status: response.status, message: 'response is not valid JSON', url, body: text, requestId: response.headers.get('x-request-id') ?? undefined, cause: error });
    }
  }

  const client: PerchClient = {
    baseUrl,
    request,
    async pipe(name: string, params?: PipeParams, pipeOptions: PipeOptions = {}): Promise<any> {
      const format = pipeOptions.format ?? 'json';
      const query = encodeParams(params);
      const path = `/v0/pipes/${encodeURIComponent(name)}.${format}${query ? `?${query}` : ''}`;
      const response = await request(path, { method: 'GET', signal: pipeOptions.signal, onRateLimit: pipeOptions.onRateLimit });
      if (format !== 'json') return response.text();
      return json(response, baseUrl + path);
    },
    async sql<Row>(query: string, requestOptions: RequestOptions = {}) {
      const path = `/v0/sql?${new URLSearchParams({ q: query }).toString()}`;
      const response = await request(path, { method: 'GET', ...requestOptions });
      return json<PipeResult<Row>>(response, baseUrl + '/v0/sql');
    },
    async events(datasource: string, rows: readonly unknown[] | string, eventsOptions: EventsOptions = {}) {
      const { wait, ...requestOptions } = eventsOptions;
      const body = typeof rows === 'string' ? rows : rows.map((row) => JSON.stringify(row)).join('\n');
      const search = new URLSearchParams({ name: datasource });
      if (wait) search.set('wait', 'true');
      const path = `/v0/events?${search.toString()}`;
      const response = await request(path, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-ndjson' },
        ...requestOptions,
      });
      return json<EventsResult>(response, baseUrl + path);
    },
  };
  return client;
}

/** Decodes a JWT's payload without verifying it (for display and cache decisions only). */
export function decodeJwt(token: string | null | undefined): Record<string, unknown> | null {
  if (!token) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const binary = atob(padded);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? payload : null;
  } catch {
    return null;
  }
}
