// The editor's site check: `POST {httpAdminRoot}/dogtracker/site/validate` with `{config}` (JSON typed in
// the edit dialog) or `{path}` (a site file on the host). Reading a file on the host for a browser is the
// dangerous half, so it is fenced in: write permission on tracker-site, a .json file inside the Node-RED
// user directory or the folder of DOGTRACKER_SITE_FILE (symlinks resolved), never Node-RED's own files,
// a size cap, and a file's text goes back only when it is a valid site document.
// `checkSitePath` is the pure path policy; `registerSiteCheck` the Node-RED route around it.
import { constants, promises as fs, realpathSync } from 'fs';
import * as path from 'path';
import type { NodeAPI } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { parseSite } from '../kernel/site-document';

export const SITE_CHECK_PATH = '/dogtracker/site/validate';
/** A site document is a few kilobytes; anything much larger is not one. */
export const MAX_SITE_FILE_BYTES = 1024 * 1024;
/** Problems listed for a file that is not a valid site document. */
export const MAX_PROBLEMS = 5;
const MAX_PATH_CHARS = 1024;

export interface SitePathContext {
  /** Node-RED's user directory (relative paths start there). */
  userDir: string;
  /** DOGTRACKER_SITE_FILE, when set: its folder is readable too. */
  siteFile?: string;
  /** Node-RED's flow file name (settings.flowFile), refused like flows*.json. */
  flowFile?: string;
}

export type PathDecision = { ok: true; file: string; roots: string[] } | { ok: false; problem: string };

/** The folders a site file may be read from, as given (not yet resolved through symlinks). */
export function allowedRoots(ctx: SitePathContext): string[] {
  const roots = [path.resolve(ctx.userDir)];
  if (ctx.siteFile) roots.push(path.dirname(path.resolve(ctx.userDir, ctx.siteFile)));
  return [...new Set(roots)];
}

function inside(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel;
}

/**
 * Why a file (its path relative to an allowed root) is never a site file, or undefined. Node-RED keeps
 * its secrets beside the flows in the user directory: the credentials file, `.config.*.json` (which holds
 * the generated credential secret), session tokens, backups, context stores and installed modules.
 */
export function forbiddenReason(rel: string, flowFile?: string): string | undefined {
  const parts = rel.split(/[\\/]+/);
  const base = parts[parts.length - 1].toLowerCase();
  if (parts.some((p) => p.startsWith('.')))
    return 'hidden files and folders (Node-RED keeps its .config files there) are not site files';
  if (parts.some((p) => p === 'node_modules' || p === 'context' || p === 'lib' || p === 'projects'))
    return 'files under node_modules, context, lib or projects are not site files';
  if (!base.endsWith('.json')) return 'a site file is a .json file';
  if (/cred/.test(base)) return 'credentials files are not site files';
  const flowBase = flowFile ? path.basename(flowFile).toLowerCase() : undefined;
  if (base.startsWith('flows') || base === flowBase) return 'flow files are not site files';
  if (base === 'package.json' || base === 'package-lock.json' || base.startsWith('settings'))
    return "Node-RED's own files are not site files";
  return undefined;
}

/**
 * Decides whether `requested` may be read as a site file. `realpath` resolves symlinks (fs.realpathSync
 * in production); it throws for a missing file. The lexical checks come first, so a path outside the
 * allowed folders is refused without touching the disk (its existence is not revealed either).
 */
