// @vitest-environment jsdom
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useState, type ReactNode } from 'react';
import { PerchProvider, usePerchToken, usePipe } from '../src/react.js';
import type { GetTokenOptions } from '../src/index.js';
import { expectedDaily, orgToken, perch } from './helpers.js';

afterEach(cleanup);

// jsdom swaps in its own AbortController, which Node's fetch refuses; hand fetch a native signal.
const NativeAbortController = (globalThis as { AbortController: typeof AbortController }).AbortController;
function countingFetch() {
  const urls: string[] = [];
  const fetchImpl = async (input: string, init?: RequestInit) => {
    urls.push(input);
    const { signal, ...rest } = init ?? {};
    const native = new NativeAbortController();
    if (signal) {
      if (signal.aborted) native.abort();
      signal.addEventListener('abort', () => native.abort());
    }
    return fetch(input, { ...rest, signal: native.signal as never });
  };
  return { urls, fetchImpl };
}

interface Daily {
  day: string;
  total: number;
  events: number;
}

function wrapper(getToken: (o?: GetTokenOptions) => string | null, fetchImpl: ReturnType<typeof countingFetch>['fetchImpl'], identity?: unknown) {
  return ({ children }: { children: ReactNode }) => (
    <PerchProvider baseUrl={perch().url} getToken={getToken} fetch={fetchImpl} identity={identity}>
      {children}
    </PerchProvider>
  );
}

