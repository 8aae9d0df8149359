import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient, Me, Role } from './api.js';

/**
 * A signed-in user's session lives in an httpOnly cookie the page cannot read. An API key (the compatibility
 * sign-in) lives in sessionStorage only: it dies with the tab and never enters a URL.
 */
const KEY_SLOT = 'motoguard.apiKey';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_SLOT);
}
export function storeKey(key: string): void {
  sessionStorage.setItem(KEY_SLOT, key);
}
export function forgetKey(): void {
  sessionStorage.removeItem(KEY_SLOT);
}

/** `administer`: admin-only pages (users, API keys, and any other page only admins may see). */
export type Capability = 'readViolations' | 'review' | 'manageCameras' | 'manageFootage' | 'viewStats' | 'administer';

const capabilities: Record<Role, readonly Capability[]> = {
  officer: ['readViolations', 'review'],
  ops: ['readViolations', 'manageCameras', 'manageFootage', 'viewStats'],
  admin: ['readViolations', 'review', 'manageCameras', 'manageFootage', 'viewStats', 'administer'],
};

export function can(role: Role, capability: Capability): boolean {
  return capabilities[role].includes(capability);
}

export interface Session {
  api: ApiClient;
  me: Me;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
