import { performance } from 'node:perf_hooks';
import { setTimeout as sleep, setImmediate as yieldToIo } from 'node:timers/promises';
import * as hdr from 'hdr-histogram-js';
import { murmurhash3_x86_32 } from '../shared/murmurhash3.js';
import { deriveSeed, type SeededRandom, seededRandom } from '../shared/seeded-random.js';
import { nextInput, type OfferedChoice } from './load-players.js';

/** A request that got no HTTP answer in this long counts as `timeout` (the turn is not acknowledged). */
const REQUEST_TIMEOUT_MS = 30_000;
/** Open loop: at most this many turns in flight; later turns wait (and their delay is measured). */
const MAX_IN_FLIGHT = 512;
/** Session read-backs in parallel during verification. */
const VERIFY_CONCURRENCY = 8;

export type Histogram = hdr.Histogram;

/** A latency histogram in microseconds: 1 µs to 1 h at 3 significant digits. */
export function latencyHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** The histogram kept under `key`, created empty on first use. */
export function histogramOf(histograms: Map<string, Histogram>, key: string): Histogram {
  const existing = histograms.get(key);
  if (existing) return existing;
  const created = latencyHistogram();
  histograms.set(key, created);
  return created;
}

function tally(counts: Record<string, Record<string, number>>, route: string, status: string): void {
  const byStatus = counts[route] ?? {};
  byStatus[status] = (byStatus[status] ?? 0) + 1;
  counts[route] = byStatus;
}

/** One acknowledged (200) turn, as the client saw it. */
export interface AcknowledgedTurn {
  sessionId: string;
  turnNo: number;
  turnId: string;
  /** murmur3 of the answer's text, to compare with the stored turn without keeping every text. */
  txtHash: number;
  pipeline: 'awf' | 'legacy';
  retried: boolean;
  fallback: boolean;
  fallbackReason?: string;
  /** The server's own latencyMs of the turn (what its SLO sketch records). */
  serverMs: number;
  /** Send to answer, at the client, in µs. */
  wallUs: number;
}

/** Counters the progress bar shows while the load runs. */
export interface LoadProgress {
  elapsedMs: number;
  durationMs: number;
  turnsSent: number;
  acknowledged: number;
  status5xx: number;
}

export interface DriveOptions {
  urls: readonly string[];
  durationMs: number;
  rate?: number;
  concurrency?: number;
  users: number;
  turnsPerSession: number;
  seed: number;
  onProgress?(progress: LoadProgress): void;
  /** Ends the run early (the demo's Ctrl-C): no turn starts after it fires; turns in flight finish. */
  signal?: AbortSignal;
}

/** What a load run saw, before verification. */
export interface DriveResult {
  elapsedMs: number;
  sessionsStarted: number;
  turnsSent: number;
  acknowledged: AcknowledgedTurn[];
  /** route ("POST /api/sessions", "POST /api/sessions/:id/turns") → status ("200", "503", "timeout", "network") → count. */
  statusCodes: Record<string, Record<string, number>>;
  /** Wall latency of every turn request (any answer), µs. */
  turnLatency: Histogram;
  /** Open loop: latency from when each turn was due (coordinated-omission corrected), µs. */
  correctedLatency?: Histogram;
  /** Wall latency of acknowledged turns by answering pipeline ("awf", "legacy", "awf→legacy fallback"). */
  byPipeline: Map<string, Histogram>;
}

interface Player {
  sessionId: string;
  url: string;
  turnsLeft: number;
  choices: OfferedChoice[];
  random: SeededRandom;
}

const TURN_ROUTE = 'POST /api/sessions/:id/turns';
const SESSION_ROUTE = 'POST /api/sessions';

/**
 * Plays sessions against `urls` for `durationMs`: a closed loop of `concurrency` players or an open
 * loop of `rate` turns a second. Every request is bounded by a timeout and no turn starts after the
 * duration, so the run ends by itself.
 */
