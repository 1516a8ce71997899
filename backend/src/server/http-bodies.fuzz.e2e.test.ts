import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type AdminApi, startAdminApi } from '../app/testing/admin-api.js';
import { isErrorCode } from '../shared/errors.js';

/** Seeded and bounded: the same requests on every run, a few hundred in all. */
const SEED = 14;
const RUNS_PER_ROUTE = 25;

interface Route {
  method: string;
  path: string;
}

const STREAMING_ROUTES = ['GET /api/admin/events'];

/** Every route the app serves, read from its own route table (so a new route is fuzzed too). */
function routesOf(api: AdminApi): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of api.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^(.*?)[├└]── (\S+) \(([^)]+)\)$/.exec(line);
    if (!match) continue;
    const depth = (match[1] as string).length / 4;
    stack.length = depth;
    const path = `${stack.join('')}${match[2]}`;
    stack.push(match[2] as string);
    for (const method of (match[3] as string).split(', '))
      if (method !== 'HEAD') routes.push({ method, path });
  }
  // The dashboard's event stream answers an authorised GET with a stream that stays open (inject()
  // would wait for its end); its refusals are tested in dashboard-routes.e2e.test.ts.
  return routes.filter((route) => !STREAMING_ROUTES.includes(`${route.method} ${route.path}`));
}

/** A path parameter: a plausible value, or anything at all (percent-encoded). */
const param = (name: string, sessionId: string) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        ...({
          sessionId: [sessionId, 'no-such-session'],
          turnNo: ['1', '1', '0', '-1', '99999999999999999999', '1.5'],
          kind: ['user', 'session', 'team'],
          key: ['awf-bundle', 'other-flag'],
        }[name] ?? ['admin', 'fuzz-actor', 'x']),
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map(encodeURIComponent) },
  );

/** A field value of any JSON type, biased toward the edges validators miss. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('', ' ', '\u0000', 'a'.repeat(3000), -1, 1e308, 100.001, 'on', 'up', 'down', true, null),
);

/** A valid body per route (by path suffix), for the mutations that reach past the schema into the service. */
const VALID_BODIES: Array<[RegExp, Record<string, unknown>]> = [
  [/^\/api\/sessions$/, { userId: 'fuzz-user', seed: 7 }],
  [/\/turns$/, { input: 'look around' }],
  [/\/feedback$/, { rating: 'down', reason: 'slow', comment: 'took a while' }],
  [/\/rollout$/, { globalEnabled: true, percent: 5 }],
  [/\/percent$/, { percent: 12.5 }],
  [/\/global-flag$/, { enabled: true }],
  [/\/overrides\/:kind\/:subjectId$/, { pipeline: 'awf', ttl: '1h', reason: 'QA' }],
  [/\/actors$/, { name: 'fuzz-actor', role: 'viewer', ttl: '1d' }],
  [/\/tokens$/, { ttl: '1d' }],
  [/\/checkpoints$/, {}],
  [/^\/ofrep/, { context: { targetingKey: 'user-1', sessionId: 'session-1' } }],
];

/** The route's valid body with one field replaced, removed or added (or unchanged). */
function mutatedValidBody(path: string) {
  const valid = VALID_BODIES.find(([pattern]) => pattern.test(path))?.[1] ?? {};
  const fields = Object.keys(valid);
  return fc
    .oneof(
      fc.constant(valid),
      fields.length === 0
        ? fc.constant(valid)
        : fc
            .tuple(fc.constantFrom(...fields), anyValue)
            .map(([field, value]) => ({ ...valid, [field]: value })),
      fields.length === 0
        ? fc.constant(valid)
        : fc
            .constantFrom(...fields)
            .map((field) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== field))),
      fc
        .tuple(fc.string({ maxLength: 10 }), anyValue)
        .map(([field, value]) => ({ ...valid, [field]: value })),
    )
    .map((value) => ({ payload: JSON.stringify(value), type: 'application/json' }));
}

/** Bodies: JSON of every shape, objects made of the fields the routes know, and broken payloads. */
const body = fc.oneof(
  fc
    .jsonValue({ maxDepth: 3 })
    .map((value) => ({ payload: JSON.stringify(value), type: 'application/json' })),
  fc
    .dictionary(
      fc.constantFrom(
        'input',
        'userId',
        'sessionId',
        'seed',
        'rating',
        'reason',
        'comment',
        'percent',
        'enabled',
        'global',
        'value',
        'ttl',
        'expiresAt',
        'name',
        'role',
        'context',
        'targetingKey',
        'actor',
        'extra',
      ),
      anyValue,
      { maxKeys: 5 },
    )
    .map((value) => ({ payload: JSON.stringify(value), type: 'application/json' })),
  fc.string({ maxLength: 50 }).map((text) => ({ payload: text, type: 'application/json' })),
  fc.string({ maxLength: 20 }).map((text) => ({ payload: text, type: 'text/plain' })),
  fc.constant({ payload: 'x'.repeat(70 * 1024), type: 'application/json' }),
);

describe('HTTP bodies for every route under property-based fuzzing', () => {
  let api: AdminApi;
  let sessionId: string;

  before(async () => {
    api = await startAdminApi();
    const started = await api.app.inject({
      method: 'POST',
      url: '/api/sessions',
      payload: { userId: 'fuzz' },
    });
    sessionId = started.json().sessionId;
    await api.app.inject({
      method: 'POST',
      url: `/api/sessions/${sessionId}/turns`,
      payload: { input: 'look around' },
    });
  });
  after(async () => {
    await api.close();
  });

  it('never answers 5xx, and every 4xx carries a documented error code', async () => {
    const routes = routesOf(api);
    // The route table as the README documents it: a parse that found fewer would fuzz too little.
    assert.ok(routes.length >= 25, `only ${routes.length} routes found`);
    for (const route of routes) {
      const names = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1] as string);
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...names.map((name) => param(name, sessionId))),
          fc.oneof({ arbitrary: mutatedValidBody(route.path), weight: 2 }, { arbitrary: body, weight: 1 }),
          fc.constantFrom('admin', 'admin', 'viewer', 'evaluator', undefined),
          async (values, sent, role) => {
            let url = route.path;
            names.forEach((name, i) => {
              url = url.replace(`:${name}`, values[i] as string);
            });
            const hasBody = route.method !== 'GET';
            const response = await api.call(
              route.method as 'GET',
              url,
              role as 'admin' | undefined,
              undefined,
              hasBody ? { 'content-type': sent.type } : {},
            );
            const withBody = hasBody
              ? await api.app.inject({
                  method: route.method as 'POST',
                  url,
                  payload: sent.payload,
                  headers: {
                    'content-type': sent.type,
                    ...(role ? { authorization: `Bearer ${api.tokens[role as 'admin']}` } : {}),
                  },
                })
              : response;
            for (const answer of [response, withBody]) {
              const what = `${route.method} ${url} ${sent.type} ${sent.payload.slice(0, 80)} as ${role}`;
              assert.ok(answer.statusCode < 500, `${what}: ${answer.statusCode} ${answer.body}`);
              if (answer.statusCode >= 400) {
                const json = answer.json() as { error?: { code?: string }; errorCode?: string };
                const code = json.error?.code ?? json.errorCode ?? '';
                assert.ok(
                  isErrorCode(code),
                  `${what}: ${answer.statusCode} with undocumented code ${answer.body}`,
                );
              }
            }
          },
        ),
        { seed: SEED, numRuns: RUNS_PER_ROUTE },
      );
    }
  });
});
