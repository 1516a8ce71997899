import { AppError, NotFoundError } from '../shared/errors.js';

export class MissingTokenError extends AppError {
  constructor(message = 'no token: set AWF_ADMIN_TOKEN (CLI) or send Authorization: Bearer <token> (HTTP)') {
    super('AUTH_MISSING_TOKEN', message, 401);
  }
}

/** Unknown, revoked or expired: one message for all, so the answer is no oracle. */
export class InvalidTokenError extends AppError {
  constructor() {
    super('AUTH_INVALID_TOKEN', 'the token is not valid (unknown, revoked or expired)', 401);
  }
}

export class UnknownActorError extends AppError {
  constructor(actor: string) {
    super('AUTH_UNKNOWN_ACTOR', `--actor ${actor}: no such actor`, 403);
  }
}

export class ActorMismatchError extends AppError {
  constructor(claimed: string, tokenActor: string) {
    super('AUTH_ACTOR_MISMATCH', `--actor ${claimed} does not match the token's actor (${tokenActor})`, 403);
  }
}

export class ForbiddenError extends AppError {
  constructor(actor: string, role: string, permission: string) {
    super('AUTH_FORBIDDEN', `actor ${actor} (role ${role}) is not allowed to ${permission}`, 403, {
      permission,
    });
  }
}

export class RateLimitedError extends AppError {
  constructor(
    actor: string,
    limit: number,
    windowSec: number,
    retryAfterSec: number,
    source: 'store' | 'default' = 'store',
  ) {
    super(
      'AUTH_RATE_LIMITED',
      `actor ${actor} made ${limit} changes in the last ${windowSec} s (limit ${limit} per ${windowSec} s, ${source === 'store' ? 'the stored setting' : 'the default: none is stored'}; an admin changes it with awf-actors.ts rate-limit); retry in ${retryAfterSec} s`,
      429,
      { retryAfterSec },
    );
  }
}

export class BootstrapAdminOnlyError extends AppError {
  constructor() {
    super(
      'AUTH_BOOTSTRAP_ADMIN_ONLY',
      'no admin holds an active, unexpired token: the first actor must be added with --role admin (no token needed for it)',
      400,
    );
  }
}

export class ActorExistsError extends AppError {
  constructor(name: string) {
    super('ACTOR_EXISTS', `actor ${name} already exists`, 409);
  }
}

export class ActorNotFoundError extends NotFoundError {
  constructor(name: string) {
    super('ACTOR_NOT_FOUND', `no active actor named ${name}`);
  }
}

export class LastAdminError extends AppError {
  constructor(name: string) {
    super(
      'ACTOR_LAST_ADMIN',
      `revoking ${name} would leave no admin with an active, unexpired token; add another admin (or issue one a token) first`,
      409,
    );
  }
}

/** The same refusal for one token: revoking it would leave no usable admin token. */
export class LastAdminTokenError extends AppError {
  constructor(tokenId: string, actor: string) {
    super(
      'ACTOR_LAST_ADMIN',
      `token ${tokenId} (of ${actor}) is the last active, unexpired admin token; issue another admin token before revoking it`,
      409,
    );
  }
}

export class TokenNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('TOKEN_NOT_FOUND', `no active token with id ${id}`);
  }
}
