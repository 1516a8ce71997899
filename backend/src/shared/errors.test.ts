import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AppError, ERROR_CODES, isErrorCode } from './errors.js';

const SRC = path.resolve(import.meta.dirname, '..');
const ROOT = path.resolve(SRC, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The codes in the first column of README.md's "Error codes" table. */
function readmeTableCodes(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Error codes$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((match) => match[1] as string);
}

describe('error codes', () => {
  // Where a code is raised or put in an error body: super('X'…), new SomeError('X'…), code: 'X'.
  const raised = new Map<string, string>();
  for (const file of [...sourceFiles(SRC), ...sourceFiles(path.join(ROOT, 'backend/scripts'))]) {
    const text = readFileSync(file, 'utf8');
    const pattern = /(?:(?:super|new [A-Za-z]*Error)\(\s*|\bcode: )'([A-Z][A-Z0-9_]+)'/g;
    for (const match of text.matchAll(pattern)) raised.set(match[1] as string, path.relative(ROOT, file));
  }

  it('every code raised in the source is documented in ERROR_CODES', () => {
    assert.ok(raised.size > 20, `the scan found the codes raised (${raised.size})`);
    const undocumented = [...raised].filter(([code]) => !(code in ERROR_CODES));
    assert.deepEqual(undocumented, []);
  });

  it("no source file puts one of Fastify's own codes (FST_…) in an error body", () => {
    const fastifyCodes = [...raised].filter(([code]) => code.startsWith('FST_'));
    assert.deepEqual(fastifyCodes, []);
  });

  it("every documented code is listed in README's error table", () => {
    const listed = new Set(readmeTableCodes());
    assert.deepEqual(
      Object.keys(ERROR_CODES).filter((code) => !listed.has(code)),
      [],
    );
  });

  it("every code in README's error table is documented in ERROR_CODES, once", () => {
    const listed = readmeTableCodes();
    assert.ok(listed.length > 0, 'the README has an "## Error codes" table');
    assert.deepEqual(
      listed.filter((code) => !isErrorCode(code)),
      [],
    );
    assert.deepEqual(
      listed.filter((code, i) => listed.indexOf(code) !== i),
      [],
    );
  });

  it('an AppError serializes to the documented body', () => {
    const error = new AppError('INVALID_INPUT', 'seed must be integer', 400);
    assert.deepEqual(error.toJSON(), { error: { code: 'INVALID_INPUT', message: 'seed must be integer' } });
    assert.equal(error.statusCode, 400);
  });
});