export async function driveLoad(options: DriveOptions): Promise<DriveResult> {
  const result: DriveResult = {
    elapsedMs: 0,
    sessionsStarted: 0,
    turnsSent: 0,
    acknowledged: [],
    statusCodes: {},
    turnLatency: latencyHistogram(),
    byPipeline: new Map(),
    ...(options.rate !== undefined ? { correctedLatency: latencyHistogram() } : {}),
  };
  const random = seededRandom(deriveSeed(options.seed, 'load'));
  let status5xx = 0;
  let nextUrl = 0;
  const count = (route: string, status: string) => {
    tally(result.statusCodes, route, status);
    if (/^5\d\d$/.test(status)) status5xx += 1;
  };

  const post = async (url: string, body: unknown): Promise<{ status: string; json?: unknown }> => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: String(response.status), json };
    } catch (error) {
      return { status: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network' };
    }
  };

  const startPlayer = async (): Promise<Player | undefined> => {
    const url = options.urls[nextUrl++ % options.urls.length] as string;
    const seed = random.int(2 ** 31);
    const userId = `load-user-${random.int(options.users) + 1}`;
    const answer = await post(`${url}/api/sessions`, { userId, seed });
    count(SESSION_ROUTE, answer.status);
    if (answer.status !== '201') return undefined;
    const opening = answer.json as { sessionId: string; choices: OfferedChoice[] };
    result.sessionsStarted += 1;
    return {
      sessionId: opening.sessionId,
      url,
      turnsLeft: options.turnsPerSession,
      choices: opening.choices,
      random: seededRandom(deriveSeed(options.seed, 'player', seed)),
    };
  };

  /** One turn; returns whether the player can go on with its session. */
  const playTurn = async (player: Player, dueAt?: number): Promise<boolean> => {
    const input = nextInput(player.random, player.choices);
    // Requests go round the instances, as a balancer would send them; the store is shared.
    const url =
      options.urls.length === 1 ? player.url : (options.urls[nextUrl++ % options.urls.length] as string);
    result.turnsSent += 1;
    player.turnsLeft -= 1;
    const sent = performance.now();
    const answer = await post(`${url}/api/sessions/${encodeURIComponent(player.sessionId)}/turns`, { input });
    const done = performance.now();
    const wallUs = Math.max(1, Math.round((done - sent) * 1000));
    result.turnLatency.recordValue(wallUs);
    if (dueAt !== undefined)
      result.correctedLatency?.recordValue(Math.max(1, Math.round((done - dueAt) * 1000)));
    count(TURN_ROUTE, answer.status);
    if (answer.status !== '200') return false;
    const turn = answer.json as {
      turnId: string;
      pipeline: 'awf' | 'legacy';
      txt: string;
      choices: OfferedChoice[];
      retried: boolean;
      fallback: boolean;
      fallbackReason?: string;
      latencyMs: number;
    };
    const turnNo = Number(turn.turnId.slice(turn.turnId.lastIndexOf(':') + 1));
    result.acknowledged.push({
      sessionId: player.sessionId,
      turnNo,
      turnId: turn.turnId,
      txtHash: murmurhash3_x86_32(turn.txt, 0),
      pipeline: turn.pipeline,
      retried: turn.retried,
      fallback: turn.fallback,
      ...(turn.fallbackReason ? { fallbackReason: turn.fallbackReason } : {}),
      serverMs: turn.latencyMs,
      wallUs,
    });
    const pipeline = turn.fallback ? 'awf→legacy fallback' : turn.pipeline;
    histogramOf(result.byPipeline, pipeline).recordValue(wallUs);
    player.choices = turn.choices;
    return player.turnsLeft > 0;
  };

  const started = performance.now();
  const deadline = started + options.durationMs;
  const over = () => options.signal?.aborted === true || performance.now() >= deadline;
  const progress = options.onProgress
    ? setInterval(() => {
        options.onProgress?.({
          elapsedMs: Math.min(options.durationMs, performance.now() - started),
          durationMs: options.durationMs,
          turnsSent: result.turnsSent,
          acknowledged: result.acknowledged.length,
          status5xx,
        });
      }, 250)
    : undefined;

  try {
    if (options.rate !== undefined) {
      const interval = 1000 / options.rate;
      const idle: Player[] = [];
      const inFlight = new Set<Promise<void>>();
      for (let k = 0; ; k++) {
        const dueAt = started + k * interval;
        if (dueAt >= deadline || options.signal?.aborted) break;
        const wait = dueAt - performance.now();
        if (wait > 1) await sleep(wait);
        if (options.signal?.aborted) break;
        else if (k % 32 === 0) await yieldToIo();
        while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
        const task = (async () => {
          const player = idle.pop() ?? (await startPlayer());
          if (!player) return;
          if (await playTurn(player, dueAt)) idle.push(player);
        })();
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
      }
      await Promise.all(inFlight);
    } else {
      const workers = Array.from({ length: options.concurrency ?? 1 }, async () => {
        let player: Player | undefined;
        while (!over()) {
          player ??= await startPlayer();
          if (!player) {
            await sleep(50); // the server refused a session: do not spin
            continue;
          }
          if (!(await playTurn(player))) player = undefined;
        }
      });
      await Promise.all(workers);
    }
  } finally {
    if (progress) clearInterval(progress);
  }
  result.elapsedMs = performance.now() - started;
  return result;
}

