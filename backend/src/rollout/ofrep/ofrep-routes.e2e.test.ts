import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OFREPApi } from '@openfeature/ofrep-core';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { type Client, OpenFeature } from '@openfeature/server-sdk';
import { type AdminApi, type AdminMethod, startAdminApi } from '../../app/testing/admin-api.js';
import { ROLES } from '../../auth/roles.js';
import { type TestDatabase, testDatabaseTargets } from '../../store/testing/test-databases.js';
import { type SeededActors, seedActors } from '../testing/control-plane.js';
import { type OfrepServer, startOfrepServer } from './testing/ofrep-server.js';

const SQLITE = testDatabaseTargets().find((target) => target.name === 'sqlite');
const FLAG_URL = '/ofrep/v1/evaluate/flags/awf-bundle';
const BULK_URL = '/ofrep/v1/evaluate/flags';

/** A raw OFREP call: `body` is sent as given (a string verbatim, anything else as JSON). */
async function post(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> | undefined }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

describe('the OFREP endpoints', () => {
  let database: TestDatabase;
  let server: OfrepServer;
  let actors: SeededActors;
  let client: Client;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    database = await (SQLITE as NonNullable<typeof SQLITE>).open();
    server = await startOfrepServer(database, { AWF_OFREP_RATE_LIMIT: '100000' });
    actors = await seedActors(server.services.auth);
    await server.services.rollout.setRollout(actors.principals.operator, {
      globalEnabled: true,
      percent: 50,
    });
    await server.services.rolloutState.refresh();
    await OpenFeature.setProviderAndWait(
      'routes',
      new OFREPProvider({ baseUrl: server.baseUrl, headers: bearer(actors.tokens.evaluator) }),
    );
    client = OpenFeature.getClient('routes');
  });
  after(async () => {
    await OpenFeature.clearProviders();
    await server?.close();
    await database?.close();
  });

  describe('POST /ofrep/v1/evaluate/flags (bulk)', () => {
    const api = () => new OFREPApi(server.baseUrl);
    const options = (headers: Record<string, string> = {}) => ({
      headers: [...Object.entries(bearer(actors.tokens.evaluator)), ...Object.entries(headers)] as [
        string,
        string,
      ][],
    });

    it('returns every flag (today awf-bundle alone), equal to the single evaluation, with an ETag', async () => {
      const context = { targetingKey: 'user-123' };
      const bulk = await api().postBulkEvaluateFlags({ context }, options());
      assert.equal(bulk.httpStatus, 200);
      const single = await post(server.baseUrl, FLAG_URL, { context }, bearer(actors.tokens.evaluator));
      assert.deepEqual(bulk.value, { flags: [single.body] });
      assert.match(bulk.httpResponse?.headers.get('etag') ?? '', /^"[A-Za-z0-9_-]+"$/);
    });

    it('answers 304 to If-None-Match with the current ETag, and 200 with a new one once the answer changes', async () => {
      const context = { targetingKey: 'user-etag' };
      const first = await api().postBulkEvaluateFlags({ context }, options());
      const etag = first.httpResponse?.headers.get('etag') as string;
      const wasAwf = (first.value as { flags: Array<{ value: boolean }> }).flags[0]?.value === true;
      const unchanged = await api().postBulkEvaluateFlags({ context }, options({ 'If-None-Match': etag }));
      assert.equal(unchanged.httpStatus, 304);
      assert.equal(unchanged.value, undefined);

      await server.services.rollout.setOverride(actors.principals.operator, {
        kind: 'user',
        subjectId: 'user-etag',
        pipeline: wasAwf ? 'legacy' : 'awf',
      });
      await server.services.rolloutState.refresh();
      const changed = await api().postBulkEvaluateFlags({ context }, options({ 'If-None-Match': etag }));
      assert.equal(changed.httpStatus, 200);
      assert.notEqual(changed.httpResponse?.headers.get('etag'), etag);
    });

    it('answers a bad context with 400 and OFREP bulk failure body', async () => {
      const response = await post(server.baseUrl, BULK_URL, { context: {} }, bearer(actors.tokens.evaluator));
      assert.equal(response.status, 400);
      assert.equal(response.body?.errorCode, 'TARGETING_KEY_MISSING');
      assert.equal(typeof response.body?.errorDetails, 'string');
    });
  });

  describe('an unknown flag', () => {
    it('is 404 with OFREP body {key, errorCode: FLAG_NOT_FOUND, errorDetails}', async () => {
      const response = await post(
        server.baseUrl,
        '/ofrep/v1/evaluate/flags/inventory-v2',
        { context: { targetingKey: 'user-123' } },
        bearer(actors.tokens.evaluator),
      );
      assert.equal(response.status, 404);
      assert.equal(response.body?.key, 'inventory-v2');
      assert.equal(response.body?.errorCode, 'FLAG_NOT_FOUND');
      assert.equal(typeof response.body?.errorDetails, 'string');
    });

    it('resolves to the default with FLAG_NOT_FOUND in the OpenFeature client', async () => {
      const details = await client.getBooleanDetails('inventory-v2', true, { targetingKey: 'user-123' });
      assert.equal(details.value, true);
      assert.equal(details.errorCode, 'FLAG_NOT_FOUND');
    });
  });

  describe('a bad context', () => {
    const cases: Array<[string, unknown, string]> = [
      ['a targetingKey that is not a string', { context: { targetingKey: 42 } }, 'INVALID_CONTEXT'],
      ['an id outside the accepted form', { context: { targetingKey: 'has space' } }, 'INVALID_CONTEXT'],
      [
        'a targetingKey other than the userId',
        { context: { targetingKey: 'u-1', userId: 'u-2' } },
        'INVALID_CONTEXT',
      ],
      ['a context that is not an object', { context: 'user-123' }, 'INVALID_CONTEXT'],
      ['a context naming no player', { context: { plan: 'gold' } }, 'TARGETING_KEY_MISSING'],
      ['no context', {}, 'TARGETING_KEY_MISSING'],
      ['a body that is not an object', '[1, 2]', 'PARSE_ERROR'],
      ['a body that is not JSON', '{"context": ', 'PARSE_ERROR'],
    ];
    for (const [what, body, errorCode] of cases) {
      it(`(${what}) is 400 with errorCode ${errorCode}`, async () => {
        const response = await post(server.baseUrl, FLAG_URL, body, bearer(actors.tokens.evaluator));
        assert.equal(response.status, 400);
        assert.deepEqual(Object.keys(response.body ?? {}).sort(), ['errorCode', 'errorDetails', 'key']);
        assert.equal(response.body?.key, 'awf-bundle');
        assert.equal(response.body?.errorCode, errorCode);
      });
    }

    it('reaches the OpenFeature client as its error code, with the default value', async () => {
      const invalid = await client.getBooleanDetails('awf-bundle', true, {
        targetingKey: 'u-1',
        userId: 'u-2',
      });
      assert.deepEqual([invalid.value, invalid.errorCode], [true, 'INVALID_CONTEXT']);
      const missing = await client.getBooleanDetails('awf-bundle', true, {});
      assert.deepEqual([missing.value, missing.errorCode], [true, 'TARGETING_KEY_MISSING']);
    });
  });

  describe('authentication', () => {
    it('accepts the token as Bearer or as X-API-Key', async () => {
      const context = { context: { targetingKey: 'user-123' } };
      const viaBearer = await post(server.baseUrl, FLAG_URL, context, bearer(actors.tokens.evaluator));
      const viaApiKey = await post(server.baseUrl, FLAG_URL, context, {
        'x-api-key': actors.tokens.evaluator,
      });
      assert.equal(viaBearer.status, 200);
      assert.deepEqual(viaApiKey, { ...viaApiKey, status: 200, body: viaBearer.body });
    });

    it('refuses a missing, unknown or revoked token with 401 and one auth.denied entry each', async () => {
      const issued = await server.services.auth.addActor(actors.principals.admin, {
        name: 'svc-revoked',
        role: 'evaluator',
      });
      await server.services.auth.revokeActor(actors.principals.admin, 'svc-revoked');
      const seq = (await server.services.audit.head())?.seq ?? 0;
      const context = { context: { targetingKey: 'user-123' } };
      assert.equal((await post(server.baseUrl, FLAG_URL, context)).status, 401);
      assert.equal(
        (await post(server.baseUrl, FLAG_URL, context, { 'x-api-key': 'awf_nope_nope' })).status,
        401,
      );
      assert.equal((await post(server.baseUrl, BULK_URL, context, bearer(issued.token))).status, 401);
      const denied = await server.services.audit.query({
        action: 'auth.denied',
        afterSeq: seq,
        order: 'asc',
      });
      assert.deepEqual(
        denied.map((entry) => [entry.details.reason, entry.details.permission]),
        [
          ['missing_token', 'flags.evaluate'],
          ['invalid_token', 'flags.evaluate'],
          ['token_revoked', 'flags.evaluate'],
        ],
      );
    });

    it('lets every role evaluate', async () => {
      for (const role of ROLES) {
        const response = await post(
          server.baseUrl,
          FLAG_URL,
          { context: { targetingKey: 'user-123' } },
          bearer(actors.tokens[role]),
        );
        assert.equal(response.status, 200, role);
      }
    });
  });

  describe('counting evaluations', () => {
    it('adds no row per evaluation: counts per variant per minute, merged across instances', async () => {
      const { db } = server.services.database;
      const tables = ['sessions', 'turns', 'audit_log', 'rollout_config', 'rollout_overrides'] as const;
      const rowCounts = async () =>
        Object.fromEntries(
          await Promise.all(
            tables.map(async (table) => [
              table,
              Number(
                (await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n,
              ),
            ]),
          ),
        );
      await server.services.ofrep.counter.flush();
      const since = new Date(Date.now() - 60_000);
      const before = await server.services.ofrep.counter.read(since);
      const rowsBefore = await rowCounts();
      const minuteRowsBefore = (await db.selectFrom('flag_evaluation_minutes').selectAll().execute()).length;

      const expected = { awf: 0, legacy: 0 };
      for (let i = 0; i < 200; i += 1) {
        const context = { targetingKey: `counted-${i}` };
        const response = await post(
          server.baseUrl,
          i % 2 === 0 ? FLAG_URL : BULK_URL,
          { context },
          bearer(actors.tokens.evaluator),
        );
        const variant = (i % 2 === 0 ? response.body : (response.body as { flags: unknown[] }).flags[0]) as {
          variant: string;
        };
        expected[variant.variant as 'awf' | 'legacy'] += 1;
      }
      // A second instance over the same store counts into its own rows; reads merge them.
      const second = await startOfrepServer(database, { AWF_INSTANCE_ID: 'second-instance' });
      try {
        for (let i = 0; i < 10; i += 1) {
          const response = await post(
            second.baseUrl,
            FLAG_URL,
            { context: { targetingKey: 'user-123' } },
            bearer(actors.tokens.evaluator),
          );
          expected[(response.body as { variant: 'awf' | 'legacy' }).variant] += 1;
        }
      } finally {
        await second.close(); // flushes its counts
      }

      const after = await server.services.ofrep.counter.read(since);
      const added = (variant: 'awf' | 'legacy') =>
        (after.flags['awf-bundle']?.[variant] ?? 0) - (before.flags['awf-bundle']?.[variant] ?? 0);
      assert.deepEqual({ awf: added('awf'), legacy: added('legacy') }, expected);
      assert.deepEqual(await rowCounts(), rowsBefore);
      // Two variants × at most two minutes × two instances, whatever the number of evaluations.
      const minuteRows = (await db.selectFrom('flag_evaluation_minutes').selectAll().execute()).length;
      assert.ok(
        minuteRows - minuteRowsBefore <= 8,
        `${minuteRows - minuteRowsBefore} rows for 210 evaluations`,
      );
    });

    it('GET /api/admin/rollout/evaluations shows the counts to rollout readers', async () => {
      const response = await fetch(`${server.baseUrl}/api/admin/rollout/evaluations?since=1h`, {
        headers: bearer(actors.tokens.viewer),
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { flags: Record<string, Record<string, number>> };
      assert.ok((body.flags['awf-bundle']?.awf ?? 0) + (body.flags['awf-bundle']?.legacy ?? 0) > 0);
    });
  });
});

describe('the evaluator role', () => {
  let api: AdminApi;
  before(async () => {
    api = await startAdminApi();
  });
  after(async () => {
    await api?.close();
  });

  const everythingElse: Array<[AdminMethod, string, unknown?]> = [
    ['GET', '/api/admin/rollout'],
    ['GET', '/api/admin/rollout/distribution'],
    ['GET', '/api/admin/rollout/evaluations'],
    ['PUT', '/api/admin/rollout', { globalEnabled: true, percent: 50 }],
    ['PUT', '/api/admin/rollout/percent', { percent: 50 }],
    ['PUT', '/api/admin/rollout/global-flag', { enabled: true }],
    ['GET', '/api/admin/overrides'],
    ['PUT', '/api/admin/overrides/user/user-123', { pipeline: 'awf' }],
    ['DELETE', '/api/admin/overrides/user/user-123'],
    ['DELETE', '/api/admin/overrides'],
    ['GET', '/api/admin/audit'],
    ['GET', '/api/admin/audit/export'],
    ['GET', '/api/admin/audit/verify'],
    ['GET', '/api/admin/audit/checkpoints'],
    ['POST', '/api/admin/audit/checkpoints'],
    ['GET', '/api/admin/actors'],
    ['POST', '/api/admin/actors', { name: 'intruder', role: 'admin' }],
    ['POST', '/api/admin/actors/svc-1/tokens', {}],
    ['DELETE', '/api/admin/actors/ops-1'],
  ];
  for (const [method, url, payload] of everythingElse) {
    it(`cannot ${method} ${url}: 403 AUTH_FORBIDDEN, nothing but auth.denied written`, async () => {
      const denied = await api.expectRejected(
        () => api.call(method, url, 'evaluator', payload),
        403,
        'AUTH_FORBIDDEN',
      );
      // One entry at once, or (past the first few from one source in a minute) counted into the
      // collapsed entry the minute writes: checked for all of them below.
      assert.ok(denied.length <= 1, JSON.stringify(denied));
      for (const entry of denied) assert.deepEqual([entry.actor, entry.reason], ['svc-1', 'forbidden']);
    });
  }

  it('leaves a trace of every refused request: immediate entries plus collapsed attempts add up', async () => {
    await api.services.auth.flushDenied();
    const entries = await api.services.audit.query({ action: 'auth.denied', limit: 1000 });
    const attempts = entries
      .filter((entry) => entry.actor === 'svc-1' || entry.details.collapsed === true)
      .reduce((sum, entry) => sum + Number(entry.details.attempts ?? 1), 0);
    assert.equal(attempts, everythingElse.length);
  });

  it('can evaluate', async () => {
    const response = await api.call('POST', FLAG_URL, 'evaluator', { context: { targetingKey: 'user-123' } });
    assert.equal(response.statusCode, 200);
  });
});

describe('the per-token OFREP rate limit', () => {
  let database: TestDatabase;
  let server: OfrepServer;
  let actors: SeededActors;
  let nowMs = Date.parse('2026-03-01T12:00:00Z');

  before(async () => {
    database = await (SQLITE as NonNullable<typeof SQLITE>).open();
    server = await startOfrepServer(
      database,
      { AWF_OFREP_RATE_LIMIT: '3' },
      { clock: () => new Date(nowMs) },
    );
    actors = await seedActors(server.services.auth);
  });
  after(async () => {
    await OpenFeature.clearProviders();
    await server?.close();
    await database?.close();
  });

  const evaluate = (token: string) =>
    post(
      server.baseUrl,
      FLAG_URL,
      { context: { targetingKey: 'user-123' } },
      { authorization: `Bearer ${token}` },
    );

  it('answers 429 with Retry-After once a token made AWF_OFREP_RATE_LIMIT evaluations within a second', async () => {
    for (let i = 0; i < 3; i += 1) assert.equal((await evaluate(actors.tokens.evaluator)).status, 200);
    const limited = await evaluate(actors.tokens.evaluator);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal((limited.body as { error: { code: string } }).error.code, 'OFREP_RATE_LIMITED');
  });

  it('limits each token on its own', async () => {
    assert.equal((await evaluate(actors.tokens.viewer)).status, 200);
  });

  it('makes the OpenFeature client fall back to the default until Retry-After', async () => {
    await OpenFeature.setProviderAndWait(
      'limited',
      new OFREPProvider({
        baseUrl: server.baseUrl,
        headers: { authorization: `Bearer ${actors.tokens.evaluator}` },
      }),
    );
    const details = await OpenFeature.getClient('limited').getBooleanDetails('awf-bundle', true, {
      targetingKey: 'user-123',
    });
    assert.deepEqual([details.value, details.errorCode], [true, 'GENERAL']);
  });

  it('lets the token evaluate again once the bucket refilled', async () => {
    nowMs += 1000;
    assert.equal((await evaluate(actors.tokens.evaluator)).status, 200);
  });
});
