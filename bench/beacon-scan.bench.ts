// beacon-scan: cost per advertisement of decode-and-emit, and the heap after a million advertisements.
// Three figures: the decoder alone; beacon-scan's own path from noble's bindings event to the output
// message (fresh-data filter, decode, reading, filters, seq, msg); and the whole live path from a raw HCI
// advertising report through noble's GAP parser and noble itself. Node-RED's send is not included (the
// test helper's spies would distort it, see NODE-RED-NOTES).
import * as v8 from 'v8';
import * as vm from 'vm';
import { BleScanner } from '../nodes/beacon-scan/ble-scanner';
import { decodeAdvert, type AdvertData } from '../nodes/beacon-scan/frames';
import { FreshAdvertFilter } from '../nodes/beacon-scan/fresh-advert';
import { readingFromFrame, SourcePipeline, type Emission } from '../nodes/beacon-scan/pipeline';
import { topics } from '../nodes/kernel/contract';
import { SiteView } from '../nodes/kernel/site-view';
import { siteText } from '../test/tracker-site/fixtures';
import { FakeClock, testStackFactory } from '../test/beacon-scan/test-bindings';
import { advertisingData, VECTORS } from '../test/beacon-scan/vectors';

const PI_ZERO_FACTOR = 15;
const ADVERTS_PER_SECOND = 100;
const N = 1_000_000;
const TAGS = 200;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function macOf(i: number): string {
  const n = i % TAGS;
  return `ac:23:3f:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
}

const topicCache = new Map<string, string>();
/** As the node does: the topic of each scanner computed once. */
function topicOf(scanner: string): string {
  let topic = topicCache.get(scanner);
  if (topic === undefined) topicCache.set(scanner, (topic = topics.rssi(scanner)));
  return topic;
}

function report(label: string, ns: number, n: number, heap?: [number, number, number]): void {
  const us = ns / 1000 / n;
  const share = (us * PI_ZERO_FACTOR * ADVERTS_PER_SECOND) / 1e6;
  console.log(
    `${label}: ${us.toFixed(2)} µs/advert here; on a Pi Zero (x${PI_ZERO_FACTOR}) at ${ADVERTS_PER_SECOND} adverts/s: ` +
      `${(share * 100).toFixed(2)} % of its core`,
  );
  if (heap) {
    console.log(
      `  heap after gc: ${heap[0].toFixed(1)} MB before, ${heap[1].toFixed(1)} MB after 100k, ` +
        `${heap[2].toFixed(1)} MB after ${n / 1e6}M adverts (growth 100k->1M: ${(heap[2] - heap[1]).toFixed(2)} MB)`,
    );
  }
}

/** Runs `one` N times after a warm-up; the heap is read (after gc) before, at 100k and at the end. */
function timeLoop(one: (i: number) => void): { ns: number; heap: [number, number, number] } {
  for (let i = 0; i < 100_000; i++) one(i);
  const h0 = heapMb();
  let h1 = 0;
  let pausedNs = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    one(i);
    if (i === 100_000) {
      const pause = process.hrtime.bigint();
      h1 = heapMb();
      pausedNs += Number(process.hrtime.bigint() - pause);
    }
  }
  const ns = Number(process.hrtime.bigint() - t0) - pausedNs;
  return { ns, heap: [h0, h1, heapMb()] };
}

function benchDecoder(): void {
  const ads: AdvertData[] = VECTORS.map((v) => ({
    manufacturerData: v.manufacturerData ? Buffer.from(v.manufacturerData, 'hex') : undefined,
    serviceData: v.serviceData
      ? [{ uuid: v.serviceData.uuid, data: Buffer.from(v.serviceData.data, 'hex') }]
      : undefined,
  }));
  let sink = 0;
  for (let i = 0; i < 100_000; i++) sink += decodeAdvert(ads[i % ads.length]).frame.length; // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink += decodeAdvert(ads[i % ads.length]).frame.length;
  const ns = Number(process.hrtime.bigint() - t0);
  report('decoder alone', ns, N);
  if (sink === 0) console.log('');
}

function benchOwnPath(): void {
  // What noble's Linux GAP hands over: a fresh Buffer per parsed AD structure.
  const raw = VECTORS.map((v) => ({
    m: v.manufacturerData ? Buffer.from(v.manufacturerData, 'hex') : undefined,
    s: v.serviceData ? { uuid: v.serviceData.uuid, data: Buffer.from(v.serviceData.data, 'hex') } : undefined,
  }));
  const fresh = new FreshAdvertFilter();
  let sent = 0;
  const pipeline = new SourcePipeline({ allowSiteDogs: false }, (out: Emission) => {
    const msg = { topic: topicOf(out.scanner), payload: out.payload };
    if (msg.topic.length > 0) sent++;
  });
  pipeline.setSite(SiteView.fromJson(siteText()));
  const one = (i: number): void => {
    const r = raw[i % raw.length];
    const ad = {
      manufacturerData: r.m ? Buffer.from(r.m) : undefined,
      serviceData: r.s ? [{ uuid: r.s.uuid, data: Buffer.from(r.s.data) }] : [],
    };
    const mac = macOf(i);
    const data = fresh.take(mac, ad);
    pipeline.accept(readingFromFrame('pi-yard-ne', 1_763_800_000_000 + i, mac, -70, decodeAdvert(data)));
  };
  const { ns, heap } = timeLoop(one);
  report(
    'beacon-scan path (bindings event -> fresh data -> decode -> reading -> filters/seq -> msg)',
    ns,
    N,
    heap,
  );
  if (sent !== N + 100_000) throw new Error(`sent ${sent}`);
}

async function benchLivePath(): Promise<void> {
  const stacks = testStackFactory();
  const clock = new FakeClock();
  let sent = 0;
  const pipeline = new SourcePipeline({}, (out: Emission) => {
    const msg = { topic: topicOf(out.scanner), payload: out.payload };
    if (msg.topic.length > 0) sent++;
  });
  const scanner = new BleScanner(
    {
      deviceId: 0,
      stallMs: 30_000,
      resetAfterStalls: 3,
      resetCommand: '',
      resetTimeoutMs: 1000,
      retryMs: 1000,
    },
    stacks.create,
    clock,
    () => undefined,
    {
      advert: (a) => pipeline.accept(readingFromFrame('pi-yard-ne', a.ts, a.mac, a.rssi, decodeAdvert(a))),
      state: () => undefined,
      log: (_l, text) => console.log(text),
    },
  );
  scanner.start();
  await new Promise((r) => setImmediate(r));
  const bindings = stacks.made[0].bindings;
  const reports = VECTORS.map((v) => advertisingData(v));
  const macs = Array.from({ length: TAGS }, (_, i) => macOf(i));
  const one = (i: number): void =>
    bindings.advertise(macs[i % TAGS], reports[((i / TAGS) % reports.length) | 0], -70);
  const { ns, heap } = timeLoop(one);
  report('whole live path (raw HCI report -> noble GAP parse -> noble -> beacon-scan -> msg)', ns, N, heap);
  scanner.close();
  if (sent !== N + 100_000) throw new Error(`sent ${sent}`);
}

export async function run(): Promise<void> {
  console.log(`${N / 1e6}M advertisements over ${TAGS} tags, the ${VECTORS.length} shared vectors in turn`);
  benchDecoder();
  benchOwnPath();
  await benchLivePath();
  console.log(
    'Target: under 10 µs/advert here (under 2 % of a Pi Zero core at 100 adverts/s) and a flat heap.',
  );
  console.log('Measured on a shared, loaded 2-core machine: figures vary from run to run.');
}
