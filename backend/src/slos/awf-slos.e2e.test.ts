import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import type { AuditAppender, AuditEntry, AuditEvent } from '../audit/audit-types.js';
import type { Session } from '../game/game-types.js';
import type { Database } from '../store/database.js';
import { type TestDatabase, testDatabaseTargets } from '../store/testing/test-databases.js';
import type { FailedTurn } from '../turns/turn-service.js';
import type { SloAlertEvent, SloLog } from './alert-delivery.js';
import { createSloService, type SloService } from './awf-slos.js';
import { createKyselySloStore } from './kysely-slo-store.js';
import {
  TEST_SLO_SETTINGS,
  TEST_SLO_THRESHOLDS,
  type TestSloServiceOptions,
  type TestSloServices,
  testSloServices,
} from './testing/slo-test-services.js';
import type { TurnSample } from './turn-aggregates.js';
import { createTurnMetrics } from './turn-metrics.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const SESSION: Session = {
  sessionId: 's1',
  userId: 'u1',
  seed: 1,
  state: { scene: 'start', flags: {}, inventory: [], relationships: {} },
  turnCount: 0,
  lastChoices: [],
  createdAt: '2026-01-01T12:00:00.000Z',
  updatedAt: '2026-01-01T12:00:00.000Z',
};

/** A clock tests move by hand. */
function manualClock(start = T0) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

/** A log that keeps its lines. */
function capturingLog(): SloLog & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    info: (message) => lines.push(['info', message]),
    warn: (message) => lines.push(['warn', message]),
    error: (message) => lines.push(['error', message]),
  };
}

/** `count` AWF turns of which the first `fellBack` fell back, at `latencyMs`. */
function playAwf(service: SloService, count: number, fellBack: number, latencyMs = 900): void {
  for (let i = 0; i < count; i++) {
    const sample: TurnSample = {
      pipeline: 'awf',
      latencyMs: latencyMs + (i % 7),
      retried: false,
      fallback: i < fellBack,
      fallbackReason: i < fellBack ? 'provider_error' : undefined,
    };
    service.recordTurn(sample);
  }
}

/** An AuditAppender that writes nothing but remembers what it was asked inside which transaction. */
function recordingAppender(): AuditAppender & { events: AuditEvent[]; failNext?: boolean } {
  const appender: AuditAppender & { events: AuditEvent[]; failNext?: boolean } = {
    events: [],
    async appendInTransaction(_trx, event) {
      if (appender.failNext) {
        appender.failNext = false;
        throw new Error('audit store unavailable');
      }
      appender.events.push(event);
      return {
        ...event,
        seq: appender.events.length,
        id: 'x',
        createdAt: '',
        prevHash: '',
        hash: '',
      } as AuditEntry;
    },
  };
  return appender;
}

