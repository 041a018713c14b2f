// Who a request under a map's path is, in the phone app's terms. tracker-notify owns the people and their
// sessions; the map, the history and the site admin screen are served by other nodes under the same path
// (the session cookie's path is the map's), so tracker-notify registers a resolver here and they ask it.
// Without a tracker-notify for a map there is no app login, and those nodes keep Node-RED's httpNodeAuth.
// No Node-RED here.
import { COOKIE, parseCookies } from '../tracker-notify/routes';

export type AppRole = 'viewer' | 'admin';

export interface AppPerson {
  login: string;
  name: string;
  role: AppRole;
}

/** The person of a session token at `now` (ms), or undefined when unknown or expired. */
export type SessionResolver = (token: string | undefined, now: number) => AppPerson | undefined;

const resolvers = new Map<string, SessionResolver>();

/** Registers the app login of the map at `mapPath` (for example `/dogtracker/`); returns the unregister. */
export function registerAppAccess(mapPath: string, resolver: SessionResolver): () => void {
  resolvers.set(mapPath, resolver);
  return () => {
    if (resolvers.get(mapPath) === resolver) resolvers.delete(mapPath);
  };
}

/** Whether the map at `mapPath` has an app login (a tracker-notify serving it). */
export function hasAppLogin(mapPath: string): boolean {
  return resolvers.has(mapPath);
}

/**
 * The person a request's cookies name for the map at `mapPath`: `undefined` when the map has an app
 * login and this request is not logged in, `'no-app-login'` when no tracker-notify serves this map.
 */
export function appPerson(
  mapPath: string,
  cookieHeader: string | undefined,
  now: number,
): AppPerson | undefined | 'no-app-login' {
  const resolver = resolvers.get(mapPath);
  if (!resolver) return 'no-app-login';
  return resolver(parseCookies(cookieHeader).get(COOKIE), now);
}

/** Whether `role` may do what needs `needed` (an admin may do all a viewer may). */
export function roleAllows(role: AppRole, needed: AppRole): boolean {
  return needed === 'viewer' || role === 'admin';
}
