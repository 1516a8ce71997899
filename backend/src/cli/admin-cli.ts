import type { AuthService, Principal } from '../auth/auth-service.js';
import type { Permission } from '../auth/roles.js';

/** Who runs an admin script: the token from AWF_ADMIN_TOKEN, and how to check it. */
export interface AdminCaller {
  /** The token as the environment gives it (undefined when unset or empty). */
  token: string | undefined;
  /**
   * Authenticates the token for `permission`; `claimedActor` (--actor) must be its actor.
   * A failure writes an auth.denied entry and throws (exit 2).
   */
  authenticate(permission: Permission, claimedActor?: string): Promise<Principal>;
}

/** What every admin command needs besides its own services. */
export interface AdminDeps {
  caller: AdminCaller;
}

/** The caller of this process: AWF_ADMIN_TOKEN checked by `auth`. */
export function adminCaller(
  auth: Pick<AuthService, 'authenticate'>,
  env: Readonly<Record<string, string | undefined>>,
): AdminCaller {
  const token = env.AWF_ADMIN_TOKEN?.trim() || undefined;
  return {
    token,
    authenticate: (permission, claimedActor) =>
      auth.authenticate({ token, permission, claimedActor, via: 'cli' }),
  };
}
