import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { redactDatabaseUrl } from '../store/database.js';
import type { LoadFaults } from './load-options.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** How long a server may take to print "listening on" (tsx compiles on first start). */
const START_TIMEOUT_MS = 60_000;
/** main.ts gives up its graceful stop after 4.5 s; past this the process is killed. */
const STOP_TIMEOUT_MS = 8_000;
/** The local model's timeout on the servers it starts (AWF_MODEL_TIMEOUT_MS's default). */
export const LOAD_MODEL_TIMEOUT_MS = 15_000;

/** The servers `npm run load --instances N` started, and the store they share. */
export interface LoadInstances {
  urls: string[];
  /** 'sqlite' for one instance, 'postgres' for several. */
  store: 'sqlite' | 'postgres';
  /** The env a script needs to reach the same store (AWF_DB_PATH or DATABASE_URL). */
  storeEnv: Record<string, string>;
  /** Stops every server gracefully (each flushes its SLO aggregates); idempotent. */
  stop(): Promise<void>;
  /** Stops the servers and removes what was created (temp directory, database); idempotent. */
  cleanUp(): Promise<void>;
}

export interface StartInstancesOptions {
  instances: number;
  /** PostgreSQL admin URL; required for more than one instance. */
  databaseUrl?: string;
  faults: LoadFaults;
  percent: number;
}

/** The environment of a child process: nothing of the caller's but PATH/HOME, plus `extra`. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'SystemRoot']) {
    const value = process.env[key];
    if (value !== undefined) base[key] = value;
  }
  return { ...base, ...extra };
}

/**
 * Starts `instances` servers as `npm start` does (node --import tsx backend/src/main.ts, PORT=0),
 * routed to AWF by the rollout percentage, with the local model's faults set: SQLite in a fresh
 * temp directory for one, a fresh PostgreSQL database (created under `databaseUrl`, dropped by
 * cleanUp) for several. On any failure what was created is removed before the error is thrown.
 */
export async function startInstances(options: StartInstancesOptions): Promise<LoadInstances> {
  const created: Array<() => Promise<void>> = [];
  const servers: ChildProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= Promise.all(servers.map(stopServer)).then(() => {});
    return stopping;
  };
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => {
    cleaning ??= (async () => {
      await stop();
      for (const undo of created.reverse()) await undo().catch(() => {});
    })();
    return cleaning;
  };
  try {
    let storeEnv: Record<string, string>;
    let store: LoadInstances['store'];
    if (options.instances === 1 && !options.databaseUrl) {
      const dir = await mkdtemp(path.join(tmpdir(), 'awf-load-'));
      created.push(() => rm(dir, { recursive: true, force: true }));
      storeEnv = { AWF_DB_PATH: path.join(dir, 'awf.db') };
      store = 'sqlite';
    } else {
      if (!options.databaseUrl) throw new Error('several instances need PostgreSQL (--database-url)');
      const adminUrl = options.databaseUrl;
      const name = `awf_load_${randomBytes(6).toString('hex')}`;
      await runAsAdmin(adminUrl, `create database ${name}`);
      created.push(() => runAsAdmin(adminUrl, `drop database if exists ${name} with (force)`));
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      storeEnv = { DATABASE_URL: url.toString() };
      store = 'postgres';
    }
    const serverEnv = (index: number) =>
      childEnv({
        ...storeEnv,
        HOST: '127.0.0.1',
        PORT: '0',
        AWF_INSTANCE_ID: `load-${index + 1}`,
        AWF_BUNDLE_ON: options.percent > 0 ? 'true' : 'false',
        AWF_PERCENT_ROLLOUT: String(options.percent),
        AWF_MODEL_PROVIDER: 'local',
        AWF_LEGACY_MODEL_PROVIDER: 'local',
        AWF_MODEL_TIMEOUT_MS: String(LOAD_MODEL_TIMEOUT_MS),
        AWF_LOCAL_ERROR_RATE: String(options.faults.error),
        AWF_LOCAL_INVALID_RATE: String(options.faults.invalid),
        AWF_LOCAL_LATENCY_MS: String(options.faults.latencyMs),
        LOG_LEVEL: 'warn',
      });
    // The first server migrates the fresh store; the others start once it is up.
    const urls = [await startServer(serverEnv(0), servers)];
    urls.push(
      ...(await Promise.all(
        Array.from({ length: options.instances - 1 }, (_, i) => startServer(serverEnv(i + 1), servers)),
      )),
    );
    return { urls, store, storeEnv, stop, cleanUp };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function startServer(env: Record<string, string>, servers: ChildProcess[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'backend/src/main.ts')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    servers.push(child);
    let stdout = '';
    let stderr = '';
    let listening = false;
    const timer = setTimeout(() => {
      reject(
        new Error(`a server did not start within ${START_TIMEOUT_MS / 1000} s: ${tail(stderr || stdout)}`),
      );
    }, START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (listening) return;
      stdout += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(stdout);
      if (match) {
        listening = true;
        clearTimeout(timer);
        resolve((match[1] as string).replace(/\/$/, ''));
      }
    });
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!listening)
        reject(new Error(`a server exited (code ${code}) before listening: ${tail(stderr || stdout)}`));
    });
  });
}

function tail(text: string): string {
  const lines = text.trim().split('\n');
  return lines.slice(-3).join(' | ') || '(no output)';
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function runAsAdmin(adminUrl: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query(statement);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${redactDatabaseUrl(adminUrl)}: "${statement}" failed: ${reason}`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `tsx backend/scripts/<script>.ts …args` as its own process, with the store's env and `extra`. */
export function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'backend/scripts', `${script}.ts`), ...args],
      { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A viewer token for slo-status on the store, as an operator gets one: bootstrap an admin with
 * `awf-actors.ts add`, then add a viewer with the admin's token.
 */
export async function viewerToken(storeEnv: Record<string, string>): Promise<string> {
  const admin = await runScript('awf-actors', ['add', 'load-admin', '--role', 'admin'], storeEnv);
  const adminToken = admin.stdout.trim();
  if (admin.code !== 0 || adminToken === '') {
    throw new Error(`awf-actors add load-admin failed (exit ${admin.code}): ${admin.stderr.trim()}`);
  }
  const viewer = await runScript(
    'awf-actors',
    ['add', 'load-viewer', '--role', 'viewer', '--actor', 'load-admin'],
    { ...storeEnv, AWF_ADMIN_TOKEN: adminToken },
  );
  const token = viewer.stdout.trim();
  if (viewer.code !== 0 || token === '') {
    throw new Error(`awf-actors add load-viewer failed (exit ${viewer.code}): ${viewer.stderr.trim()}`);
  }
  return token;
}
