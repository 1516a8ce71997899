import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { createTestServices, type TestServices } from '../../app/testing/test-services.js';
import type { Role } from '../../auth/roles.js';
import { seedActors } from '../../rollout/testing/control-plane.js';
import { buildApp } from '../../server/build-app.js';

/** Debian's chromium package (installed by .ci/run); no browser is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags that keep chromium off the network it would otherwise call home to, on a closed machine. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser tests can run: without chromium they are skipped on a workstation and FAIL
 * under CI=true (a CI that silently skipped its browser tests would prove nothing).
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is missing: .ci/run installs the chromium package`);
  return `${CHROMIUM} is not installed (apt-get install chromium)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A real server (listening on a port) over a fresh SQLite file, with one actor of each role. */
export interface DashboardServer {
  url: string;
  app: FastifyInstance;
  services: TestServices;
  tokens: Record<Role, string>;
  /** Runs `turns` turns for each of `users` users through the player API; returns the session ids. */
  play(users: number, turns: number, prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startDashboardServer(env: Record<string, string> = {}): Promise<DashboardServer> {
  const services = await createTestServices({ AWF_CHANGE_RATE_LIMIT: '1000', ...env }, { sloTimers: false });
  const app = await buildApp({ services });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const { tokens } = await seedActors(services.auth);
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as { sessionId: string };
  };
  return {
    url,
    app,
    services,
    tokens,
    async play(users, turns, prefix = 'player') {
      const sessions: string[] = [];
      for (let user = 0; user < users; user++) {
        const { sessionId } = await post('/api/sessions', { userId: `${prefix}-${user}`, seed: user + 1 });
        sessions.push(sessionId);
        for (let turn = 0; turn < turns; turn++)
          await post(`/api/sessions/${sessionId}/turns`, { input: 'look around' });
      }
      return sessions;
    },
    async close() {
      await app.close();
      await services.dispose();
    },
  };
}

/** Signs the page in with `token` and waits until the panels show the actor. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/dashboard`);
  await page.fill('#token', token);
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('[data-testid=who-role]');
  await page.waitForSelector('[data-testid=percent-value]');
  await page.waitForSelector('#live:text("live")');
}

export const PHONE = { width: 390, height: 844 };
export const LAPTOP = { width: 1280, height: 800 };

/** What went wrong in the page: console errors, uncaught exceptions, failed requests, alert() calls. */
export interface PageTrouble {
  problems: string[];
  requests: string[];
  dialogs: string[];
}

export async function openPage(
  browser: Browser,
  viewport = LAPTOP,
): Promise<{ context: BrowserContext; page: Page; trouble: PageTrouble }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const trouble: PageTrouble = { problems: [], requests: [], dialogs: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') trouble.problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => trouble.problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // The live stream is cut when the page goes away: that is the page closing, not a failure.
    if (!request.url().endsWith('/api/admin/events'))
      trouble.problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) trouble.problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  page.on('request', (request) => trouble.requests.push(request.url()));
  page.on('dialog', async (dialog) => {
    trouble.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  return { context, page, trouble };
}