/** What the read-back of every acknowledged turn found. */
export interface Verification {
  /** Acknowledged turns missing from GET /api/sessions/:id or stored with another answer. */
  lost: number;
  /** Up to 5 examples of lost turns. */
  lostExamples: string[];
  /** Each acknowledged turn's route reason, as stored ("sessionId:turnNo" → reason). */
  routeReasons: Map<string, string>;
  /** Read-backs that did not answer 200 (their turns count as lost). */
  readFailures: number;
}

/** Reads every session with acknowledged turns back and checks each acknowledged turn is stored as answered. */
export async function verifyAcknowledged(
  urls: readonly string[],
  acknowledged: readonly AcknowledgedTurn[],
  statusCodes: DriveResult['statusCodes'],
): Promise<Verification> {
  const bySession = new Map<string, AcknowledgedTurn[]>();
  for (const turn of acknowledged) {
    const list = bySession.get(turn.sessionId) ?? [];
    list.push(turn);
    bySession.set(turn.sessionId, list);
  }
  const verification: Verification = { lost: 0, lostExamples: [], routeReasons: new Map(), readFailures: 0 };
  const lose = (turn: AcknowledgedTurn, why: string) => {
    verification.lost += 1;
    if (verification.lostExamples.length < 5) verification.lostExamples.push(`${turn.turnId}: ${why}`);
  };
  const sessions = [...bySession.entries()];
  let next = 0;
  const route = 'GET /api/sessions/:id';
  await Promise.all(
    Array.from({ length: Math.min(VERIFY_CONCURRENCY, sessions.length) }, async () => {
      while (next < sessions.length) {
        const index = next++;
        const [sessionId, turns] = sessions[index] as [string, AcknowledgedTurn[]];
        const url = urls[index % urls.length] as string;
        let status = 'network';
        let stored: Array<{ turnNo: number; routeReason: string; result: { turnId: string; txt: string } }> =
          [];
        try {
          const response = await fetch(`${url}/api/sessions/${encodeURIComponent(sessionId)}`, {
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          status = String(response.status);
          if (response.ok) stored = ((await response.json()) as { turns: typeof stored }).turns;
          else await response.arrayBuffer();
        } catch (error) {
          status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network';
        }
        tally(statusCodes, route, status);
        if (status !== '200') {
          verification.readFailures += 1;
          for (const turn of turns) lose(turn, `GET /api/sessions/${sessionId} answered ${status}`);
          continue;
        }
        const byNo = new Map(stored.map((turn) => [turn.turnNo, turn]));
        for (const turn of turns) {
          const found = byNo.get(turn.turnNo);
          if (!found) lose(turn, 'not in the session');
          else if (
            found.result.turnId !== turn.turnId ||
            murmurhash3_x86_32(found.result.txt, 0) !== turn.txtHash
          )
            lose(turn, 'stored with another answer');
          else verification.routeReasons.set(`${turn.sessionId}:${turn.turnNo}`, found.routeReason);
        }
      }
    }),
  );
  return verification;
}
