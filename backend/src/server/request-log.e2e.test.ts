import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestServices, type TestServices } from '../app/testing/test-services.js';
import { parseConfig } from '../config/config.js';
import { buildApp } from './build-app.js';

interface LogLine {
  level: number;
  msg: string;
  res?: { statusCode: number };
}

/** pino's levels */
const INFO = 30;
const ERROR = 50;

describe('request logging (AWF_REQUEST_LOG)', () => {
  let services: TestServices;
  before(async () => {
    services = await createTestServices({}, { watchRollout: false, sloTimers: false });
  });
  after(async () => {
    await services.dispose();
  });

  async function appLogging(
    requestLog: 'all' | 'errors' | undefined,
  ): Promise<{ app: FastifyInstance; lines: LogLine[] }> {
    const lines: LogLine[] = [];
    const app = await buildApp({
      services,
      logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
      ...(requestLog ? { requestLog } : {}),
    });
    app.get('/test/internal-error', async () => {
      throw new Error('boom');
    });
    return { app, lines };
  }

  it('all (the default): two info lines for every request, as before', async () => {
    const { app, lines } = await appLogging(undefined);
    try {
      await app.inject({ method: 'GET', url: '/healthz' });
      assert.deepEqual(
        lines.map((line) => line.msg),
        ['incoming request', 'request completed'],
      );
    } finally {
      await app.close();
    }
  });

  it('errors: nothing for a request answered 2xx', async () => {
    const { app, lines } = await appLogging('errors');
    try {
      const ok = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(lines, []);
    } finally {
      await app.close();
    }
  });

  it('errors: one info line for a request answered 4xx, with method, url and status', async () => {
    const { app, lines } = await appLogging('errors');
    try {
      await app.inject({ method: 'GET', url: '/api/sessions/nobody' });
      assert.equal(lines.length, 1, JSON.stringify(lines));
      assert.equal(lines[0]?.level, INFO);
      assert.equal(lines[0]?.msg, 'request refused');
      assert.equal(lines[0]?.res?.statusCode, 404);
    } finally {
      await app.close();
    }
  });

  it('errors: a 5xx still logs the error itself, and the request at error level', async () => {
    const { app, lines } = await appLogging('errors');
    try {
      const failed = await app.inject({ method: 'GET', url: '/test/internal-error' });
      assert.equal(failed.statusCode, 500);
      assert.ok(
        lines.some((line) => line.level === ERROR && line.msg === 'unhandled error'),
        JSON.stringify(lines),
      );
      assert.ok(
        lines.some(
          (line) => line.level === ERROR && line.msg === 'request failed' && line.res?.statusCode === 500,
        ),
      );
    } finally {
      await app.close();
    }
  });

  it('AWF_REQUEST_LOG takes all or errors; anything else stops start-up', () => {
    assert.equal(parseConfig({}).requestLog, 'all');
    assert.equal(parseConfig({ AWF_REQUEST_LOG: 'errors' }).requestLog, 'errors');
    assert.throws(() => parseConfig({ AWF_REQUEST_LOG: 'quiet' }), /AWF_REQUEST_LOG/);
  });
});
