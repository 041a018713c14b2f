// geofence-alert: positions in; enter / exit / dwell / missing / found alerts out (output 1) and each
// changed dog's full zone state (output 2). The Node-RED adapter over the pure core in geofence.ts.
//
// Two clocks, on purpose:
// - event time (the positions' `ts`) decides everything: hold times, dwell, and missing dogs while
//   other dogs' positions move the clock on;
// - the wall clock only measures silence: when no position at all has arrived for the missing time,
//   the event clock is moved on by the silent wall time, so dogs are reported missing although the
//   hub's input went quiet.
// A position stamped far ahead (one dog's wrong ts) is refused by the core's event clock: counted in
// dogtracker_clock_skew_total{dog}, shown in the status and logged once per dog, never saved.
// Positions of dogs the site does not list are refused with an error, unless following unknown beacons.
// A redeploy (e.g. an inline site edited in the editor) creates the node again: the new instance takes
// over the old one's live geofence (common/handover.ts) when its settings are the same, instead of the
// saved snapshot, and applies the new site as a live update would.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { errorMessage, excerpt, nonFinitePath } from '../kernel/checks';
import { topics } from '../kernel/contract';
import { formatSkew } from '../kernel/event-clock';
import { pipelineMetrics, SiteLabels } from '../common/metrics';
import { handover, watchRuntime } from '../common/handover';
import { linkSite } from '../common/site-link';
import { readOptions, type FenceOptionFields } from './fence-options';
import { FenceOutput, Geofence } from './geofence';
import { readPositions } from './position-input';
import { wallClock, type WallClock } from './wall-clock';
import { statusTexts } from '../common/status-text';

interface GeofenceAlertDef extends NodeDef, FenceOptionFields {
  site?: string;
}

type Send = (msg: Array<NodeMessage | NodeMessage[] | null>) => void;