for (const target of testDatabaseTargets()) {
  describe(`SLO service over ${target.name}`, () => {
    let database: TestDatabase;
    let sloServices: TestSloServices;
    const extraConnections: Database[] = [];

    before(async () => {
      database = await target.open();
      sloServices = testSloServices(database, () => T0);
    });
    afterEach(async () => {
      await sloServices.reset();
    });
    after(async () => {
      for (const connection of extraConnections) await connection.close();
      await database.close();
    });

    /** An SLO service writing through `on`, registered to be closed after the test. */
    const serviceOn = (on: Database, options: Omit<TestSloServiceOptions, 'on'> = {}): SloService =>
      sloServices.open({ ...options, on });

    describe('.status()', () => {
      it('when two instances each record half the turns: reports exactly what one process recording all would', async () => {
        const clock = manualClock();
        const second = await database.reopen();
        extraConnections.push(second);
        const a = serviceOn(database, { instanceId: 'instance-a', now: clock.now });
        const b = serviceOn(second, { instanceId: 'instance-b', now: clock.now });
        const single = await target.open();
        try {
          const one = serviceOn(single, { instanceId: 'only', now: clock.now });
          for (let i = 0; i < 400; i++) {
            const sample: TurnSample = {
              pipeline: i % 5 === 0 ? 'legacy' : 'awf',
              latencyMs: 200 + ((i * 7919) % 13_000),
              retried: i % 11 === 0,
              fallback: i % 37 === 0,
              fallbackReason: i % 37 === 0 ? 'invalid_output' : undefined,
            };
            (i % 2 === 0 ? a : b).recordTurn(sample);
            one.recordTurn(sample);
            if (i === 199) clock.advance(MINUTE);
          }
          await a.flush();
          const merged = await b.status('1h');
          const alone = await one.status('1h');
          assert.deepEqual(merged.instances, ['instance-a', 'instance-b']);
          assert.deepEqual(merged.awf, alone.awf);
          assert.deepEqual(merged.legacy, alone.legacy);
          assert.deepEqual(merged.slos, alone.slos);
          assert.equal(merged.awf.turns, 320);
        } finally {
          await one_close(sloServices.opened, single);
        }
      });

      it('adds a later flush of the same minute and instance to the stored row instead of replacing it', async () => {
        const service = serviceOn(database);
        playAwf(service, 60, 0);
        await service.flush();
        playAwf(service, 40, 2);
        const report = await service.status('5m');
        assert.equal(report.awf.turns, 100);
        assert.equal(report.awf.fallbacks, 2);
        const rows = await database.db.selectFrom('slo_minutes').selectAll().execute();
        assert.equal(rows.length, 1);
      });

      it('merges minutes within the window only, and compares AWF with legacy', async () => {
        const clock = manualClock();
        const service = serviceOn(database, { now: clock.now });
        playAwf(service, 100, 0, 500);
        clock.advance(10 * MINUTE);
        playAwf(service, 120, 0, 2000);
        service.recordTurn({ pipeline: 'legacy', latencyMs: 700, retried: false, fallback: false });
        const recent = await service.status('5m');
        assert.equal(recent.awf.turns, 120);
        assert.equal(recent.legacy.turns, 1);
        const hour = await service.status('1h');
        assert.equal(hour.awf.turns, 220);
      });

      it('when turns failed outright: counts an AWF one as a legacy_unavailable fallback and a legacy one as a failed legacy turn', async () => {
        const service = serviceOn(database);
        playAwf(service, 88, 0);
        const failed = (pipeline: 'awf' | 'legacy', errorCode: string): FailedTurn => ({
          decision: { pipeline, reason: 'percent_bucket', bucket: 7 },
          session: SESSION,
          latencyMs: 20_000,
          errorCode,
        });
        for (let i = 0; i < 12; i++) service.observer.onTurnFailed?.(failed('awf', 'LEGACY_UNAVAILABLE'));
        service.observer.onTurnFailed?.(failed('legacy', 'LEGACY_UNAVAILABLE'));
        const report = await service.status('5m');
        assert.equal(report.awf.turns, 100);
        assert.equal(report.awf.fallbacks, 12);
        assert.deepEqual(report.awf.fallbackReasons, { legacy_unavailable: 12 });
        assert.equal(report.awf.failures, 12);
        assert.equal(report.awf.latencyMaxMs !== null && report.awf.latencyMaxMs > 19_000, true);
        assert.equal(report.legacy.turns, 1);
        assert.equal(report.legacy.failures, 1);
        assert.equal(report.legacy.fallbacks, 0);
        const fallbackRate = report.slos.find((slo) => slo.slo === 'fallback_rate');
        assert.equal(fallbackRate?.value, 12);
        assert.equal(fallbackRate?.state, 'critical');
      });

      it('changes no alert, even over a violated window', async () => {
        const service = serviceOn(database);
        playAwf(service, 200, 50);
        const report = await service.status('5m');
        assert.equal(report.healthy, false);
        assert.deepEqual(report.alerts, []);
        assert.equal((await database.db.selectFrom('slo_alerts').selectAll().execute()).length, 0);
      });
    });

    describe('.evaluate()', () => {
      it('fires once and resolves once: no repeat while the violation lasts or after it ends', async () => {
        const clock = manualClock();
        const log = capturingLog();
        const service = serviceOn(database, { now: clock.now, log });
        const events: SloAlertEvent[] = [];
        service.onAlert((event) => {
          events.push(event);
        });

        playAwf(service, 200, 10); // 5 % fallbacks: critical
        for (let i = 0; i < 3; i++) {
          await service.evaluate();
          clock.advance(MINUTE / 2);
          playAwf(service, 20, 1);
        }
        assert.deepEqual(
          events.map((event) => [event.kind, event.slo, event.severity]),
          [['fired', 'fallback_rate', 'critical']],
        );
        const warnings = log.lines.filter(([level]) => level === 'warn');
        assert.equal(warnings.length, 1);
        assert.match(
          warnings[0]?.[1] ?? '',
          /fallback rate 5\.00 % \(lower bound 1\.97 % at 99\.9 %, n=200\) > threshold 1\.00 %.*Suggested actions: 1\) Investigate/,
        );

        clock.advance(10 * MINUTE);
        playAwf(service, 200, 0);
        await service.evaluate();
        await service.evaluate();
        assert.deepEqual(
          events.map((event) => event.kind),
          ['fired', 'resolved'],
        );
        const rows = await database.db.selectFrom('slo_alerts').selectAll().execute();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.resolved_value, 0);
        assert.equal(rows[0]?.resolved_reason, 'recovered');
        assert.equal(events[1]?.reason, 'recovered');
      });

      it('keeps an alert open while the value sits between the resolve point and the threshold (hysteresis)', async () => {
        const clock = manualClock();
        const service = serviceOn(database, { now: clock.now });
        const kinds: string[] = [];
        service.onAlert((event) => {
          kinds.push(event.kind);
        });
        playAwf(service, 200, 12); // 6 %
        await service.evaluate();
        clock.advance(10 * MINUTE);
        playAwf(service, 2000, 19); // 0.95 %: below 1 %, above the 0.9 % resolve point
        await service.evaluate();
        assert.deepEqual(kinds, ['fired']);
        assert.equal((await service.status('5m')).alerts.length, 1);
        clock.advance(10 * MINUTE);
        playAwf(service, 2000, 18); // 0.9 %: resolves
        await service.evaluate();
        assert.deepEqual(kinds, ['fired', 'resolved']);
      });

      it('4 fallbacks in 300 turns (1.33 %) do not fire: the lower bound is below 1 %; 20 in 300 fire', async () => {
        const clock = manualClock();
        const audit = recordingAppender();
        const service = serviceOn(database, { now: clock.now, audit });
        playAwf(service, 300, 4);
        const quiet = await service.evaluate();
        const fallback = quiet.slos.find((slo) => slo.slo === 'fallback_rate');
        assert.ok((fallback?.value ?? 0) > 1 && (fallback?.lowerBound ?? 1) < 1, JSON.stringify(fallback));
        assert.equal(fallback?.state, 'ok');
        assert.deepEqual(quiet.alerts, []);
        assert.equal(audit.events.length, 0);
        clock.advance(10 * MINUTE);
        playAwf(service, 300, 20);
        const firing = await service.evaluate();
        assert.deepEqual(
          firing.alerts.map((alert) => alert.slo),
          ['fallback_rate'],
        );
        assert.deepEqual(
          audit.events.map((event) => [event.action, event.details.confidence]),
          [['slo.alert.fired', 99.9]],
        );
        assert.ok(Number(audit.events[0]?.details.lowerBound) > 1);
      });

      it('never judges below the minimum sample: 99 AWF turns all falling back fire nothing', async () => {
        const service = serviceOn(database);
        playAwf(service, 99, 99, 20_000);
        const report = await service.evaluate();
        assert.ok(report.slos.every((slo) => slo.state === 'insufficient_data'));
        assert.equal(report.healthy, true);
        assert.deepEqual(report.alerts, []);
      });

      it('fires each violated SLO with its own severity and suggested actions', async () => {
        const service = serviceOn(database);
        for (let i = 0; i < 200; i++) {
          service.recordTurn({ pipeline: 'awf', latencyMs: 9_500, retried: i < 20, fallback: false });
        }
        const report = await service.evaluate();
        assert.deepEqual(report.alerts.map((alert) => [alert.slo, alert.severity]).sort(), [
          ['invalid_retry_rate', 'warning'],
          ['turn_latency_p95', 'warning'],
        ]);
        const latency = report.alerts.find((alert) => alert.slo === 'turn_latency_p95');
        assert.match(latency?.suggestedActions.join(' ') ?? '', /bundle size/);
      });

      it('when two instances evaluate the same violation (at once, on PostgreSQL): the alert opens once', async () => {
        const second = await database.reopen();
        extraConnections.push(second);
        const a = serviceOn(database, { instanceId: 'instance-a' });
        const b = serviceOn(second, { instanceId: 'instance-b' });
        const fired: string[] = [];
        a.onAlert((event) => {
          fired.push(`a:${event.kind}`);
        });
        b.onAlert((event) => {
          fired.push(`b:${event.kind}`);
        });
        playAwf(a, 200, 20);
        await a.flush();
        if (target.name === 'postgres') {
          await Promise.all([a.evaluate(), b.evaluate(), a.evaluate(), b.evaluate()]);
        } else {
          // Two SQLite connections in one thread cannot overlap write transactions (the second blocks
          // the event loop the first needs); SQLite serves one process, so take turns.
          for (const service of [a, b, a, b]) await service.evaluate();
        }
        assert.equal(fired.length, 1);
        const open = await database.db
          .selectFrom('slo_alerts')
          .selectAll()
          .where('resolved_at', 'is', null)
          .execute();
        assert.equal(open.length, 1);
      });

      it('records the alert and its resolution in the audit log, in the alert’s own transaction', async () => {
        const clock = manualClock();
        const audit = recordingAppender();
        const service = serviceOn(database, { now: clock.now, audit });
        playAwf(service, 200, 10);
        audit.failNext = true;
        await assert.rejects(service.evaluate(), /audit store unavailable/);
        assert.equal((await database.db.selectFrom('slo_alerts').selectAll().execute()).length, 0);

        await service.evaluate();
        clock.advance(10 * MINUTE);
        playAwf(service, 200, 0);
        await service.evaluate();
        assert.deepEqual(
          audit.events.map((event) => [event.actor, event.action, event.entity]),
          [
            ['system', 'slo.alert.fired', 'slo:fallback_rate'],
            ['system', 'slo.alert.resolved', 'slo:fallback_rate'],
          ],
        );
        assert.equal(audit.events[0]?.details.value, 5);
        // Why it fired: the 99.9 % lower bound of 10 in 200 is above the threshold.
        assert.equal(audit.events[0]?.details.confidence, 99.9);
        assert.ok(
          Number(audit.events[0]?.details.lowerBound) > 1,
          String(audit.events[0]?.details.lowerBound),
        );
        assert.equal(audit.events[0]?.details.threshold, 1);
        assert.equal(audit.events[0]?.details.severity, 'critical');
        assert.equal(audit.events[1]?.details.reason, 'recovered');
      });

      it('resolves an open alert as "no data" after SLO_NO_DATA_RESOLVE_EVALUATIONS evaluations in a row without enough AWF turns', async () => {
        const clock = manualClock();
        const audit = recordingAppender();
        const log = capturingLog();
        const service = serviceOn(database, { now: clock.now, audit, log });
        const metrics = createTurnMetrics({
          turnP95Ms: 8000,
          processMetrics: false,
          sloReport: service.lastReport,
        });
        const events: SloAlertEvent[] = [];
        service.onAlert((event) => {
          events.push(event);
        });
        playAwf(service, 200, 10);
        await service.evaluate();
        // Rolled back to 0 %: no AWF turn any more, the window empties.
        clock.advance(10 * MINUTE);
        for (let i = 0; i < 2; i++) {
          await service.evaluate();
          clock.advance(MINUTE);
        }
        assert.deepEqual(
          events.map((event) => event.kind),
          ['fired'],
        );
        assert.equal(service.lastReport()?.alerts.length, 1);

        await service.evaluate();
        assert.deepEqual(
          events.map((event) => [event.kind, event.reason]),
          [
            ['fired', undefined],
            ['resolved', 'no_data'],
          ],
        );
        assert.equal(events[1]?.value, null);
        assert.deepEqual(events[1]?.noData, { minSample: 100, evaluations: 3 });
        assert.deepEqual(service.lastReport()?.alerts, []);
        const body = (await metrics.scrape()).body;
        assert.match(body, /^awf_slo_alert_firing\{slo="fallback_rate",severity="critical"\} 0$/m);

        const [row] = await database.db.selectFrom('slo_alerts').selectAll().execute();
        assert.equal(row?.resolved_reason, 'no_data');
        assert.equal(row?.resolved_sample, 0);
        assert.equal(row?.resolved_value, null);
        const [alert] = await createKyselySloStore(database).listAlerts('2000-01-01T00:00:00.000Z');
        assert.equal(alert?.resolvedReason, 'no_data');
        assert.deepEqual(
          audit.events.map((event) => [event.action, event.details.reason]),
          [
            ['slo.alert.fired', undefined],
            ['slo.alert.resolved', 'no_data'],
          ],
        );
        assert.equal(audit.events[1]?.details.value, null);
        assert.equal(audit.events[1]?.details.sample, 0);
        assert.equal(audit.events[1]?.details.minSample, 100);
        assert.equal(audit.events[1]?.details.evaluationsWithoutData, 3);
        const info = log.lines.filter(([level]) => level === 'info').map(([, line]) => line);
        assert.match(
          info[0] ?? '',
          /^SLO alert resolved without data: fallback rate \(critical, fired at 5\.00 % > threshold 1\.00 %\): fewer than 100 AWF turns in window 5m for 3 evaluations in a row \(0 now\)/,
        );
      });

      it('counts the evaluations without data afresh after one that could judge', async () => {
        const clock = manualClock();
        const service = serviceOn(database, { now: clock.now });
        const kinds: string[] = [];
        service.onAlert((event) => {
          kinds.push(`${event.kind}${event.reason ? `:${event.reason}` : ''}`);
        });
        playAwf(service, 200, 10);
        await service.evaluate();
        clock.advance(10 * MINUTE);
        await service.evaluate();
        await service.evaluate();
        playAwf(service, 150, 3); // 2 %: judged, still violated, the alert stays open
        await service.evaluate();
        clock.advance(10 * MINUTE);
        await service.evaluate();
        await service.evaluate();
        assert.deepEqual(kinds, ['fired']);
        await service.evaluate();
        assert.deepEqual(kinds, ['fired', 'resolved:no_data']);
      });

      it('with SLO_NO_DATA_RESOLVE_EVALUATIONS=0: keeps the alert open until data judges it', async () => {
        const clock = manualClock();
        const service = serviceOn(database, { now: clock.now, settings: { noDataResolveEvaluations: 0 } });
        playAwf(service, 200, 10);
        await service.evaluate();
        clock.advance(10 * MINUTE);
        for (let i = 0; i < 5; i++) await service.evaluate();
        assert.equal((await service.status('5m')).alerts.length, 1);
      });

      it('writes each evaluated minute to history, so "healthy for N days" is answered from data', async () => {
        const clock = manualClock();
        const service = serviceOn(database, { now: clock.now });
        playAwf(service, 200, 0);
        await service.evaluate();
        clock.advance(MINUTE);
        playAwf(service, 200, 20);
        await service.evaluate();
        clock.advance(MINUTE);
        await service.evaluate();
        const report = await service.status('1h');
        const fallback = report.history.find((history) => history.slo === 'fallback_rate');
        assert.deepEqual(fallback, {
          slo: 'fallback_rate',
          minutes: 3,
          okMinutes: 1,
          violatedMinutes: 2,
          insufficientMinutes: 0,
        });
        const points = await database.db.selectFrom('slo_history').selectAll().orderBy('minute').execute();
        // Three evaluations of the three AWF SLOs, and of the three shadow SLOs beside them.
        assert.equal(points.filter((point) => !point.slo.startsWith('shadow_')).length, 9);
        assert.equal(points.filter((point) => point.slo.startsWith('shadow_')).length, 9);
      });

      it('deletes minutes, history and resolved alerts older than the retention', async () => {
        const clock = manualClock(T0 - 31 * 24 * 60 * MINUTE);
        const service = serviceOn(database, { now: clock.now });
        playAwf(service, 200, 20);
        await service.evaluate();
        clock.advance(10 * MINUTE);
        playAwf(service, 200, 0);
        await service.evaluate();
        const before = await database.db.selectFrom('slo_minutes').selectAll().execute();
        assert.equal(before.length, 2);

        const later = serviceOn(database, { now: () => T0 });
        playAwf(later, 1, 0);
        await later.evaluate();
        const minutes = await database.db.selectFrom('slo_minutes').select('minute').execute();
        assert.deepEqual(
          minutes.map((row) => row.minute),
          [Math.floor(T0 / MINUTE)],
        );
        assert.equal((await database.db.selectFrom('slo_alerts').selectAll().execute()).length, 0);
        const history = await database.db.selectFrom('slo_history').select('minute').execute();
        assert.ok(history.every((row) => row.minute === Math.floor(T0 / MINUTE)));
      });
    });

    describe('alert delivery', () => {
      let server: Server;
      let received: Array<{ contentType: string | undefined; body: unknown }>;
      let webhookUrl: string;
      let respondWith = 204;

      before(async () => {
        received = [];
        server = createServer((request, response) => {
          const chunks: Buffer[] = [];
          request.on('data', (chunk: Buffer) => chunks.push(chunk));
          request.on('end', () => {
            received.push({
              contentType: request.headers['content-type'],
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            });
            response.statusCode = respondWith;
            response.end();
          });
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/slo?token=secret`;
      });
      after(async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });

      it('calls every callback and POSTs the event as JSON to the webhook, on fire and on resolve, with the lower bound and sample in it and in the log line', async () => {
        received.length = 0;
        respondWith = 204;
        const clock = manualClock();
        const log = capturingLog();
        const service = serviceOn(database, { now: clock.now, log, settings: { webhookUrl } });
        const first: SloAlertEvent[] = [];
        const second: SloAlertEvent[] = [];
        service.onAlert((event) => {
          first.push(event);
        });
        service.onAlert(async (event) => {
          second.push(event);
        });
        playAwf(service, 200, 12);
        await service.evaluate();
        clock.advance(10 * MINUTE);
        playAwf(service, 200, 0);
        await service.evaluate();

        assert.deepEqual(
          first.map((event) => event.kind),
          ['fired', 'resolved'],
        );
        assert.deepEqual(second, first);
        assert.deepEqual(
          received.map((request) => request.contentType),
          ['application/json', 'application/json'],
        );
        const body = received[0]?.body as SloAlertEvent;
        assert.equal(body.kind, 'fired');
        assert.equal(body.slo, 'fallback_rate');
        assert.equal(body.severity, 'critical');
        assert.equal(body.value, 6);
        // 12 in 200: the one-sided 99.9 % Wilson lower bound (z = 3.0902323) is 2.5532658 %.
        assert.ok(Math.abs((body.lowerBound ?? 0) - 2.5532658) < 1e-6, String(body.lowerBound));
        assert.equal(body.confidence, 99.9);
        assert.equal(body.threshold, 1);
        assert.equal(body.window, '5m');
        assert.equal(body.sample, 200);
        assert.equal(body.instanceId, 'instance-a');
        assert.deepEqual(body.suggestedActions, first[0]?.suggestedActions);
        const resolved = received[1]?.body as SloAlertEvent | undefined;
        assert.deepEqual(
          [resolved?.kind, resolved?.value, resolved?.lowerBound, resolved?.confidence, resolved?.sample],
          ['resolved', 0, 0, 99.9, 200],
        );
        assert.deepEqual(
          log.lines.map(([level, line]) => [level, line.replace(/\. Suggested actions: .*$/, '')]),
          [
            [
              'warn',
              'SLO violated: fallback rate 6.00 % (lower bound 2.55 % at 99.9 %, n=200) > threshold 1.00 % (critical, window 5m, 200 AWF turns)',
            ],
            [
              'info',
              'SLO recovered: fallback rate 0.00 % (lower bound 0.00 % at 99.9 %, n=200) is back within threshold 1.00 % (critical alert resolved, window 5m, 200 AWF turns)',
            ],
          ],
        );
      });

      it('logs a failed callback or webhook, without the URL query, and still delivers to the rest', async () => {
        received.length = 0;
        respondWith = 500;
        const log = capturingLog();
        const service = serviceOn(database, { log, settings: { webhookUrl } });
        const delivered: string[] = [];
        service.onAlert(() => {
          throw new Error('pager down');
        });
        service.onAlert((event) => {
          delivered.push(event.slo);
        });
        playAwf(service, 200, 12);
        await service.evaluate();
        assert.deepEqual(delivered, ['fallback_rate']);
        assert.equal(received.length, 1);
        const errors = log.lines.filter(([level]) => level === 'error').map(([, line]) => line);
        assert.equal(errors.length, 2);
        assert.ok(errors.some((line) => /callback failed: pager down/.test(line)));
        assert.ok(
          errors.some((line) => /webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/slo: HTTP 500/.test(line)),
        );
        assert.ok(errors.every((line) => !line.includes('secret')));
      });
    });

    describe('.close()', () => {
      it('flushes what is pending so another instance sees it', async () => {
        const service = createSloService({
          store: createKyselySloStore(database),
          thresholds: TEST_SLO_THRESHOLDS,
          settings: TEST_SLO_SETTINGS,
          instanceId: 'closing',
          now: () => T0,
          log: capturingLog(),
        });
        playAwf(service, 150, 0);
        await service.close();
        const reader = serviceOn(database);
        assert.equal((await reader.status('5m')).awf.turns, 150);
      });
    });
  });
}

/** Closes the services opened on `single` (registered last) and the database itself. */
async function one_close(services: SloService[], single: TestDatabase): Promise<void> {
  const mine = services.pop();
  await mine?.close();
  await single.close();
}
