import type { AuditLogger } from '../../audit/audit-logger.js';
import { createAudit } from '../../audit/create-audit.js';
import type { AuthService, Principal } from '../../auth/auth-service.js';
import { createAuth } from '../../auth/create-auth.js';
import type { Role } from '../../auth/roles.js';
import { listOpenCriticalAlerts } from '../../slos/awf-slos.js';
import { createKyselySloStore } from '../../slos/kysely-slo-store.js';
import type { Database } from '../../store/database.js';
import type { RolloutEnvironment } from '../canary-rollout.js';
import { createRollout } from '../create-rollout.js';
import type { RolloutService } from '../rollout-service.js';
import type { RolloutStore } from '../rollout-store.js';

export interface ControlPlane {
  audit: AuditLogger;
  auth: AuthService;
  rollout: RolloutService;
  store: RolloutStore;
}

export const NO_ENV: RolloutEnvironment = {
  envGlobalFlag: undefined,
  envPercent: undefined,
  legacyTurnEnabled: false,
  emergencyFallback: false,
};

/** The control plane wired over one database by the same factories the app uses, with test knobs. */
export function wireControlPlane(
  database: Database,
  options: {
    clock?: () => Date;
    rateLimit?: { changes: number; windowSec: number };
    env?: RolloutEnvironment;
  } = {},
): ControlPlane {
  const timing = options.clock ? { clock: options.clock } : {};
  const rateLimit = options.rateLimit ?? { changes: 1000, windowSec: 60 };
  const audit = createAudit(
    { checkpointEvery: 0, signingKeyFile: undefined, checkpointIntervalSec: 0, witnessFile: undefined },
    { database, ...timing },
  );
  const auth = createAuth(
    { changeRateSeed: undefined },
    { database, audit, defaultRateLimit: rateLimit, ...timing },
  );
  const rollout = createRollout(
    { ...(options.env ?? NO_ENV), pollIntervalMs: 250 },
    {
      database,
      audit,
      rateLimiter: auth,
      // The SLO monitor's open critical alerts, read from the same store as the app does.
      alerts: { openCriticalAlerts: () => listOpenCriticalAlerts(createKyselySloStore(database)) },
      ...timing,
    },
  );
  return { audit, auth, rollout: rollout.service, store: rollout.store };
}

export interface SeededActors {
  tokens: Record<Role, string>;
  principals: Record<Role, Principal>;
}

/** The first admin (bootstrap) plus one actor of each other role, with their tokens. */
export async function seedActors(auth: AuthService): Promise<SeededActors> {
  const admin = await auth.addFirstAdmin({ name: 'admin', via: 'cli' });
  const principal = (role: Role, issued: { actor: string; tokenId: string }): Principal => ({
    actor: issued.actor,
    role,
    tokenId: issued.tokenId,
  });
  const adminPrincipal = principal('admin', admin);
  const operator = await auth.addActor(adminPrincipal, { name: 'ops-1', role: 'operator' });
  const viewer = await auth.addActor(adminPrincipal, { name: 'viewer-1', role: 'viewer' });
  const auditor = await auth.addActor(adminPrincipal, { name: 'auditor-1', role: 'auditor' });
  const evaluator = await auth.addActor(adminPrincipal, { name: 'svc-1', role: 'evaluator' });
  return {
    tokens: {
      admin: admin.token,
      operator: operator.token,
      viewer: viewer.token,
      auditor: auditor.token,
      evaluator: evaluator.token,
    },
    principals: {
      admin: adminPrincipal,
      operator: principal('operator', operator),
      viewer: principal('viewer', viewer),
      auditor: principal('auditor', auditor),
      evaluator: principal('evaluator', evaluator),
    },
  };
}

/**
 * Everything a change could touch, except auth.denied entries (the one trace a rejected request may
 * leave): equal before and after means nothing changed.
 */
export async function controlPlaneFingerprint(database: Database): Promise<unknown> {
  const { db } = database;
  return {
    config: await db.selectFrom('rollout_config').selectAll().execute(),
    overrides: await db
      .selectFrom('rollout_overrides')
      .selectAll()
      .orderBy('kind')
      .orderBy('subject_id')
      .execute(),
    actors: await db.selectFrom('auth_actors').selectAll().orderBy('name').execute(),
    tokens: await db.selectFrom('auth_tokens').selectAll().orderBy('id').execute(),
    changes: await db
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .where('action', '!=', 'auth.denied')
      .orderBy('seq')
      .execute(),
  };
}

/** The auth.denied entries after `afterSeq`. */
export async function deniedEntriesAfter(
  audit: AuditLogger,
  afterSeq: number,
): Promise<Array<Record<string, unknown> & { actor: string }>> {
  return (await audit.query({ action: 'auth.denied', afterSeq, order: 'asc' })).map((entry) => ({
    ...entry.details,
    actor: entry.actor,
  }));
}
