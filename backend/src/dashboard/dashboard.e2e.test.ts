import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { runScript } from '../../scripts/testing/run-script.js';
import { storeGoldenRun } from '../golden-runs/testing/golden-run-fixtures.js';
import {
  browserSkipReason,
  type DashboardServer,
  LAPTOP,
  launchChromium,
  openPage,
  PHONE,
  signIn,
  startDashboardServer,
} from './testing/dashboard-server.js';

const XSS = '<img src=x onerror=alert(1)>';
const RESULTS_DIR = path.resolve(import.meta.dirname, '../../../test-results');

/** The page's text of `testid`. */
const textOf = async (page: Page, testid: string) =>
  ((await page.textContent(`[data-testid="${testid}"]`)) ?? '').trim();
/** A number as the page writes it: the API's value to two decimals, '—' for none. */
const shown = (value: number | null) => (value === null ? '—' : String(Math.round(value * 100) / 100));

describe('the operator dashboard, in chromium against a real server on SQLite', {
  skip: browserSkipReason(),
  timeout: 180_000,
}, () => {
  let server: DashboardServer;
  let browser: Browser;
  let sessions: string[];

  const asRole = async (role: 'viewer' | 'operator', method: string, url: string, body?: unknown) => {
    const response = await fetch(`${server.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${server.tokens[role]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the admin API's JSON, read field by field in assertions
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };

  before(async () => {
    mkdirSync(RESULTS_DIR, { recursive: true });
    server = await startDashboardServer();
    assert.equal(
      (await asRole('operator', 'PUT', '/api/admin/rollout', { globalEnabled: true, percent: 30 })).status,
      200,
    );
    await server.services.rolloutState.refresh(); // the router routes by it from the next turn
    sessions = await server.play(12, 3);
    // Data the page must show as text, never as markup.
    assert.equal(
      (
        await asRole('operator', 'PUT', '/api/admin/overrides/user/player-1', {
          pipeline: 'legacy',
          ttl: '2h',
          reason: XSS,
        })
      ).status,
      200,
    );
    const rated = await fetch(`${server.url}/api/sessions/${sessions[0]}/turns/1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rating: 'down', reason: 'incoherent', comment: XSS }),
    });
    assert.equal(rated.status, 201);
    // A full golden run with one failed scenario and its diff: the golden runs panel shows it.
    await storeGoldenRun(server.services.database.db, { runId: 'run-1', contentHash: 'c0ffee' });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a viewer signs in and sees its actor, role and token expiry, the numbers the admin API gives, and no action control', async () => {
    const { context, page, trouble } = await openPage(browser);
    try {
      await signIn(page, server.url, server.tokens.viewer);
      assert.equal(await textOf(page, 'who-actor'), 'viewer-1');
      assert.equal(await textOf(page, 'who-role'), 'viewer');
      assert.match((await page.textContent('#who')) ?? '', /token never expires/);

      const [rollout, slo, distribution] = await Promise.all([
        asRole('viewer', 'GET', '/api/admin/rollout'),
        asRole('viewer', 'GET', '/api/admin/slo'),
        asRole('viewer', 'GET', '/api/admin/rollout/distribution?since=24h'),
      ]);
      assert.equal(await textOf(page, 'percent-value'), '30');
      assert.equal(await textOf(page, 'percent-value'), shown(rollout.json.effective.percent.value));
      assert.equal(slo.json.slos.length, 3);
      for (const item of slo.json.slos) {
        assert.equal(await textOf(page, `slo-value-${item.slo}`), shown(item.value), item.slo);
        assert.equal(await textOf(page, `slo-sample-${item.slo}`), String(item.sample), item.slo);
      }
      const { routed, answered } = distribution.json;
      assert.equal(routed.turns.awf + routed.turns.legacy, 36); // 12 players × 3 turns
      assert.equal(await textOf(page, 'dist-routed-turns'), `${routed.turns.awf} / ${routed.turns.legacy}`);
      assert.equal(
        await textOf(page, 'dist-answered-turns'),
        `${answered.turns.awf} / ${answered.turns.legacy}`,
      );
      assert.equal(await textOf(page, 'dist-target'), '30 %');
      assert.equal(await page.locator('[data-testid=override-row]').count(), rollout.json.overrides.length);

      assert.equal(await page.isVisible('#actions'), false);
      assert.equal(await page.locator('#percent-input').count(), 0);
      assert.equal(await page.getByRole('button', { name: /clear/i }).count(), 0);
      assert.equal(await page.getByRole('button', { name: /global flag/i }).count(), 0);
      assert.match((await page.textContent('#audit-body')) ?? '', /cannot read the audit log/);
      assert.deepEqual(trouble.problems, []);

      // A request forged from the page's own session, as a viewer: refused, nothing changes.
      const status = await page.evaluate(async () => {
        const token = sessionStorage.getItem('awf-dashboard-token');
        const response = await fetch('/api/admin/rollout/percent', {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ percent: 90 }),
        });
        return response.status;
      });
      assert.equal(status, 403);
      assert.equal((await asRole('viewer', 'GET', '/api/admin/rollout')).json.effective.percent.value, 30);
      assert.equal(
        await page
          .context()
          .cookies()
          .then((cookies) => cookies.length),
        0,
      );
    } finally {
      await context.close();
    }
  });

  it('an operator sets the percent through the page after a confirmation stating the effect; the audit feed shows the entry', async () => {
    const { context, page, trouble } = await openPage(browser);
    try {
      await signIn(page, server.url, server.tokens.operator);
      assert.equal(await textOf(page, 'who-role'), 'operator');
      await page.fill('#percent-input', '35');
      await page.click('#percent-form button[type=submit]');
      await page.waitForSelector('#confirm[open]');
      assert.match((await page.textContent('#confirm-text')) ?? '', /from 30 % to 35 %/);
      await page.click('#confirm-cancel');
      assert.equal((await asRole('operator', 'GET', '/api/admin/rollout')).json.effective.percent.value, 30);

      await page.click('#percent-form button[type=submit]');
      await page.waitForSelector('#confirm[open]');
      await page.click('#confirm-ok');
      await page.waitForFunction(
        () => document.querySelector('[data-testid=percent-value]')?.textContent === '35',
      );
      assert.equal((await asRole('operator', 'GET', '/api/admin/rollout')).json.effective.percent.value, 35);
      const newest = page.locator('[data-testid=audit-entry]').first();
      await newest.waitFor();
      const line = (await newest.textContent()) ?? '';
      assert.match(line, /ops-1 · rollout\.percent\.set · rollout/);
      await newest.click();
      const detail = JSON.parse((await page.textContent('#audit-detail')) ?? '{}');
      assert.deepEqual([detail.details.previous, detail.details.new], [30, 35]);
      assert.deepEqual(trouble.problems, []);
    } finally {
      await context.close();
    }
  });

  it('shows when the token expires, and signs out, forgetting the token, once it is revoked', async () => {
    const admin = await fetch(`${server.url}/api/admin/actors/viewer-1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ttl: '2h' }),
    });
    const token = (await admin.json()) as { token: string; tokenId: string; expiresAt: string };
    const { context, page } = await openPage(browser);
    try {
      await signIn(page, server.url, token.token);
      const who = (await page.textContent('#who')) ?? '';
      assert.match(who, /token expires .* \(in 1h 59m\)|token expires .* \(in 2h 0m\)/);
      const revoked = await fetch(`${server.url}/api/admin/tokens/${token.tokenId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${server.tokens.admin}` },
      });
      assert.equal(revoked.status, 200);
      await page.waitForSelector('#signin:not([hidden])', { timeout: 10_000 });
      assert.match((await page.textContent('#signin-error')) ?? '', /sign in again/);
      assert.equal(await page.evaluate(() => sessionStorage.length), 0);
      assert.equal(await page.isVisible('#board'), false);
    } finally {
      await context.close();
    }
  });

  it('a change made with awf-rollout-set.ts shows on the open page within 2 s, without reloading', async () => {
    const { context, page, trouble } = await openPage(browser);
    try {
      await signIn(page, server.url, server.tokens.viewer);
      await page.evaluate(() => {
        const target = document.getElementById('routing') as HTMLElement;
        new MutationObserver(() => {
          const text = document.querySelector('[data-testid=percent-value]')?.textContent;
          if (text === '12' && !document.body.dataset.seenAt)
            document.body.dataset.seenAt = String(Date.now());
        }).observe(target, { childList: true, subtree: true, characterData: true });
      });
      const run = await runScript('awf-rollout-set', ['--percent', '12', '--actor', 'ops-1'], {
        AWF_DB_PATH: server.services.sqlitePath,
        AWF_ADMIN_TOKEN: server.tokens.operator,
      });
      assert.equal(run.code, 0, run.stderr);
      await page.waitForFunction(() => document.body.dataset.seenAt !== undefined, undefined, {
        timeout: 10_000,
      });
      const seenAt = await page.evaluate(() => Number(document.body.dataset.seenAt));
      assert.ok(seenAt - run.exitedAt <= 2000, `shown ${seenAt - run.exitedAt} ms after the script exited`);
      assert.deepEqual(trouble.problems, []);
    } finally {
      await context.close();
    }
  });

  it("an operator's untouched percent field follows a change made elsewhere; a value being typed stays", async () => {
    const { context, page, trouble } = await openPage(browser);
    const setPercent = async (percent: number) => {
      const response = await fetch(`${server.url}/api/admin/rollout/percent`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${server.tokens.operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({ percent }),
      });
      assert.equal(response.status, 200, await response.text());
    };
    try {
      await signIn(page, server.url, server.tokens.operator);
      await setPercent(17);
      await page.waitForFunction(
        () => (document.getElementById('percent-input') as HTMLInputElement | null)?.value === '17',
        undefined,
        { timeout: 10_000 },
      );
      await page.fill('#percent-input', '33');
      await page.locator('#percent-input').blur();
      await setPercent(18);
      await page.waitForSelector('[data-testid=percent-value]:text-is("18")', { timeout: 10_000 });
      assert.equal(await page.inputValue('#percent-input'), '33');
      assert.deepEqual(trouble.problems, []);
    } finally {
      await context.close();
    }
  });

  it('every panel works with no console error, no failed request and no serious or critical axe violation, at 1280×800 and 390×844', async () => {
    const cases = [
      { role: 'operator', viewport: LAPTOP },
      { role: 'operator', viewport: PHONE },
      { role: 'viewer', viewport: PHONE },
    ] as const;
    for (const { role, viewport } of cases) {
      const { context, page, trouble } = await openPage(browser, viewport);
      try {
        await signIn(page, server.url, server.tokens[role]);
        // Each window draws its six charts at its own step (1 h per minute, 24 h per 5, 7 d per 60 minutes).
        for (const [window, step] of [
          ['24h', 'per 5 minutes'],
          ['7d', 'per 60 minutes'],
          ['1h', 'per minute'],
        ]) {
          await page.click(`#windows button[data-window="${window}"]`);
          await page.waitForFunction(
            (title) =>
              document.querySelector('#charts h3')?.textContent === `p95 latency (${title})` &&
              document.querySelectorAll('#charts canvas').length === 6,
            step,
          );
          assert.equal(
            await page.getAttribute(`#windows button[data-window="${window}"]`, 'aria-pressed'),
            'true',
          );
        }
        await page.fill('#explain-id', 'player-1');
        await page.click('#explain-form button[type=submit]');
        await page.waitForSelector('[data-testid=explain-reason]');
        assert.equal(await textOf(page, 'explain-reason'), 'user_override');
        if (role === 'operator') {
          await page.fill('#audit-action', 'override.*');
          await page.click('#audit-filters button[type=submit]');
          await page.waitForFunction(() =>
            [...document.querySelectorAll('[data-testid=audit-entry]')].every((el) =>
              el.textContent?.includes('override.'),
            ),
          );
        }
        await page.getByRole('button', { name: 'Show diff' }).click();
        assert.match((await page.textContent('#golden-runs')) ?? '', /\+"scene": "hall"/);
        await page.keyboard.press('Tab');
        const axe = await new AxeBuilder({ page }).analyze();
        const serious = axe.violations.filter(
          (violation) => violation.impact === 'serious' || violation.impact === 'critical',
        );
        assert.deepEqual(
          serious.map(
            (violation) =>
              `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
          ),
          [],
        );
        await page.screenshot({
          path: path.join(RESULTS_DIR, `dashboard-${role}-${viewport.width}x${viewport.height}.png`),
          fullPage: true,
        });
        assert.deepEqual(trouble.problems, []);
      } finally {
        await context.close();
      }
    }
  });

  it('shows an override reason and a feedback comment of `<img src=x onerror=alert(1)>` as text and runs nothing', async () => {
    const { context, page, trouble } = await openPage(browser);
    try {
      await signIn(page, server.url, server.tokens.operator);
      await page.waitForSelector('[data-testid=comment]');
      assert.equal(await textOf(page, 'override-reason'), XSS);
      assert.match((await page.textContent('[data-testid=comment]')) ?? '', /<img src=x onerror=alert\(1\)>/);
      assert.equal(await page.locator('img').count(), 0);
      await page.waitForTimeout(300);
      assert.deepEqual(trouble.dialogs, []);
      assert.deepEqual(
        trouble.requests.filter((url) => new URL(url).pathname.endsWith('/x')),
        [],
      );
      assert.deepEqual(trouble.problems, []);
    } finally {
      await context.close();
    }
  });
});
