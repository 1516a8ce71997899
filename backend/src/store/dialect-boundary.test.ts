import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const SRC = path.resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('the dialect boundary (DESIGN §1: only store/ knows SQLite from PostgreSQL)', () => {
  it('no runtime file outside store/ branches on the dialect or calls PostgreSQL-only functions', () => {
    const dialectSpecific =
      // (LISTEN needs the pg driver, which dependency-cruiser keeps inside store/.)
      /\bdialect\s*[!=]==|pg_notify|pg_advisory|\.forUpdate\(|begin immediate/i;
    const offenders = sourceFiles(SRC)
      .filter((file) => !file.startsWith(path.join(SRC, 'store') + path.sep))
      // Tests may play an attacker with dialect-specific SQL (dropping a trigger); runtime code may not.
      .filter((file) => !/\.test\.ts$|[\\/]testing[\\/]/.test(file))
      .filter((file) => dialectSpecific.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(SRC, file));
    assert.deepEqual(offenders, []);
  });
});
