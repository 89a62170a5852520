import type { MedplumClient } from '@medplum/core';
import { createContext, type ReactNode, useContext } from 'react';
import type { SmartSession } from './launch/smart.ts';

export interface AppSession extends SmartSession {
  medplum: MedplumClient;
  /** The app's folder under /apps/. */
  appName: string;
}

const SessionContext = createContext<AppSession | undefined>(undefined);

export function SessionProvider({ session, children }: { session: AppSession; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The signed-in session; only rendered inside a launched app. */
export function useSession(): AppSession {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The branch the user works in now: the first of the token's branches (a picker comes with multi-branch staff). */
export function useBranch(): string | undefined {
  return useSession().branches[0];
}
