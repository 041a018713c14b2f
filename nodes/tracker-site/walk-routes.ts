// The site admin's calibration walk routes, under `{map}site/walk/…` (site-admin.ts checks the admin role
// first): start a walk for one dog's collar, collect at a spot, stop, drop a spot, fit, and apply (the fit
// written into the site document and saved through the site admin's own checks and save). One walk per
// site; its readings come from heard-beacons, which trilaterate feeds.
import type { IncomingMessage } from 'http';
import type { Request, Response } from 'express';
import { errorMessage } from '../kernel/checks';
import { onReading } from '../common/heard-beacons';
import { CalibrationWalk, withFit } from './calibration-walk';
import type { TrackerSiteNode } from './tracker-site-node';

type Reply = { status: number; body: unknown };

export interface WalkDeps {
  readBody(req: IncomingMessage, max: number): Promise<string | undefined>;
  save(site: TrackerSiteNode, text: string): Promise<Reply>;
}

/** A walk's request bodies are a few numbers. */
const MAX_BODY_BYTES = 4096;

const walks = new Map<string, CalibrationWalk>();
let unsubscribe: (() => void) | undefined;

function setWalk(siteId: string, walk: CalibrationWalk | undefined): void {
  if (walk) walks.set(siteId, walk);
  else walks.delete(siteId);
  // Listen to the readings only while a walk runs: the hot path pays nothing otherwise.
  if (walks.size > 0 && !unsubscribe)
    unsubscribe = onReading((r) => {
      for (const w of walks.values()) w.add(r);
    });
  else if (walks.size === 0 && unsubscribe) {
    unsubscribe();
    unsubscribe = undefined;
  }
}

/** For tests: ends every walk. */
export function clearWalks(): void {
  for (const id of [...walks.keys()]) setWalk(id, undefined);
}

/** Answers `rest` (what follows `walk/`); false when it is not a walk route. */
export function handleWalk(
  site: TrackerSiteNode,
  rest: string,
  req: Request,
  res: Response,
  deps: WalkDeps,
): boolean {
  const walk = walks.get(site.id);
  if ((req.method === 'GET' || req.method === 'HEAD') && rest === 'status') {
    res.set('Cache-Control', 'no-store');
    res.json({ walk: walk?.status() ?? null });
    return true;
  }
  if (req.method !== 'POST' || !/^(start|collect|stop|remove|fit|apply|cancel)$/.test(rest)) return false;
  if (!/^application\/json\b/.test(String(req.headers['content-type']))) {
    res.status(415).json({ ok: false, error: 'send application/json' });
    return true;
  }
  deps.readBody(req, MAX_BODY_BYTES).then(
    (raw) => {
      if (raw === undefined) {
        res.status(413).json({ ok: false, error: `a walk's request is at most ${MAX_BODY_BYTES} bytes` });
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw || '{}') as Record<string, unknown>;
        if (typeof body !== 'object' || body === null) throw new Error('not an object');
      } catch {
        res.status(400).json({ ok: false, error: 'the request is not a JSON object' });
        return;
      }
      void answer(site, rest, body, walk, deps).then(
        (reply) => res.status(reply.status).json(reply.body),
        (err: unknown) => res.status(500).json({ ok: false, error: errorMessage(err) }),
      );
    },
    (err: unknown) => res.status(400).json({ ok: false, error: errorMessage(err) }),
  );
  return true;
}

async function answer(
  site: TrackerSiteNode,
  route: string,
  body: Record<string, unknown>,
  walk: CalibrationWalk | undefined,
  deps: WalkDeps,
): Promise<Reply> {
  const current = site.view?.site;
  if (route === 'cancel') {
    setWalk(site.id, undefined);
    return { status: 200, body: { ok: true, walk: null } };
  }
  if (route === 'start') {
    if (!current)
      return { status: 409, body: { ok: false, error: `the site is not loaded: ${site.problem}` } };
    try {
      const next = new CalibrationWalk(current, String(body.dog ?? ''));
      setWalk(site.id, next);
      return { status: 200, body: { ok: true, walk: next.status() } };
    } catch (err) {
      return { status: 400, body: { ok: false, error: errorMessage(err) } };
    }
  }
  if (!walk) return { status: 409, body: { ok: false, error: 'no walk running: start one' } };
  try {
    if (route === 'collect') walk.collect(Number(body.x), Number(body.y), Number(body.seconds ?? 5));
    else if (route === 'stop') walk.stop();
    else if (route === 'remove') {
      if (!walk.removeSpot(Number(body.index))) throw new Error('no such spot');
    }
  } catch (err) {
    return { status: 400, body: { ok: false, error: errorMessage(err) } };
  }
  if (route === 'collect' || route === 'stop' || route === 'remove')
    return { status: 200, body: { ok: true, walk: walk.status() } };

  // fit, apply: the distances the walk used must still be the site's.
  const stale = current ? walk.staleFor(current) : `the site is not loaded: ${site.problem}`;
  if (stale)
    return { status: 409, body: { ok: false, error: `${stale} since the walk started: start again` } };
  const fit = walk.fit({ offsets: body.offsets !== false });
  if (!fit.ok) return { status: 422, body: fit };
  if (route === 'fit') return { status: 200, body: fit };
  let text: string;
  try {
    text = withFit(site.text ?? '', fit);
  } catch (err) {
    return { status: 409, body: { ok: false, error: errorMessage(err) } };
  }
  const saved = await deps.save(site, text);
  if (saved.status === 200) setWalk(site.id, undefined);
  return { status: saved.status, body: { ...(saved.body as object), fit } };
}
