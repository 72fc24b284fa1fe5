/**
 * @perch/client/react — `<PerchProvider>`, `usePerchToken()` and `usePipe()`.
 *
 * Mirrors the Tinybird + Clerk pattern: the provider owns a `getToken` callback (Clerk's
 * `() => getToken({ template: 'tinybird' })`), keeps the current token, renews it before it
 * expires, and hands a client to the hooks.
 */
import { createContext, createElement, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import {
  createClient,
  decodeJwt,
  encodeParams,
  type FetchLike,
  type GetToken,
  type GetTokenOptions,
  type PerchClient,
  type PipeParams,
  type PipeResult,
  type RateLimitInfo,
} from './index.js';

export interface PerchProviderProps {
  baseUrl: string;
  getToken: GetToken;
  fetch?: FetchLike;
  /** Passed to the client (default 3). */
  maxRateLimitRetries?: number;
  /**
   * Anything that identifies who the token is for (e.g. Clerk's `orgId`): when it changes, the
   * provider asks for a fresh token (`skipCache: true`) and the hooks refetch.
   */
  identity?: unknown;
  /** Renew a JWT this many seconds before its `exp` (default 10). */
  renewBeforeSeconds?: number;
  children?: ReactNode;
}

export interface PerchTokenState {
  /** The last token `getToken` returned (null before the first one or when signed out). */
  token: string | null;
  /** Its decoded JWT payload (not verified — for display), or null. */
  claims: Record<string, unknown> | null;
  /**
   * Changes when the token's meaning changes (its claims other than iat/nbf/exp/jti), not when it
   * is merely renewed: hooks refetch when it changes.
   */
  tokenKey: string;
  /** The last error `getToken` threw, if any. */
  error: unknown;
  /** False until the first `getToken` call has settled; `usePipe` waits for it. */
  ready: boolean;
  /** Asks for a token now (also updates `token`). */
  getToken: (options?: GetTokenOptions) => Promise<string | null>;
  client: PerchClient;
}

const PerchContext = createContext<PerchTokenState | null>(null);

const VOLATILE_CLAIMS = new Set(['iat', 'nbf', 'exp', 'jti']);

function keyOf(token: string | null): string {
  if (!token) return '';
  const claims = decodeJwt(token);
  if (!claims) return token;
  const stable: Record<string, unknown> = {};
  for (const k of Object.keys(claims).sort()) if (!VOLATILE_CLAIMS.has(k)) stable[k] = claims[k];
  return JSON.stringify(stable);
}

export function PerchProvider(props: PerchProviderProps) {
  const { baseUrl, getToken, fetch, maxRateLimitRetries, identity, renewBeforeSeconds = 10, children } = props;
  const [token, setToken] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [ready, setReady] = useState(false);
  const getTokenRef = useRef(getToken);
  getTokenRef.current = getToken;

  // Every token the client obtains also updates the provider's state (so the UI shows it).
  const obtain = useCallback(async (options?: GetTokenOptions): Promise<string | null> => {
    try {
      const value = (await getTokenRef.current(options)) ?? null;
      setToken((previous) => (previous === value ? previous : value));
      setError(undefined);
      return value;
    } catch (e) {
      setError(e);
      throw e;
    }
  }, []);

  const client = useMemo(
    () => createClient({ baseUrl, getToken: obtain, fetch, maxRateLimitRetries }),
    [baseUrl, obtain, fetch, maxRateLimitRetries],
  );

  // First token, and a fresh one whenever the getToken function or the identity changes.
  const first = useRef(true);
  useEffect(() => {
    const skipCache = !first.current;
    first.current = false;
    obtain(skipCache ? { skipCache: true } : undefined)
      .catch(() => undefined)
      .finally(() => setReady(true));
  }, [getToken, identity, obtain]);

  // Renew a JWT shortly before it expires, so a session outlives any single token.
  const claims = useMemo(() => decodeJwt(token), [token]);
  useEffect(() => {
    const exp = typeof claims?.exp === 'number' ? claims.exp : undefined;
    if (exp === undefined) return;
    const delay = Math.max(1000, (exp - renewBeforeSeconds) * 1000 - Date.now());
    const timer = setTimeout(() => {
      obtain().catch(() => undefined);
    }, Math.min(delay, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [claims, renewBeforeSeconds, obtain]);

  const value = useMemo<PerchTokenState>(
    () => ({ token, claims, tokenKey: keyOf(token), error, ready, getToken: obtain, client }),
    [token, claims, error, ready, obtain, client],
  );
  return createElement(PerchContext.Provider, { value }, children);
}

/** The provider's token state and client. Throws when used outside `<PerchProvider>`. */
export function usePerchToken(): PerchTokenState {
  const value = useContext(PerchContext);
  if (!value) throw new Error('usePerchToken must be used within a PerchProvider');
  return value;
}

/** The provider's client (for imperative calls). Throws outside `<PerchProvider>`. */
export function usePerchClient(): PerchClient {
  return usePerchToken().client;
}

export interface UsePipeOptions {
  /** Refetch every N milliseconds (0/undefined: never). */
  refreshInterval?: number;
  /** `false` skips fetching (e.g. until an organization is chosen). Default true. */
  enabled?: boolean;
  /** Refetch when the tab becomes visible again (default true). */
  revalidateOnFocus?: boolean;
}

export interface UsePipeResult<Row> {
  data: PipeResult<Row> | undefined;
  error: unknown;
  /** True while there is no result yet for the current name/params/token. */
  isLoading: boolean;
  /** True while any request is in flight (also background refreshes). */
  isValidating: boolean;
  /** Set while the client waits on a 429 before retrying; cleared when the request settles. */
  rateLimit: RateLimitInfo | null;
  refetch: () => void;
}

/**
 * Runs an endpoint and keeps the result fresh: refetches when `name`, `params` (compared by their
 * encoded query string) or the token's meaning change, every `refreshInterval` ms, and when the tab
 * becomes visible again. A change of name/params/token clears the previous data, so one tenant's
 * numbers are never shown under another's token.
 */
export function usePipe<Row = Record<string, unknown>>(name: string, params?: PipeParams, options: UsePipeOptions = {}): UsePipeResult<Row> {
  const { client, tokenKey, ready } = usePerchToken();
  const { refreshInterval, revalidateOnFocus = true } = options;
  const wanted = options.enabled ?? true;
  const enabled = wanted && ready;
  const paramsKey = encodeParams(params);
  const key = `${name}?${paramsKey}#${tokenKey}`;

  const [state, setState] = useState<{ key: string; data?: PipeResult<Row>; error?: unknown; validating: boolean; rateLimit: RateLimitInfo | null }>({
    key,
    validating: false,
    rateLimit: null,
  });
  const [tick, setTick] = useState(0);
  const refetch = useCallback(() => setTick((t) => t + 1), []);

  const paramsRef = useRef(params);
  paramsRef.current = params;

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    setState((s) => (s.key === key ? { ...s, validating: true } : { key, validating: true, rateLimit: null }));
    client
      .pipe<Row>(name, paramsRef.current, {
        signal: controller.signal,
        onRateLimit: (info) => {
          if (!controller.signal.aborted) setState((s) => (s.key === key ? { ...s, rateLimit: info } : s));
        },
      })
      .then(
        (data) => {
          if (!controller.signal.aborted) setState({ key, data, error: undefined, validating: false, rateLimit: null });
        },
        (error) => {
          if (!controller.signal.aborted) setState((s) => ({ key, data: s.key === key ? s.data : undefined, error, validating: false, rateLimit: null }));
        },
      );
    return () => controller.abort();
    // paramsKey/tokenKey are inside `key`.
  }, [client, name, key, enabled, tick]);

  useEffect(() => {
    if (!enabled || !refreshInterval || refreshInterval <= 0) return;
    const timer = setInterval(refetch, refreshInterval);
    return () => clearInterval(timer);
  }, [enabled, refreshInterval, refetch]);

  useEffect(() => {
    if (!enabled || !revalidateOnFocus || typeof document === 'undefined') return;
    const onVisible = () => {
      if (document.visibilityState === 'visible') refetch();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [enabled, revalidateOnFocus, refetch]);

  const current = state.key === key ? state : { data: undefined, error: undefined, validating: enabled, rateLimit: null };
  return {
    data: current.data,
    error: current.error,
    isLoading: wanted && current.data === undefined && current.error === undefined,
    isValidating: current.validating,
    rateLimit: current.rateLimit,
    refetch,
  };
}

export type { PipeParams, PipeResult, RateLimitInfo, GetToken, GetTokenOptions, PerchClient } from './index.js';
