import { useEffect, useState, type ReactNode } from 'react';
import { PerchError, type GetToken, type RateLimitInfo } from '@perch/client';
import { PerchProvider, usePerchClient, usePerchToken, usePipe } from '@perch/client/react';
import { DailyChart, type DailyRow } from './Chart';

interface TopRow {
  event_type: string;
  events: number;
  users: number;
  total: number;
}

export function Dashboard({ perchUrl, getToken, identity, otherOrgId }: { perchUrl: string; getToken: GetToken; identity: unknown; otherOrgId: string }) {
  return (
    <PerchProvider baseUrl={perchUrl} getToken={getToken} identity={identity}>
      <div className="grid">
        <section className="card wide">
          <DailyPanel />
        </section>
        <section className="card">
          <TopPanel />
        </section>
        <section className="card">
          <JwtPanel />
        </section>
        <section className="card">
          <TamperPanel otherOrgId={otherOrgId} />
        </section>
        <section className="card">
          <RateLimitPanel />
        </section>
      </div>
    </PerchProvider>
  );
}

function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as PerchError;
  const hint =
    e.status === 403 && /fixed parameter/.test(e.message)
      ? 'This user has no active organization, so the token pins no tenant and Perch refuses it.'
      : e.status === 403
        ? 'The token was refused.'
        : '';
  return (
    <div className="error" data-testid="error" data-status={e.status}>
      <strong>{e.status ? `Perch answered ${e.status}` : 'Request failed'}:</strong> {e.message} {hint && <div>{hint}</div>}
      {e.requestId && <div className="muted">request id {e.requestId}</div>}
    </div>
  );
}

function RateLimitNotice({ info }: { info: RateLimitInfo | null }) {
  if (!info) return null;
  return (
    <div className="notice" data-testid="rate-limit-notice">
      Rate limited (429) — retrying in {info.retryAfterSeconds} s (attempt {info.attempt})…
    </div>
  );
}

function DailyPanel() {
  const [metric, setMetric] = useState<'total' | 'events'>('total');
  const { data, error, isLoading, rateLimit, refetch } = usePipe<DailyRow>('my_api_endpoint');
  const totals = data?.data.reduce((acc, r) => ({ total: acc.total + r.total, events: acc.events + r.events }), { total: 0, events: 0 });
  return (
    <>
      <header>
        <h2>Daily totals — my_api_endpoint</h2>
        <div>
          <select value={metric} onChange={(e) => setMetric(e.target.value as 'total' | 'events')} aria-label="metric">
            <option value="total">sum(some_number)</option>
            <option value="events">events</option>
          </select>{' '}
          <button data-testid="refresh" onClick={refetch}>
            Refresh
          </button>
        </div>
      </header>
      <RateLimitNotice info={rateLimit} />
      <ErrorBox error={error} />
      {isLoading && <div className="muted" data-testid="loading">Loading…</div>}
      {data && totals && (
        <>
          <div className="summary" data-testid="summary" data-total={totals.total} data-events={totals.events} data-days={data.rows}>
            <span>
              <b>{totals.events.toLocaleString('en-US')}</b> events
            </span>
            <span>
              <b>{totals.total.toLocaleString('en-US')}</b> total
            </span>
            <span>
              <b>{data.rows}</b> days
            </span>
            <span className="muted">
              scanned {data.statistics.rows_read.toLocaleString('en-US')} rows in {(data.statistics.elapsed * 1000).toFixed(2)} ms
            </span>
          </div>
          <DailyChart rows={data.data} metric={metric} />
        </>
      )}
    </>
  );
}