export function checkSitePath(
  requested: unknown,
  ctx: SitePathContext,
  realpath: (p: string) => string,
): PathDecision {
  if (typeof requested !== 'string' || requested.trim() === '')
    return { ok: false, problem: 'no file named' };
  if (requested.length > MAX_PATH_CHARS || requested.includes('\0'))
    return { ok: false, problem: 'not a usable file path' };
  if (requested.split(/[\\/]+/).includes('..'))
    return { ok: false, problem: "a site file path may not contain '..'" };
  const roots = allowedRoots(ctx);
  const file = path.resolve(ctx.userDir, requested);
  const where = `only .json files in the Node-RED user directory${ctx.siteFile ? ' or the folder of DOGTRACKER_SITE_FILE' : ''} can be read`;
  const lexical = roots.map((r) => inside(r, file)).find((rel) => rel !== undefined);
  if (lexical === undefined) return { ok: false, problem: where };
  const lexicalReason = forbiddenReason(lexical, ctx.flowFile);
  if (lexicalReason) return { ok: false, problem: lexicalReason };
  let real: string;
  try {
    real = realpath(file);
  } catch (err) {
    return {
      ok: false,
      problem: `cannot read ${requested}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    };
  }
  const realRoots: string[] = [];
  for (const r of roots) {
    try {
      realRoots.push(realpath(r));
    } catch {
      // A root that does not exist holds no file.
    }
  }
  // A symlink may point anywhere: the file it resolves to must pass the same rules.
  const rel = realRoots.map((r) => inside(r, real)).find((x) => x !== undefined);
  if (rel === undefined) return { ok: false, problem: where };
  const reason = forbiddenReason(rel, ctx.flowFile);
  if (reason) return { ok: false, problem: reason };
  return { ok: true, file: real, roots: realRoots };
}

export interface CheckReply {
  ok: boolean;
  errors: string[];
  warnings: string[];
  /** The file read (its resolved path). */
  file?: string;
  /** The file's text, only when it is a valid site document (the editor's "Load into editor"). */
  config?: string;
}

/** The check of a typed-in document: the user's own text, so its problems may quote it as parseSite does. */
export function checkTyped(text: string): CheckReply {
  const result = parseSite(text);
  return result.ok
    ? { ok: true, errors: [], warnings: result.warnings }
    : { ok: false, errors: result.errors, warnings: [] };
}

/**
 * The check of a file's text. JSON.parse's own message quotes the text, so a file that is not JSON gets
 * a fixed sentence; validation problems name fields and quote values only through excerpt().
 */
export function checkFileText(text: string, file: string): CheckReply {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, file, errors: ['not a valid site document: the file is not JSON'], warnings: [] };
  }
  const result = parseSite(JSON.stringify(doc));
  if (!result.ok) {
    const shown = result.errors.slice(0, MAX_PROBLEMS);
    const more = result.errors.length - shown.length;
    return {
      ok: false,
      file,
      errors: ['not a valid site document', ...shown, ...(more > 0 ? [`… and ${more} more`] : [])],
      warnings: [],
    };
  }
  return { ok: true, file, errors: [], warnings: result.warnings, config: text };
}

/** Reads at most MAX_SITE_FILE_BYTES of a regular file, through one handle (no swap between check and read). */
export async function readCapped(file: string): Promise<string> {
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > MAX_SITE_FILE_BYTES)
      throw new Error(`larger than ${MAX_SITE_FILE_BYTES / 1024} KiB, too large for a site document`);
    const buffer = Buffer.alloc(MAX_SITE_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_SITE_FILE_BYTES)
        throw new Error(`larger than ${MAX_SITE_FILE_BYTES / 1024} KiB, too large for a site document`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Registers the route on the admin app; tracker-site.ts calls it once. */
export function registerSiteCheck(RED: NodeAPI): void {
  const settings = RED.settings as { userDir?: string; flowFile?: string };
  RED.httpAdmin.post(SITE_CHECK_PATH, RED.auth.needsPermission('tracker-site.write'), (req, res) => {
    const body = (req.body ?? {}) as { config?: unknown; path?: unknown };
    if (body.path === undefined || body.path === '') {
      res.json(checkTyped(typeof body.config === 'string' ? body.config : ''));
      return;
    }
    const ctx: SitePathContext = {
      userDir: settings.userDir ?? process.cwd(),
      // Read per request: the environment is the deployment's, and tests set it.
      siteFile: process.env.DOGTRACKER_SITE_FILE || undefined,
      flowFile: settings.flowFile,
    };
    const decision = checkSitePath(body.path, ctx, realpathSync);
    if (!decision.ok) {
      res.json({ ok: false, errors: [decision.problem], warnings: [] });
      return;
    }
    readCapped(decision.file).then(
      (text) => res.json(checkFileText(text, decision.file)),
      (err: unknown) =>
        res.json({
          ok: false,
          file: decision.file,
          errors: [`cannot read ${decision.file}: ${errorMessage(err)}`],
          warnings: [],
        }),
    );
  });
}
