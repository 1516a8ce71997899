import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** A child server: its base URL and a graceful stop. */
export interface ServerProcess {
  url: string;
  stop(): Promise<void>;
}

function minimalEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra };
}

/** Starts `node --import tsx <entry>` and waits for its "listening on <url>" line. */
export function startServer(entry: string, env: Record<string, string>): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
      cwd: ROOT,
      env: minimalEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let up = false;
    const timer = setTimeout(() => reject(new Error(`${entry} did not start: ${err || out}`)), 60_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      if (up) return;
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (!match) return;
      up = true;
      clearTimeout(timer);
      resolve({
        url: (match[1] as string).replace(/\/$/, ''),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 8000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err = (err + chunk).slice(-2000);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!up) reject(new Error(`${entry} exited ${code} before listening: ${err || out}`));
    });
  });
}

/** Runs `argv` to completion; returns its exit code, output and wall time in ms. */
export function run(
  argv: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: ROOT,
      env: minimalEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
    );
  });
}

/** A bootstrap admin on the store named by `storeEnv`; returns its token. */
export async function bootstrapAdmin(storeEnv: Record<string, string>): Promise<string> {
  const result = await run(
    [
      process.execPath,
      '--import',
      'tsx',
      path.join(ROOT, 'backend/scripts/awf-actors.ts'),
      'add',
      'bench-admin',
      '--role',
      'admin',
    ],
    storeEnv,
  );
  if (result.code !== 0) throw new Error(`awf-actors add failed: ${result.stderr}`);
  return result.stdout.trim();
}
