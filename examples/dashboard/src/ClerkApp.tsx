/**
 * The production path: Clerk signs the user in and mints the Perch token from its "tinybird" JWT
 * template (signed HS256 with the Perch admin token as the custom signing key). Loaded only when
 * VITE_CLERK_PUBLISHABLE_KEY is set.
 */
import { useCallback } from 'react';
import { ClerkProvider, OrganizationSwitcher, SignedIn, SignedOut, SignInButton, UserButton, useAuth } from '@clerk/clerk-react';
import { Dashboard } from './Dashboard';

function ClerkDashboard({ perchUrl }: { perchUrl: string }) {
  const { getToken, orgId, userId } = useAuth();
  // Clerk caches template tokens (60 s lifetime) and renews them; skipCache forces a new one.
  const getPerchToken = useCallback(
    (options?: { skipCache?: boolean }) => getToken({ template: 'tinybird', skipCache: options?.skipCache }),
    [getToken],
  );
  return <Dashboard perchUrl={perchUrl} getToken={getPerchToken} identity={`${userId}/${orgId ?? ''}`} otherOrgId="org_someone_else" />;
}

export default function ClerkApp({ publishableKey, perchUrl }: { publishableKey: string; perchUrl: string }) {
  return (
    <ClerkProvider publishableKey={publishableKey}>
      <div className="bar">
        <SignedIn>
          <OrganizationSwitcher />
          <UserButton />
        </SignedIn>
      </div>
      <SignedOut>
        <SignInButton />
      </SignedOut>
      <SignedIn>
        <ClerkDashboard perchUrl={perchUrl} />
      </SignedIn>
    </ClerkProvider>
  );
}
