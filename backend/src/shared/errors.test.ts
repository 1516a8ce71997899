import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AppError, ERROR_CODES } from './errors.js';

const SRC = path.resolve(import.meta.dirname, '..');
const ROOT = path.resolve(SRC, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('error codes', () => {
  const raised = new Map<string, string>();
  for (const file of [...sourceFiles(SRC), ...sourceFiles(path.join(ROOT, 'backend/scripts'))]) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:super|new [A-Za-z]*Error)\(\s*'([A-Z][A-Z0-9_]+)'/g)) {
      raised.set(match[1] as string, path.relative(ROOT, file));
    }
  }

  it('every code raised in the source is documented in ERROR_CODES', () => {
    const undocumented = [...raised].filter(([code]) => !(code in ERROR_CODES));
    assert.deepEqual(undocumented, []);
  });

  it('every documented code is listed in the README', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const missing = Object.keys(ERROR_CODES).filter((code) => !readme.includes(`\`${code}\``));
    assert.deepEqual(missing, []);
  });

  it('an AppError serializes to the documented body', () => {
    const error = new AppError('INVALID_INPUT', 'seed must be integer', 400);
    assert.deepEqual(error.toJSON(), { error: { code: 'INVALID_INPUT', message: 'seed must be integer' } });
    assert.equal(error.statusCode, 400);
  });
});
