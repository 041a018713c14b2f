// People of a site and what each role may do. No Node-RED here: the adapter gives the parsed list.
//
// The list itself (name, login, role, e-mail) is node configuration; the bcrypt hashes are a Node-RED
// credential (one JSON object login -> hash), so they never appear in a flow export.
import { excerpt, isObject } from '../kernel/checks';

export type Role = 'viewer' | 'admin';

export interface Person {
  login: string;
  name: string;
  role: Role;
  email?: string;
  /** bcrypt hash (`$2a$`/`$2b$`/`$2y$`); undefined: this person cannot log in (channels only). */
  hash?: string;
}

/** What a request may do; checked on the server for every API call. */
export type Action =
  | 'read' // alerts, history, own profile, push status
  | 'acknowledge'
  | 'own-settings' // own subscription and devices
  | 'manage'; // other people's settings, the people list, resolving alerts by hand

const GRANTS: Readonly<Record<Role, ReadonlySet<Action>>> = {
  viewer: new Set(['read', 'acknowledge', 'own-settings']),
  admin: new Set(['read', 'acknowledge', 'own-settings', 'manage']),
};

export function may(role: Role, action: Action): boolean {
  return GRANTS[role].has(action);
}

const LOGIN_RE = /^[a-z0-9][a-z0-9._@-]{0,63}$/;
const BCRYPT_RE = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
export const MAX_PEOPLE = 200;

export function isLogin(value: unknown): value is string {
  return typeof value === 'string' && LOGIN_RE.test(value);
}

export function isBcryptHash(value: unknown): value is string {
  return typeof value === 'string' && BCRYPT_RE.test(value);
}

/**
 * The people list from its JSON text (`[{login, name, role, email}]`) and the hashes credential
 * (`{"login": "$2b$..."}`). Throws one Error naming every bad entry.
 */
export function parsePeople(listText: unknown, hashesText: unknown): Person[] {
  const problems: string[] = [];
  const list = parseJson(listText, 'people', []);
  const hashes = parseJson(hashesText, 'password hashes', {});
  if (!Array.isArray(list)) throw new Error(`people must be a JSON array, not ${excerpt(list)}`);
  if (!isObject(hashes)) throw new Error('password hashes must be a JSON object login -> bcrypt hash');
  if (list.length > MAX_PEOPLE) problems.push(`at most ${MAX_PEOPLE} people, not ${list.length}`);
  const people: Person[] = [];
  const seen = new Set<string>();
  list.slice(0, MAX_PEOPLE).forEach((entry: unknown, i) => {
    const where = `people[${i}]`;
    if (!isObject(entry)) return problems.push(`${where} must be an object, not ${excerpt(entry)}`);
    const login = typeof entry.login === 'string' ? entry.login.trim().toLowerCase() : entry.login;
    if (!isLogin(login))
      return problems.push(
        `${where}.login must be 1-64 lower-case letters, digits, . _ @ or -, not ${excerpt(entry.login)}`,
      );
    if (seen.has(login)) return problems.push(`${where}.login "${login}" is used twice`);
    seen.add(login);
    const role = entry.role ?? 'viewer';
    if (role !== 'viewer' && role !== 'admin')
      return problems.push(`${where}.role must be "viewer" or "admin", not ${excerpt(role)}`);
    const name = typeof entry.name === 'string' && entry.name.trim() !== '' ? entry.name.trim() : login;
    const person: Person = { login, name: name.slice(0, 80), role };
    if (entry.email !== undefined && entry.email !== '') {
      if (
        typeof entry.email !== 'string' ||
        !/^[^\s@]+@[^\s@]+$/.test(entry.email) ||
        entry.email.length > 254
      )
        return problems.push(`${where}.email is not an e-mail address: ${excerpt(entry.email)}`);
      person.email = entry.email;
    }
    const hash = hashes[login];
    if (hash !== undefined && hash !== '') {
      if (!isBcryptHash(hash)) return problems.push(`the password hash of "${login}" is not a bcrypt hash`);
      person.hash = hash;
    }
    people.push(person);
  });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return people;
}

function parseJson(text: unknown, what: string, empty: unknown): unknown {
  if (text === undefined || text === null || text === '') return empty;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what} is not valid JSON: ${excerpt(text)}`);
  }
}

/** The escalation order: logins separated by commas or spaces, each a known person. */
export function parseEscalation(text: unknown, people: readonly Person[]): string[] {
  if (typeof text !== 'string' || text.trim() === '') return [];
  const known = new Set(people.map((p) => p.login));
  const order: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    const login = raw.trim().toLowerCase();
    if (login === '') continue;
    if (!known.has(login))
      throw new Error(`escalation order names "${login.slice(0, 64)}", who is not in the people list`);
    if (!order.includes(login)) order.push(login);
  }
  return order;
}