/** Node context key of the saved zone state (in the default context store). */
const STATE_KEY = 'geofence';
/** Unsaved changes without a confirmed transition (last positions, pending changes) wait at most this long. */
const SAVE_EVERY_MS = 10000;
function formatSilence(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

/** What one instance leaves the next: the live geofence, its wall clock, and what the silence check knew. */
interface LeftFence {
  fence: Geofence;
  clock: WallClock;
  lastInputWall: number;
  lastInputEvent: number | undefined;
}

const fences = handover<LeftFence>();

export = (RED: NodeAPI): void => {
  watchRuntime(RED.events);
  function GeofenceAlert(this: Node, def: GeofenceAlertDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = statusTexts(RED, 'geofence-alert');
    const parsed = readOptions(def);
    if (!parsed.ok) {
      const problem = `invalid settings: ${parsed.errors.join('; ')}`;
      node.status({ fill: 'red', shape: 'ring', text: t('invalidSettings') });
      node.error(problem);
      node.on('input', (_msg, _send, done) => done(new Error(problem)));
      return;
    }
    const options = parsed.options;
    const settingsKey = JSON.stringify([def.site ?? '', options]);
    const clock = wallClock();
    // The fence reads the wall clock it was made with: one left under another clock (a test's) is not taken.
    const taken = fences.take(node.id, settingsKey);
    const left = taken?.clock === clock ? taken : undefined;
    const fence = left?.fence ?? new Geofence(options, () => clock.now());
    const dogLabels = new SiteLabels();
    const context = node.context();

    let ready = false;
    const waiting: Array<[NodeMessageInFlow, Send, (err?: Error) => void]> = [];
    let dirty = false;
    let lastSave = clock.now();
    const startWall = clock.now();
    let clockAtStart: number | undefined;
    let lastInputWall = left?.lastInputWall ?? startWall;
    let lastInputEvent: number | undefined = left?.lastInputEvent;
    /** What the site change made while not ready (a handed-over fence's states), sent once ready. */
    let startOut: FenceOutput | undefined;
    let silentMs = 0;
    let lastStatus = '';

    function emit(out: FenceOutput, send: Send, base: NodeMessage = {}): void {
      if (out.empty) return;
      // Never emit NaN or Infinity: such a payload is dropped and logged (it would be a bug).
      const finite = (payload: object, what: string): boolean => {
        const bad = nonFinitePath(payload);
        if (bad) node.warn(`${what} dropped: ${bad} is not a finite number`);
        return bad === undefined;
      };
      const alerts: NodeMessage[] = [];
      for (const alert of out.alerts) {
        if (!finite(alert, `${alert.event} alert of ${excerpt(alert.dog)}`)) continue;
        pipelineMetrics.alerts.inc({ event: alert.event, severity: alert.severity });
        alerts.push({ ...base, topic: topics.alert(alert.dog ?? ''), payload: alert });
      }
      const states: NodeMessage[] = [];
      for (const dog of out.changed) {
        const state = fence.dogState(dog);
        if (state && finite(state, `zone state of ${excerpt(dog)}`))
          states.push({ ...base, topic: topics.zoneState(dog), payload: state });
      }
      send([alerts.length > 0 ? alerts : null, states.length > 0 ? states : null]);
    }

    function save(): void {
      if (!ready) return;
      dirty = false;
      lastSave = clock.now();
      context.set(STATE_KEY, fence.snapshot(), (err?: unknown) => {
        if (err) node.warn(`cannot save zone state: ${errorMessage(err)}`);
      });
    }

    function afterChange(out: FenceOutput): void {
      if (out.transitions > 0 || out.alerts.length > 0) save();
      else if (!out.empty) dirty = true;
    }

    function showStatus(): void {
      if (!fence.hasSite) return;
      const { dogs, missing, outOfBounds } = fence.summary();
      let status: { fill: 'red' | 'green' | 'yellow' | 'grey'; shape: 'dot' | 'ring'; text: string };
      if (silentMs >= options.missingMs) {
        status = {
          fill: 'yellow',
          shape: 'ring',
          text: t('noPositions', { silence: formatSilence(silentMs) }),
        };
      } else if (fence.eventClock.ahead().length > 0) {
        const worst = fence.eventClock.ahead()[0];
        status = {
          fill: 'yellow',
          shape: 'ring',
          text: t('positionAhead', { dog: worst.source.slice(0, 40), skew: formatSkew(worst.aheadMs) }),
        };
      } else if (fence.clock === undefined) {
        status = { fill: 'grey', shape: 'ring', text: t('waiting') };
      } else {
        const parts = [t(dogs === 1 ? 'dog' : 'dogs', { count: dogs })];
        if (outOfBounds > 0) parts.push(t('outOfBounds', { count: outOfBounds }));
        if (missing > 0) parts.push(t('missing', { count: missing }));
        const fill = outOfBounds > 0 ? 'red' : missing > 0 ? 'yellow' : 'green';
        status = { fill, shape: 'dot', text: parts.join(', ') };
      }
      // Per message: compared as one short string, no JSON key built.
      const key = status.fill + ' ' + status.shape + ' ' + status.text;
      if (key !== lastStatus) {
        lastStatus = key;
        node.status(status);
      }
    }

    const site = linkSite(RED, node, def.site, (view) => {
      const out = new FenceOutput();
      fence.setSite(view, out);
      dogLabels.setListed(view.dogs.map((d) => d.id));
      if (ready) {
        emit(out, (msgs) => node.send(msgs));
        if (!out.empty) save();
      } else if (left) startOut = out;
      lastStatus = '';
      showStatus();
    });

    function handle(msg: NodeMessageInFlow, send: Send, done: (err?: Error) => void): void {
      if (!fence.hasSite || !site.view) {
        done(new Error(site.problem));
        return;
      }
      const { positions, errors, refused, total } = readPositions(msg.payload);
      const out = new FenceOutput();
      for (const position of positions) fence.observe(position, out);
      for (const a of out.ahead) {
        pipelineMetrics.clockSkew.inc({ dog: dogLabels.label(a.dog) });
        if (a.first)
          node.warn(
            `dog ${excerpt(a.dog)}: position stamped ${formatSkew(a.aheadMs)} ahead of the ${a.reference}; ignored until its times are back in step`,
          );
      }
      if (positions.length > 0) {
        lastInputWall = clock.now();
        lastInputEvent = fence.clock;
        silentMs = 0;
      }
      emit(out, send, msg);
      afterChange(out);
      showStatus();
      const texts: string[] = [];
      if (errors.length > 0) {
        const shown = errors.slice(0, 3).join('; ') + (refused > 3 ? `; and ${refused - 3} more` : '');
        texts.push(`${refused} of ${total} position(s) rejected: ${shown}`);
      }
      if (out.unlisted.length > 0) {
        const names = [...new Set(out.unlisted)];
        const shown = names
          .slice(0, 3)
          .map((d) => excerpt(d))
          .join(', ');
        const more = names.length > 3 ? ', …' : '';
        texts.push(
          `${out.unlisted.length} position(s) of dogs the site does not list refused (${shown}${more}): add them to the site, or tick "follow unknown beacons"`,
        );
      }
      if (texts.length === 0) done();
      else done(new Error(texts.join('; ')));
    }

    node.on('input', (msg, send, done) => {
      if (ready) handle(msg, send, done);
      else waiting.push([msg, send, done]);
    });

    // Restore the saved state (asynchronously, so any context store works) before the first position.
    context.get(STATE_KEY, (err: unknown, saved: unknown) => {
      try {
        // A handed-over fence is newer than any snapshot: nothing to restore.
        if (!left) {
          if (err) node.warn(`cannot read saved zone state, starting afresh: ${errorMessage(err)}`);
          else for (const problem of fence.restore(saved)) node.warn(`saved zone state: ${problem}`);
        }
      } catch (restoreErr) {
        node.warn(`cannot restore zone state, starting afresh: ${errorMessage(restoreErr)}`);
      }
      clockAtStart = fence.clock;
      ready = true;
      if (startOut) {
        emit(startOut, (msgs) => node.send(msgs));
        if (!startOut.empty) save();
        startOut = undefined;
      }
      for (const [msg, send, done] of waiting.splice(0)) handle(msg, send, done);
      showStatus();
    });

    // The silence check: wall clock, see the top of this file. Never throws out of the timer.
    const periodMs = Math.min(5000, Math.max(250, Math.floor(options.missingMs / 4)));
    const timer = clock.setInterval(() => {
      try {
        if (!ready) return;
        const now = clock.now();
        silentMs = now - lastInputWall;
        if (fence.hasSite && silentMs >= options.missingMs) {
          // Event time when the input went silent: the last input's, else the saved clock, else now.
          const silentSince = lastInputEvent ?? clockAtStart ?? startWall;
          const out = new FenceOutput();
          fence.advanceClock(silentSince + silentMs, silentSince, out);
          emit(out, (msgs) => node.send(msgs));
          afterChange(out);
        }
        showStatus();
        if (dirty && now - lastSave >= SAVE_EVERY_MS) save();
      } catch (err) {
        node.error(`silence check failed: ${errorMessage(err)}`);
      }
    }, periodMs);

    node.on('close', (removed: boolean, done: () => void) => {
      clock.clearInterval(timer);
      // A removed node's context is deleted by Node-RED; saving it again would bring it back.
      if (!removed) {
        save();
        fences.leave(node.id, settingsKey, { fence, clock, lastInputWall, lastInputEvent });
      }
      for (const [, , pendingDone] of waiting.splice(0))
        pendingDone(new Error('node closed before its state loaded'));
      done();
    });
  }

  RED.nodes.registerType('geofence-alert', GeofenceAlert);
};
