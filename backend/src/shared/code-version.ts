/**
 * The version of the code this process runs, as golden runs record it and the plan's goldens gate
 * compares it: the package version and, when the checkout is a git repository, its commit
 * (`0.1.0+4514a76e028a`). Uncommitted changes do not change it: a run on a dirty tree says the commit
 * it started from. Read once per process (one `git rev-parse`), since the code cannot change under it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPOSITORY = fileURLToPath(new URL('../../..', import.meta.url));

let cached: string | undefined;

export function codeVersion(): string {
  cached ??= readCodeVersion();
  return cached;
}

function readCodeVersion(): string {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  const base = typeof version === 'string' && version !== '' ? version : '0.0.0';
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: REPOSITORY,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
    return /^[0-9a-f]{7,40}$/.test(commit) ? `${base}+${commit}` : base;
  } catch {
    // No git (a deployed build without .git): the package version is what identifies the code.
    return base;
  }
}
