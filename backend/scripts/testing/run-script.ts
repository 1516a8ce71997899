import { spawn } from 'node:child_process';
import path from 'node:path';

/** The repository root, whatever the test's working directory. */
export const ROOT = path.resolve(import.meta.dirname, '../../..');

/** What a script run as a process printed and how it ended. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** When the process exited (Date.now()). */
  exitedAt: number;
}

/**
 * `node --import tsx <file> ...args` (file relative to the repository root) in one process, with only
 * PATH and `env` in its environment and no standard input.
 */
export function runTsx(file: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, file), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, exitedAt: Date.now() }));
  });
}

/** The seed's `tsx backend/scripts/<name>.ts ...args`, as runTsx runs it. */
export function runScript(name: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  return runTsx(`backend/scripts/${name}.ts`, args, env);
}

/** Runs the jobs a few at a time (each spawn costs most of a second of CPU on a 2-core machine). */
export async function runAll<T>(jobs: Array<() => Promise<T>>, concurrency = 3): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
      while (next < jobs.length) {
        const index = next++;
        results[index] = await (jobs[index] as () => Promise<T>)();
      }
    }),
  );
  return results;
}
