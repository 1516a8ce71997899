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
    viewer: ['rollout.read', 'slo.read', 'flags.evaluate'],
    // The seed's phase 2 has whoever runs the rollout check the audit log.
    operator: ['rollout.read', 'rollout.write', 'slo.read', 'audit.read', 'flags.evaluate'],
    admin: [
      'rollout.read',
      'rollout.write',
      'slo.read',
      'audit.read',
      'audit.checkpoint',
      'actors.manage',
      'ratelimit.manage',
      'retention.read',
      'retention.manage',
      'flags.evaluate',
    ],
    auditor: [
      'rollout.read',
      'slo.read',
      'audit.read',
      'audit.checkpoint',
      'retention.read',
      'flags.evaluate',
    ],
    evaluator: ['flags.evaluate'],
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

  it('lets every role that reads the rollout evaluate flags, and an evaluator do nothing else', () => {
    for (const role of PERMISSION_MATRIX['rollout.read'].roles) assert.ok(can(role, 'flags.evaluate'), role);
    assert.ok(can('evaluator', 'flags.evaluate'));
    assert.deepEqual(
      (Object.keys(PERMISSION_MATRIX) as Permission[]).filter((permission) => can('evaluator', permission)),
      ['flags.evaluate'],
    );
  });

  it('lets only admins change the stored change rate limit', () => {
    assert.deepEqual(PERMISSION_MATRIX['ratelimit.manage'].roles, ['admin']);
  });

  it('lets operators read the audit log but not checkpoint it', () => {
    assert.equal(can('operator', 'audit.read'), true);
    assert.equal(can('operator', 'audit.checkpoint'), false);
  });

  it('is the table in the README', () => {
    const docs = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    assert.ok(
      docs.includes(permissionMatrixMarkdown()),
      'regenerate the table with permissionMatrixMarkdown()',
    );
  });
});
