import { StrictMode, Suspense, lazy, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { DevApp } from './DevApp';
import './styles.css';

const ClerkApp = lazy(() => import('./ClerkApp'));
const clerkKey = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY as string | undefined;

/**
 * Perch's URL: VITE_PERCH_URL at build time, else /config.json (served by dev-token-server.mjs).
 * The development sign-in lives at `devAuthUrl`: Perch's own `--dev-auth` routes
 * (`<perch>/v0/dev-auth`) when the config names them, else the Node stand-in's `/api`.
 */
function useConfig() {
  const [perchUrl, setPerchUrl] = useState<string | null>((import.meta.env.VITE_PERCH_URL as string | undefined) ?? null);
  const [devAuthUrl, setDevAuthUrl] = useState<string>((import.meta.env.VITE_DEV_AUTH_URL as string | undefined) ?? '/api');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (perchUrl) return;
    fetch('/config.json')
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`/config.json answered ${r.status}`))))
      .then(
        (c: { perchUrl: string; devAuthUrl?: string }) => {
          if (c.devAuthUrl) setDevAuthUrl(c.devAuthUrl);
          setPerchUrl(c.perchUrl);
        },
        (e: Error) => setError(e.message),
      );
  }, [perchUrl]);
  return { perchUrl, devAuthUrl, error };
}

function App() {
  const { perchUrl, devAuthUrl, error } = useConfig();
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
          <DevApp perchUrl={perchUrl} devAuthUrl={devAuthUrl} />
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