function setVisibility(state: 'visible' | 'hidden') {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('usePerchToken', () => {
  it('throws outside the provider', () => {
    expect(() => renderHook(() => usePerchToken())).toThrow('usePerchToken must be used within a PerchProvider');
  });

  it('exposes the token and its decoded claims', async () => {
    const token = orgToken('org_1');
    const { fetchImpl } = countingFetch();
    const { result } = renderHook(() => usePerchToken(), { wrapper: wrapper(() => token, fetchImpl) });
    await waitFor(() => expect(result.current.token).toBe(token));
    expect(result.current.ready).toBe(true);
    expect(result.current.claims).toMatchObject({ sub: 'user_test', scopes: [{ resource: 'my_api_endpoint', fixed_params: { organization_id: 'org_1' } }, { resource: 'top_event_types' }] });
  });
});

describe('usePipe', () => {
  it('loads data for the token organization: isLoading → data', async () => {
    const token = orgToken('org_1');
    const { fetchImpl } = countingFetch();
    const { result } = renderHook(() => usePipe<Daily>('my_api_endpoint'), { wrapper: wrapper(() => token, fetchImpl) });
    expect(result.current.isLoading).toBe(true);
    expect(result.current.data).toBeUndefined();
    await waitFor(() => expect(result.current.isLoading).toBe(false));
    expect(result.current.error).toBeUndefined();
    expect(result.current.data!.data).toEqual(await expectedDaily('org_1'));
  });

  it('refetches when params change', async () => {
    const token = orgToken('org_2');
    const { fetchImpl, urls } = countingFetch();
    const { result, rerender } = renderHook(({ limit }) => usePipe('top_event_types', { limit, event_types: ['click', 'share', 'search'] }), {
      wrapper: wrapper(() => token, fetchImpl),
      initialProps: { limit: 1 },
    });
    await waitFor(() => expect(result.current.data?.rows).toBe(1));
    rerender({ limit: 3 });
    await waitFor(() => expect(result.current.data?.rows).toBe(3));
    expect(urls.map((u) => new URL(u).searchParams.get('limit'))).toEqual(['1', '3']);
    expect(new URL(urls[1]).searchParams.getAll('event_types')).toEqual(['click', 'share', 'search']);
    // Same params in a new object: no refetch.
    rerender({ limit: 3 });
    await new Promise((r) => setTimeout(r, 100));
    expect(urls.length).toBe(2);
  });

  it('refetches when the token changes (switching organization) and never shows the old org under the new token', async () => {
    const { fetchImpl } = countingFetch();
    const tokens: Record<string, string> = { org_1: orgToken('org_1'), org_3: orgToken('org_3') };
    let setOrg: (org: string) => void = () => undefined;
    const seen: { org: string; first?: string }[] = [];
    function Probe({ org }: { org: string }) {
      const { data } = usePipe<Daily>('my_api_endpoint');
      const { claims } = usePerchToken();
      const tokenOrg = (claims?.scopes as { fixed_params: { organization_id: string } }[] | undefined)?.[0]?.fixed_params.organization_id;
      if (data) seen.push({ org: tokenOrg ?? '?', first: JSON.stringify(data.data[0]) });
      return <div data-testid="state">{data ? `${org}:${data.data.length}` : 'loading'}</div>;
    }
    function App() {
      const [org, set] = useState('org_1');
      setOrg = set;
      // A new getToken function per organization, like a token source keyed by the active org.
      const getToken = useState(() => new Map<string, () => string>())[0];
      if (!getToken.has(org)) getToken.set(org, () => tokens[org]);
      return (
        <PerchProvider baseUrl={perch().url} getToken={getToken.get(org)!} fetch={fetchImpl}>
          <Probe org={org} />
        </PerchProvider>
      );
    }
    render(<App />);
    const org1 = await expectedDaily('org_1');
    const org3 = await expectedDaily('org_3');
    await waitFor(() => expect(seen.at(-1)?.first).toBe(JSON.stringify(org1[0])));
    act(() => setOrg('org_3'));
    await waitFor(() => expect(seen.at(-1)?.first).toBe(JSON.stringify(org3[0])));
    // Every render that showed data showed the data of the organization in the token it held.
    for (const s of seen) expect(s.first).toBe(JSON.stringify((s.org === 'org_1' ? org1 : org3)[0]));
    expect(screen.getByTestId('state').textContent).toBe(`org_3:${org3.length}`);
  });

  it('refetches when the tab becomes visible again', async () => {
    const token = orgToken('org_4');
    const { fetchImpl, urls } = countingFetch();
    const { result } = renderHook(() => usePipe('my_api_endpoint'), { wrapper: wrapper(() => token, fetchImpl) });
    await waitFor(() => expect(result.current.data).toBeDefined());
    expect(urls.length).toBe(1);
    act(() => setVisibility('hidden'));
    await new Promise((r) => setTimeout(r, 50));
    expect(urls.length).toBe(1);
    act(() => setVisibility('visible'));
    await waitFor(() => expect(urls.length).toBe(2));
    await waitFor(() => expect(result.current.isValidating).toBe(false));
    expect(result.current.data!.data).toEqual(await expectedDaily('org_4'));
  });

  it('refetches every refreshInterval', async () => {
    const token = orgToken('org_4');
    const { fetchImpl, urls } = countingFetch();
    renderHook(() => usePipe('my_api_endpoint', {}, { refreshInterval: 150 }), { wrapper: wrapper(() => token, fetchImpl) });
    await waitFor(() => expect(urls.length).toBeGreaterThanOrEqual(3), { timeout: 2000 });
  });

  it('reports errors: a user with no organization gets the 403, not data', async () => {
    const calls: (GetTokenOptions | undefined)[] = [];
    const token = orgToken(null);
    const { fetchImpl } = countingFetch();
    const { result } = renderHook(() => usePipe('my_api_endpoint'), {
      wrapper: wrapper((options) => {
        calls.push(options);
        return token;
      }, fetchImpl),
    });
    await waitFor(() => expect(result.current.error).toBeDefined());
    expect(result.current.isLoading).toBe(false);
    expect(result.current.data).toBeUndefined();
    expect(result.current.error).toMatchObject({ name: 'PerchError', status: 403, message: "fixed parameter 'organization_id' has no value" });
    // The provider's first token, the request's token, then one skipCache refresh.
    expect(calls.filter((c) => c?.skipCache).length).toBe(1);
  });

  it('shows the rate-limit wait while retrying a 429, then the data', async () => {
    const token = orgToken('org_2', { rps: 1, name: `react_rps_${Date.now()}` });
    const { fetchImpl } = countingFetch();
    const { result } = renderHook(
      () => [usePipe('my_api_endpoint'), usePipe('my_api_endpoint', { start_date: new Date(Date.UTC(2026, 9, 1)) })] as const,
      { wrapper: wrapper(() => token, fetchImpl) },
    );
    await waitFor(() => expect(result.current.some((r) => r.rateLimit !== null)).toBe(true));
    const waiting = result.current.find((r) => r.rateLimit)!;
    expect(waiting.rateLimit).toMatchObject({ attempt: 1, retryAfterSeconds: 1, limit: 1 });
    expect(waiting.isLoading).toBe(true);
    await waitFor(() => expect(result.current.every((r) => r.data !== undefined)).toBe(true), { timeout: 5000 });
    expect(result.current.every((r) => r.rateLimit === null && r.error === undefined)).toBe(true);
  });

  it('renews the token before it expires and keeps data without refetching', async () => {
    let minted = 0;
    const getToken = () => {
      minted += 1;
      // 12 s lifetime with the default 10 s renew margin → renewed after ~2 s.
      return orgToken('org_1', { ttl: 12 });
    };
    const { fetchImpl, urls } = countingFetch();
    const { result } = renderHook(() => ({ pipe: usePipe('my_api_endpoint'), token: usePerchToken() }), { wrapper: wrapper(getToken, fetchImpl) });
    await waitFor(() => expect(result.current.pipe.data).toBeDefined());
    const first = result.current.token.claims!.jti;
    await waitFor(() => expect(result.current.token.claims!.jti).not.toBe(first), { timeout: 5000 });
    expect(minted).toBeGreaterThanOrEqual(3);
    // Renewal with the same claims is not a reason to refetch.
    expect(urls.length).toBe(1);
    expect(result.current.pipe.error).toBeUndefined();
  });
});
