import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { storeGoldenRun } from '../golden-runs/testing/golden-run-fixtures.js';
import { codeVersion } from '../shared/code-version.js';
import {
  browserSkipReason,
  type DashboardServer,
  launchChromium,
  openPage,
  PHONE,
  signIn,
  startDashboardServer,
} from './testing/dashboard-server.js';

interface Gate {
  name: string;
  status: 'pass' | 'fail' | 'hold' | 'skip';
  summary: string;
  evidence: Record<string, unknown>;
}
interface PlanJson {
  id: string;
  state: string;
  stages: Array<{ percent: number | 'shadow' }>;
  currentStage: number;
  bake: { elapsedMs: number; requiredMs: number };
  sample: { awfTurns: number; required: number };
  approval: { required: boolean; approvedBy?: string };
  gates: Gate[];
}

const SYMBOL = { pass: '✔', fail: '✘', hold: '…', skip: '–' } as const;

/** What the panel shows, read from the page. */
async function panelOf(page: Page) {
  // No named function inside: tsx would wrap it in a helper the page does not have.
  const [state, stage, bake, sample, approval] = await page.evaluate(
    (ids) =>
      ids.map((id) => document.querySelector(`#plan [data-testid=${id}]`)?.textContent?.trim() ?? null),
    ['plan-state', 'plan-stage', 'plan-bake', 'plan-sample', 'plan-approval'],
  );
  const gates = await page.evaluate(() =>
    [...document.querySelectorAll('#plan [data-testid=plan-gate]')].map((li) => {
      // The gate's line without its folded evidence.
      const line = li.cloneNode(true) as Element;
      line.querySelector('details')?.remove();
      return {
        name: li.getAttribute('data-gate'),
        status: li.getAttribute('data-status'),
        text: line.textContent ?? '',
        evidence: JSON.parse(li.querySelector('[data-testid=plan-gate-evidence]')?.textContent ?? 'null'),
      };
    }),
  );
  const buttons = await page.evaluate(() =>
    [...document.querySelectorAll('#plan button')].map((button) => button.textContent),
  );
  return { state, stage, bake, sample, approval, gates, buttons };
}

/** The panel, field by field, as it must show `plan` (the GET /api/admin/plan body of the same moment). */
function expectedPanel(plan: PlanJson) {
  const stage = plan.stages[plan.currentStage]?.percent;
  return {
    state: plan.state,
    stage: `Stage ${plan.currentStage + 1} of ${plan.stages.length}: ${stage} %`,
    bake: `${Math.round(plan.bake.elapsedMs / 1000)} s of ${Math.round(plan.bake.requiredMs / 1000)} s`,
    sample: `${plan.sample.awfTurns} of ${plan.sample.required} AWF turns`,
    gates: plan.gates.map((gate) => ({
      name: gate.name,
      status: gate.status,
      text: `${SYMBOL[gate.status]} ${gate.status} ${gate.name}: ${gate.summary}`,
      evidence: gate.evidence,
    })),
  };
}