function TopPanel() {
  const [limit, setLimit] = useState(5);
  const { data, error, isLoading } = usePipe<TopRow>('top_event_types', { limit });
  return (
    <>
      <header>
        <h2>Top event types</h2>
        <select value={limit} onChange={(e) => setLimit(Number(e.target.value))} aria-label="limit">
          {[3, 5, 10].map((n) => (
            <option key={n} value={n}>
              top {n}
            </option>
          ))}
        </select>
      </header>
      <ErrorBox error={error} />
      {isLoading && <div className="muted">Loading…</div>}
      {data && (
        <table data-testid="top-table">
          <thead>
            <tr>
              <th>event type</th>
              <th>events</th>
              <th>users</th>
              <th>total</th>
            </tr>
          </thead>
          <tbody>
            {data.data.map((r) => (
              <tr key={r.event_type} data-testid="top-row">
                <td>{r.event_type}</td>
                <td>{r.events}</td>
                <td>{r.users}</td>
                <td>{r.total}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function JwtPanel() {
  const { claims, error } = usePerchToken();
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const timer = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1000);
    return () => clearInterval(timer);
  }, []);
  const exp = typeof claims?.exp === 'number' ? claims.exp : undefined;
  return (
    <>
      <header>
        <h2>Decoded JWT</h2>
        {exp !== undefined && <span className="muted" data-testid="jwt-expiry">expires in {Math.max(0, exp - now)} s</span>}
      </header>
      {error ? <ErrorBox error={error} /> : null}
      <pre data-testid="jwt" data-jti={String(claims?.jti ?? '')}>
        {claims ? JSON.stringify(claims, null, 2) : 'no token'}
      </pre>
    </>
  );
}

function TamperPanel({ otherOrgId }: { otherOrgId: string }) {
  const client = usePerchClient();
  const [result, setResult] = useState<ReactNode>(null);
  const [busy, setBusy] = useState(false);
  async function tamper() {
    setBusy(true);
    setResult(null);
    try {
      const honest = await client.pipe<TopRow>('top_event_types', { limit: 10 });
      const tampered = await client.pipe<TopRow>('top_event_types', { limit: 10, organization_id: otherOrgId });
      const same = JSON.stringify(honest.data) === JSON.stringify(tampered.data);
      setResult(
        <div data-testid="tamper-result" data-same={same}>
          <code>?organization_id={otherOrgId}</code> was added to the URL.{' '}
          {same ? (
            <b className="ok">Same data: the token&apos;s fixed_params replaced the tampered parameter.</b>
          ) : (
            <b className="bad">Different data — the tenant boundary leaked!</b>
          )}
          <div className="muted">
            {honest.rows} rows without, {tampered.rows} rows with the tampered parameter.
          </div>
        </div>,
      );
    } catch (error) {
      setResult(
        <div data-testid="tamper-result" data-same="error">
          <ErrorBox error={error} />
        </div>,
      );
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <header>
        <h2>Tamper with the URL</h2>
      </header>
      <p className="muted">Adds another organization&apos;s id to the request&apos;s query string.</p>
      <button data-testid="tamper" disabled={busy} onClick={tamper}>
        Add organization_id={otherOrgId}
      </button>
      {result}
    </>
  );
}

function RateLimitPanel() {
  const client = usePerchClient();
  const [log, setLog] = useState<string[]>([]);
  const [summary, setSummary] = useState<ReactNode>(null);
  const [busy, setBusy] = useState(false);
  const burst = 15;
  async function hit() {
    setBusy(true);
    setLog([]);
    setSummary(null);
    let retries = 0;
    const started = performance.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: burst }, (_, i) =>
        client.pipe('my_api_endpoint', {}, {
          onRateLimit: (info) => {
            retries += 1;
            setLog((lines) => [...lines.slice(-7), `request ${i + 1}: 429, Retry-After ${info.retryAfterSeconds} s (limit ${info.limit ?? '?'} rps) — retrying (attempt ${info.attempt})`]);
          },
        }),
      ),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
    const failed = outcomes.length - ok;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    setSummary(
      <div data-testid="ratelimit-result" data-ok={ok} data-retries={retries} data-failed={failed}>
        {ok}/{burst} requests answered in {seconds} s after {retries} rate-limit retries{failed ? `; ${failed} gave up (${(outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason?.message})` : ''}.
      </div>,
    );
    setBusy(false);
  }
  return (
    <>
      <header>
        <h2>Rate limit</h2>
      </header>
      <p className="muted">Sends {burst} requests at once; the token allows a few per second (limits.rps).</p>
      <button data-testid="hit-rate-limit" disabled={busy} onClick={hit}>
        Hit the rate limit
      </button>
      {busy && <div className="notice">Sending… rate-limited requests wait for Retry-After and retry.</div>}
      <ul className="log" data-testid="ratelimit-log">
        {log.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
      {summary}
    </>
  );
}
