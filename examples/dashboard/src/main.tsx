import { StrictMode, Suspense, lazy, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { DevApp } from './DevApp';
import './styles.css';

const ClerkApp = lazy(() => import('./ClerkApp'));
const clerkKey = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY as string | undefined;

/** Perch's URL: VITE_PERCH_URL at build time, else /config.json (served by dev-token-server.mjs). */
function useConfig() {
  const [perchUrl, setPerchUrl] = useState<string | null>((import.meta.env.VITE_PERCH_URL as string | undefined) ?? null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (perchUrl) return;
    fetch('/config.json')
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`/config.json answered ${r.status}`))))
      .then((c: { perchUrl: string }) => setPerchUrl(c.perchUrl), (e: Error) => setError(e.message));
  }, [perchUrl]);
  return { perchUrl, error };
}

function App() {
  const { perchUrl, error } = useConfig();
  return (
    <main>
      <h1>
        Perch <span className="muted">multi-tenant dashboard demo</span>
      </h1>
      {error && <div className="error">Configuration: {error}</div>}
      {perchUrl &&
        (clerkKey ? (
          <Suspense fallback={<p>Loading Clerk…</p>}>
            <ClerkApp publishableKey={clerkKey} perchUrl={perchUrl} />
          </Suspense>
        ) : (
          <DevApp perchUrl={perchUrl} />
        ))}
      {perchUrl && (
        <footer className="muted" data-testid="perch-url">
          Perch at {perchUrl}
        </footer>
      )}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