describe('the dashboard plan panel, in chromium against the real plan API', {
  skip: browserSkipReason(),
  timeout: 180_000,
}, () => {
  let server: DashboardServer;
  let browser: Browser;

  const asRole = async (
    role: 'viewer' | 'operator' | 'admin',
    method: string,
    url: string,
    body?: unknown,
  ) => {
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

  /** Signs in and records every GET /api/admin/plan body the page receives (the last is what it shows). */
  const openSignedIn = async (role: 'viewer' | 'operator', viewport?: typeof PHONE) => {
    const opened = await openPage(browser, viewport);
    const seen: Array<{ plan: PlanJson | null }> = [];
    opened.page.on('response', async (response) => {
      if (new URL(response.url()).pathname === '/api/admin/plan' && response.request().method() === 'GET')
        seen.push((await response.json().catch(() => ({ plan: null }))) as { plan: PlanJson | null });
    });
    await signIn(opened.page, server.url, server.tokens[role]);
    return { ...opened, seen };
  };

  /** Waits until the panel shows exactly what the page's latest GET /api/admin/plan said. */
  const panelEqualsLatestRead = async (page: Page, seen: Array<{ plan: PlanJson | null }>) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const latest = seen.at(-1)?.plan;
      const shown = await panelOf(page);
      try {
        assert.ok(latest, 'the page read the plan');
        const expected = expectedPanel(latest);
        assert.equal(shown.state, expected.state);
        assert.ok(shown.stage?.startsWith(`${expected.stage}, since `), `${shown.stage}`);
        assert.equal(shown.bake, expected.bake);
        assert.equal(shown.sample, expected.sample);
        assert.deepEqual(shown.gates, expected.gates);
        return { shown, plan: latest };
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
  };

  /** Clicks a plan action, checks the confirmation states `effect`, confirms, and waits for the newest audit entry. */
  const actThroughPage = async (page: Page, verb: string, effect: RegExp, action: string) => {
    await page.click(`[data-testid=plan-${verb}]`);
    await page.waitForSelector('#confirm[open]');
    assert.match((await page.textContent('#confirm-text')) ?? '', effect);
    await page.click('#confirm-ok');
    await page.waitForFunction(
      (wanted) => document.querySelector('[data-testid=audit-entry]')?.textContent?.includes(wanted),
      ` · ops-1 · ${action} · plan:`,
    );
    assert.match((await page.textContent('#message')) ?? '', /^✔ Done: /);
  };

  before(async () => {
    server = await startDashboardServer();
    assert.equal(
      (await asRole('operator', 'PUT', '/api/admin/rollout', { globalEnabled: true, percent: 0 })).status,
      200,
    );
    await server.services.rolloutState.refresh();
    // A full golden run on the served content with one failure: the goldens gate shows ✘ with its evidence.
    await storeGoldenRun(server.services.database.db, {
      runId: 'run-plan-panel',
      contentHash: server.services.content.hash,
      codeVersion: codeVersion(),
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('with no plan, the panel says so', async () => {
    assert.equal((await asRole('viewer', 'GET', '/api/admin/plan')).json.plan, null);
    const { context, page, trouble } = await openSignedIn('operator');
    try {
      await page.waitForSelector('[data-testid=plan-none]');
      assert.match((await page.textContent('#plan')) ?? '', /No staged plan has been started/);
      assert.equal(await page.locator('#plan button').count(), 0);
      assert.deepEqual(trouble.problems, []);
    } finally {
      await context.close();
    }
  });

  it('a viewer sees the stage, bake, sample and each gate ✔/✘ with evidence as GET /api/admin/plan gives them, and no plan action', async () => {
    const started = await asRole('admin', 'POST', '/api/admin/plan', {
      stages: [50, 100],
      bake: '1h',
      minSample: 4,
    });
    assert.equal(started.status, 201);
    await server.play(8, 2); // AWF turns in the stage: the sample bar moves
    const { context, page, trouble, seen } = await openSignedIn('viewer');
    try {
      await page.waitForSelector('[data-testid=plan-state]');
      const { shown, plan } = await panelEqualsLatestRead(page, seen);
      assert.equal(plan.id, started.json.plan.id);
      // The same moment's API read, fetched by the test: the fields that do not move with the clock agree.
      const now = (await asRole('viewer', 'GET', '/api/admin/plan')).json.plan as PlanJson;
      const fresh = expectedPanel(now);
      assert.equal(shown.sample, fresh.sample);
      assert.deepEqual(
        shown.gates.map((gate) => [gate.name, gate.status]),
        fresh.gates.map((gate) => [gate.name, gate.status]),
      );
      const goldens = shown.gates.find((gate) => gate.name === 'goldens');
      assert.equal(goldens?.status, 'fail');
      assert.match(goldens?.text ?? '', /^✘ fail goldens: .*legacy-walk/);
      assert.equal((goldens?.evidence as { runId?: string } | undefined)?.runId, 'run-plan-panel');
      assert.match(shown.gates.find((gate) => gate.name === 'switches')?.text ?? '', /^✔ pass switches/);
      assert.equal(shown.approval, "… 100 % awaits a second operator's approval");
      assert.deepEqual(shown.buttons, [], 'a viewer has no plan action');
      assert.deepEqual(trouble.problems, []);
    } finally {
      await context.close();
    }
  });

  it('an operator approves, pauses, resumes and aborts through the page, each after a confirmation stating its effect, and the audit feed shows each entry at once', async () => {
    const { context, page, trouble, seen } = await openSignedIn('operator');
    try {
      await page.waitForSelector('[data-testid=plan-state]');
      await panelEqualsLatestRead(page, seen);
      assert.deepEqual((await panelOf(page)).buttons, ['Pause plan', 'Approve 100 %', 'Abort plan']);

      // Cancelling changes nothing.
      await page.click('[data-testid=plan-pause]');
      await page.waitForSelector('#confirm[open]');
      await page.click('#confirm-cancel');
      assert.equal((await asRole('operator', 'GET', '/api/admin/plan')).json.plan.state, 'running');

      await actThroughPage(
        page,
        'approve',
        /Approve advancing to 100 % as ops-1: the plan advances once its other gates pass/,
        'plan.approved',
      );
      let now = (await asRole('operator', 'GET', '/api/admin/plan')).json.plan as PlanJson;
      assert.equal(now.approval.approvedBy, 'ops-1');
      await page.waitForFunction(
        () =>
          document.querySelector('[data-testid=plan-approval]')?.textContent === '✔ 100 % approved by ops-1',
      );

      await actThroughPage(
        page,
        'pause',
        /Pause the plan at 50 %: the controller stops evaluating it .* AWF stays at 50 %/,
        'plan.paused',
      );
      now = (await asRole('operator', 'GET', '/api/admin/plan')).json.plan as PlanJson;
      assert.equal(now.state, 'paused');
      await panelEqualsLatestRead(page, seen);
      assert.deepEqual((await panelOf(page)).buttons, ['Resume plan', 'Abort plan']);

      await actThroughPage(
        page,
        'resume',
        /Resume the plan at 50 %: the bake of this stage starts over now/,
        'plan.resumed',
      );
      assert.equal((await asRole('operator', 'GET', '/api/admin/plan')).json.plan.state, 'running');
      await panelEqualsLatestRead(page, seen);

      await actThroughPage(
        page,
        'abort',
        /Abort the plan: it ends at 50 % .* AWF stays at 50 %/,
        'plan.aborted',
      );
      now = (await asRole('operator', 'GET', '/api/admin/plan')).json.plan as PlanJson;
      assert.equal(now.state, 'aborted');
      await page.waitForFunction(
        () => document.querySelector('[data-testid=plan-state]')?.textContent === 'aborted',
      );
      assert.deepEqual((await panelOf(page)).buttons, [], 'an ended plan has no action');
      // Abort leaves the percentage where the plan put it, as its confirmation said.
      assert.equal((await asRole('operator', 'GET', '/api/admin/rollout')).json.effective.percent.value, 50);

      // What the page sent is what the routes accept: each audit entry carries it.
      const feed = (await asRole('operator', 'GET', '/api/admin/audit?action=plan.*&limit=10'))
        .json as unknown as Array<{
        actor: string;
        action: string;
        details: { reason?: string | null };
      }>;
      const byAction = new Map(feed.map((entry) => [entry.action, entry]));
      assert.equal(byAction.get('plan.paused')?.details.reason, 'from the dashboard by ops-1');
      assert.equal(byAction.get('plan.aborted')?.details.reason, 'from the dashboard by ops-1');
      for (const action of ['plan.approved', 'plan.paused', 'plan.resumed', 'plan.aborted'])
        assert.equal(byAction.get(action)?.actor, 'ops-1', action);
      assert.deepEqual(trouble.problems, []);
    } finally {
      await context.close();
    }
  });

  it('the plan panel has no serious or critical axe violation, for an operator and a viewer', async () => {
    // A running plan again (the last one was aborted), so the gates and the action controls are drawn.
    assert.equal(
      (await asRole('admin', 'POST', '/api/admin/plan', { stages: [50, 100], bake: '1h', minSample: 4 }))
        .status,
      201,
    );
    for (const role of ['operator', 'viewer'] as const) {
      const { context, page, trouble } = await openSignedIn(role, PHONE);
      try {
        await page.waitForSelector('[data-testid=plan-gate]');
        await page.locator('#plan details summary').first().click();
        const axe = await new AxeBuilder({ page }).include('#plan').analyze();
        const serious = axe.violations.filter(
          (violation) => violation.impact === 'serious' || violation.impact === 'critical',
        );
        assert.deepEqual(
          serious.map(
            (violation) =>
              `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
          ),
          [],
          role,
        );
        assert.deepEqual(trouble.problems, [], role);
      } finally {
        await context.close();
      }
    }
  });
});
