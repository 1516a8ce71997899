import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AdminApi, startAdminApi } from '../app/testing/admin-api.js';
import {
  FAILED_SCENARIO,
  FAILED_SCENARIO_DIFF,
  storeGoldenRun,
} from '../golden-runs/testing/golden-run-fixtures.js';
import { type DashboardServer, startDashboardServer } from './testing/dashboard-server.js';

describe('the dashboard routes', () => {
  let api: AdminApi;

  before(async () => {
    api = await startAdminApi();
  });
  after(async () => {
    await api.close();
  });

  describe('GET /dashboard and its assets', () => {
    it('serves the page and its client with a policy that allows no inline script and nothing from elsewhere', async () => {
      const page = await api.app.inject({ method: 'GET', url: '/dashboard' });
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /^text\/html/);
      const policy = page.headers['content-security-policy'] as string;
      assert.match(policy, /script-src 'self'/);
      assert.match(policy, /default-src 'none'/);
      assert.doesNotMatch(page.body, /https?:\/\//);
      for (const asset of ['app.js', 'uPlot.esm.js', 'uPlot.min.css', 'dashboard.css']) {
        const response = await api.app.inject({ method: 'GET', url: `/dashboard/assets/${asset}` });
        assert.equal(response.statusCode, 200, asset);
      }
    });

    it('answers 404 for an asset it does not have, and 400 for a name that is not a plain file name', async () => {
      assert.equal(
        (await api.app.inject({ method: 'GET', url: '/dashboard/assets/nothing.js' })).statusCode,
        404,
      );
      const climbing = await api.app.inject({
        method: 'GET',
        url: '/dashboard/assets/..%2Fdashboard-routes.ts',
      });
      assert.equal(climbing.statusCode, 400);
    });

    it('says whether this server has the staged plan', async () => {
      const features = await api.app.inject({ method: 'GET', url: '/dashboard/features' });
      assert.deepEqual(features.json(), {
        plan: api.app.hasRoute({ method: 'GET', url: '/api/admin/plan' }),
      });
    });
  });

  describe('GET /api/admin/whoami', () => {
    it("names the token's actor, role, expiry and permissions", async () => {
      const viewer = await api.call('GET', '/api/admin/whoami', 'viewer');
      assert.equal(viewer.statusCode, 200);
      assert.deepEqual(viewer.json(), {
        actor: 'viewer-1',
        role: 'viewer',
        tokenId: viewer.json().tokenId,
        tokenExpiresAt: null,
        permissions: ['rollout.read', 'slo.read', 'flags.evaluate'],
      });
      const operator = (await api.call('GET', '/api/admin/whoami', 'operator')).json();
      assert.ok(operator.permissions.includes('rollout.write'));
      assert.ok(operator.permissions.includes('audit.read'));
    });

    it('reports when an expiring token stops working', async () => {
      const issued = await api.call('POST', '/api/admin/actors/viewer-1/tokens', 'admin', { ttl: '1h' });
      assert.equal(issued.statusCode, 201);
      const me = await api.app.inject({
        method: 'GET',
        url: '/api/admin/whoami',
        headers: { authorization: `Bearer ${issued.json().token}` },
      });
      assert.equal(me.json().tokenExpiresAt, issued.json().expiresAt);
    });

    it('refuses a caller without a token (401) and an evaluator (403)', async () => {
      await api.expectRejected(
        () => api.call('GET', '/api/admin/whoami', undefined),
        401,
        'AUTH_MISSING_TOKEN',
      );
      await api.expectRejected(
        () => api.call('GET', '/api/admin/whoami', 'evaluator'),
        403,
        'AUTH_FORBIDDEN',
      );
    });
  });

  describe('GET /api/admin/goldens', () => {
    it('lists stored runs newest first with each scenario and a failed one’s diff (rollout.read)', async () => {
      await storeGoldenRun(api.services.database.db, {
        runId: 'r1',
        contentHash: 'abc',
        startedAt: '2026-01-01T00:00:00.000Z',
        results: [FAILED_SCENARIO],
      });
      const runs = await api.call('GET', '/api/admin/goldens', 'viewer');
      assert.equal(runs.statusCode, 200);
      assert.equal(runs.json().length, 1);
      assert.deepEqual([runs.json()[0].passed, runs.json()[0].failed], [0, 1]);
      assert.equal(runs.json()[0].results[0].diff, FAILED_SCENARIO_DIFF);
      await api.expectRejected(
        () => api.call('GET', '/api/admin/goldens?limit=0', 'viewer'),
        400,
        'INVALID_INPUT',
      );
    });
  });

  describe('GET /api/admin/feedback', () => {
    it('lists recent ratings with their comments for slo.read, like awf-feedback.ts --recent', async () => {
      const opening = await api.app.inject({
        method: 'POST',
        url: '/api/sessions',
        payload: { userId: 'u-fb' },
      });
      const { sessionId } = opening.json();
      await api.app.inject({
        method: 'POST',
        url: `/api/sessions/${sessionId}/turns`,
        payload: { input: 'look' },
      });
      const rated = await api.app.inject({
        method: 'POST',
        url: `/api/sessions/${sessionId}/turns/1/feedback`,
        payload: { rating: 'down', reason: 'incoherent', comment: 'the door vanished' },
      });
      assert.equal(rated.statusCode, 201);
      const recent = await api.call('GET', '/api/admin/feedback?rating=down', 'viewer');
      assert.equal(recent.statusCode, 200);
      assert.deepEqual(
        recent
          .json()
          .map((rating: { sessionId: string; comment: string }) => [rating.sessionId, rating.comment]),
        [[sessionId, 'the door vanished']],
      );
      await api.expectRejected(
        () => api.call('GET', '/api/admin/feedback', 'evaluator'),
        403,
        'AUTH_FORBIDDEN',
      );
    });
  });

  describe('GET /api/admin/slo/series', () => {
    it('answers the window asked for with the rollout changes marked, and 400 for a window it does not chart', async () => {
      await api.call('PUT', '/api/admin/rollout/percent', 'operator', { percent: 5 });
      const series = await api.call('GET', '/api/admin/slo/series?window=24h', 'viewer');
      assert.equal(series.statusCode, 200);
      assert.equal(series.json().window, '24h');
      assert.deepEqual(
        series
          .json()
          .changes.map((change: { action: string; actor: string }) => [change.action, change.actor]),
        [['rollout.percent.set', 'ops-1']],
      );
      await api.expectRejected(
        () => api.call('GET', '/api/admin/slo/series?window=5m', 'viewer'),
        400,
        'INVALID_INPUT',
      );
    });
  });
});

describe('GET /api/admin/events, on a listening server', () => {
  let server: DashboardServer;

  before(async () => {
    server = await startDashboardServer();
  });
  after(async () => {
    await server.close();
  });

  it('streams a hello, then a change when an admin change lands, to a fetch that carries the token in a header', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/admin/events`, {
      headers: { authorization: `Bearer ${server.tokens.viewer}` },
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(/event: hello\ndata: (.*)\n\n/);
    const hello = JSON.parse(/event: hello\ndata: (.*)\n\n/.exec(text)?.[1] ?? '{}');
    const changed = await fetch(`${server.url}/api/admin/rollout/percent`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ percent: 7 }),
    });
    assert.equal(changed.status, 200);
    await readUntil(/event: change\ndata: (.*)\n\n/);
    const change = JSON.parse(/event: change\ndata: (.*)\n\n/.exec(text)?.[1] ?? '{}');
    assert.ok(change.auditSeq > hello.auditSeq);
    controller.abort();
  });

  it('refuses a stream without a token', async () => {
    const response = await fetch(`${server.url}/api/admin/events`);
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'AUTH_MISSING_TOKEN');
  });
});
