/** The four roles of DESIGN §4, and `evaluator`: services that only ask the flag (OFREP). */
export const ROLES = ['viewer', 'operator', 'admin', 'auditor', 'evaluator'] as const;
export type Role = (typeof ROLES)[number];

/** What a request may ask to do. */
export type Permission =
  | 'rollout.read'
  | 'rollout.write'
  | 'slo.read'
  | 'audit.read'
  | 'audit.checkpoint'
  | 'actors.manage'
  | 'ratelimit.manage'
  | 'retention.read'
  | 'retention.manage'
  | 'flags.evaluate';

/**
 * The permission matrix: which roles hold each permission. The docs' table is generated from and
 * tested against this object, so the two cannot drift.
 */
export const PERMISSION_MATRIX: Readonly<Record<Permission, { roles: readonly Role[]; what: string }>> = {
  'rollout.read': {
    roles: ['viewer', 'operator', 'admin', 'auditor'],
    what: 'read rollout status, overrides and the distribution',
  },
  'rollout.write': {
    roles: ['operator', 'admin'],
    what: 'set the global flag and percentage; set, clear and clear-all overrides',
  },
  'slo.read': {
    roles: ['viewer', 'operator', 'admin', 'auditor'],
    what: 'read SLO status, history and metrics',
  },
  'audit.read': {
    roles: ['operator', 'admin', 'auditor'],
    what: 'query, export and verify the audit log',
  },
  'audit.checkpoint': {
    roles: ['admin', 'auditor'],
    what: 'record a checkpoint of the audit head (an attestation; changes no state)',
  },
  'actors.manage': { roles: ['admin'], what: 'add and revoke actors, issue and revoke tokens, list actors' },
  'ratelimit.manage': {
    roles: ['admin'],
    what: 'change the stored per-actor change rate limit (awf-actors.ts rate-limit)',
  },
  'retention.read': {
    roles: ['admin', 'auditor'],
    what: 'read the data-retention policy and what a prune would remove',
  },
  'retention.manage': {
    roles: ['admin'],
    what: 'change the data-retention policy and prune expired data now',
  },
  // Evaluating tells no more than rollout.read does, so every role that reads the rollout may ask too.
  'flags.evaluate': {
    roles: ['viewer', 'operator', 'admin', 'auditor', 'evaluator'],
    what: 'evaluate flags over OFREP (`/ofrep/v1/evaluate/flags[/awf-bundle]`); all an `evaluator` may do',
  },
};

export function can(role: Role, permission: Permission): boolean {
  return PERMISSION_MATRIX[permission].roles.includes(role);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Names the process uses for itself; no actor can take them. */
export const RESERVED_ACTOR_NAMES = ['system', 'bootstrap', 'anonymous'] as const;

/** Actor names: 1–64 of lowercase letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
export const ACTOR_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The permission matrix as a Markdown table (docs/rollout-audit-auth.md embeds it). */
export function permissionMatrixMarkdown(): string {
  const header = `| permission | ${ROLES.join(' | ')} | allows |`;
  const rule = `| --- | ${ROLES.map(() => ':---:').join(' | ')} | --- |`;
  const rows = Object.entries(PERMISSION_MATRIX).map(
    ([permission, { roles, what }]) =>
      `| \`${permission}\` | ${ROLES.map((role) => (roles.includes(role) ? '✓' : '')).join(' | ')} | ${what} |`,
  );
  return [header, rule, ...rows].join('\n');
}
