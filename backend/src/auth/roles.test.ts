import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  can,
  PERMISSION_MATRIX,
  type Permission,
  permissionMatrixMarkdown,
  ROLES,
  type Role,
} from './roles.js';

describe('permission matrix', () => {
  const expected: Record<Role, Permission[]> = {
    viewer: ['rollout.read', 'slo.read'],
    operator: ['rollout.read', 'rollout.write', 'slo.read'],
    admin: [
      'rollout.read',
      'rollout.write',
      'slo.read',
      'audit.read',
      'audit.checkpoint',
      'actors.manage',
      'retention.read',
      'retention.manage',
    ],
    auditor: ['rollout.read', 'slo.read', 'audit.read', 'audit.checkpoint', 'retention.read'],
  };
  for (const role of ROLES) {
    it(`gives ${role} exactly ${expected[role].join(', ')}`, () => {
      const held = (Object.keys(PERMISSION_MATRIX) as Permission[]).filter((permission) =>
        can(role, permission),
      );
      assert.deepEqual(held.sort(), [...expected[role]].sort());
    });
  }

  it('lets only operator and admin change the rollout, and nobody but admin manage actors', () => {
    assert.deepEqual(PERMISSION_MATRIX['rollout.write'].roles, ['operator', 'admin']);
    assert.deepEqual(PERMISSION_MATRIX['actors.manage'].roles, ['admin']);
  });

  it('is the table in the README', () => {
    const docs = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    assert.ok(
      docs.includes(permissionMatrixMarkdown()),
      'regenerate the table with permissionMatrixMarkdown()',
    );
  });
});
