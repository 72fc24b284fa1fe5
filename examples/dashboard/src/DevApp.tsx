import { useEffect, useMemo, useState } from 'react';
import { Dashboard } from './Dashboard';
import { DevTokenSource } from './tokenSource';

interface Organization {
  id: string;
  slug: string;
  name: string;
}
interface DemoUser {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  memberships: { org: string; role: string }[];
}

/** Development sign-in: pick a demo user and an active organization; tokens come from dev-token-server.mjs. */
export function DevApp({ perchUrl, devAuthUrl }: { perchUrl: string; devAuthUrl: string }) {
  const [directory, setDirectory] = useState<{ users: DemoUser[]; organizations: Organization[] } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [userId, setUserId] = useState<string>('');
  const [orgId, setOrgId] = useState<string | null>(null);

  useEffect(() => {
    fetch(`${devAuthUrl}/users`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`dev token server answered ${r.status}`))))
      .then(setDirectory, (e: Error) => setLoadError(e.message));
  }, [devAuthUrl]);

  const user = directory?.users.find((u) => u.id === userId);
  const orgName = (id: string) => directory?.organizations.find((o) => o.id === id)?.name ?? id;

  function chooseUser(id: string) {
    setUserId(id);
    const next = directory?.users.find((u) => u.id === id);
    setOrgId(next?.memberships[0]?.org ?? null);
  }

  // A new source (and so a new getToken) per user and organization: the provider fetches a fresh
  // token and the hooks refetch — the same thing Clerk does when the active organization changes.
  const source = useMemo(
    () => (userId ? new DevTokenSource(userId, orgId, `${devAuthUrl}/token`) : null),
    [userId, orgId, devAuthUrl],
  );
  const getToken = useMemo(() => (source ? source.getToken.bind(source) : null), [source]);
  const otherOrgId = directory?.organizations.find((o) => o.id !== orgId)?.id ?? 'org_other';

  return (
    <>
      <div className="bar">
        <span className="dev-badge">DEV sign-in (no Clerk key set)</span>
        <label>
          User{' '}
          <select data-testid="user-select" value={userId} onChange={(e) => chooseUser(e.target.value)}>
            <option value="">— sign in as… —</option>
            {directory?.users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.first_name} {u.last_name} ({u.memberships.length ? u.memberships.map((m) => orgName(m.org)).join(', ') : 'no organization'})
              </option>
            ))}
          </select>
        </label>
        {user && (
          <label>
            Organization{' '}
            <select data-testid="org-select" value={orgId ?? ''} onChange={(e) => setOrgId(e.target.value || null)} disabled={user.memberships.length === 0}>
              {user.memberships.length === 0 && <option value="">(none)</option>}
              {user.memberships.map((m) => (
                <option key={m.org} value={m.org}>
                  {orgName(m.org)} ({m.org}, {m.role})
                </option>
              ))}
            </select>
          </label>
        )}
        {user && (
          <span className="muted" data-testid="signed-in" data-user={user.id} data-org={orgId ?? ''}>
            signed in as {user.email}
            {orgId ? ` · active org ${orgName(orgId)}` : ' · no active organization'}
          </span>
        )}
      </div>
      {loadError && <div className="error">Cannot reach the dev token server: {loadError}</div>}
      {getToken ? (
        <Dashboard key={userId} perchUrl={perchUrl} getToken={getToken} identity={`${userId}/${orgId ?? ''}`} otherOrgId={otherOrgId} />
      ) : (
        <p className="muted">Pick a demo user to sign in.</p>
      )}
    </>
  );
}
