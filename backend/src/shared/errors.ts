/**
 * Every error the product raises on purpose carries a stable code, an HTTP status and a one-line
 * message. The Fastify error handler and the CLI handler turn these into a 4xx body or a one-line
 * message with exit code 2; anything else is a bug and is reported as such.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, statusCode = 400, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
  }

  toJSON(): ErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

/** Input that does not parse: a body, a flag, an env var, a scenario file. */
export class InvalidInputError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INVALID_INPUT', message, 400, details);
  }
}

/** Something named by id or name does not exist: 404 with the caller's specific code. */
export class NotFoundError extends AppError {
  constructor(code: ErrorCode, message: string) {
    super(code, message, 404);
  }
}

/**
 * The registry of codes the product may emit, with what each means. `ErrorCode` is derived from it, so
 * raising or answering with a code that is not listed here does not compile; errors.test.ts keeps it
 * and README's "Error codes" table equal in both directions.
 */
export const ERROR_CODES = {
  INVALID_INPUT: 'A request body, CLI flag or file did not parse; the message names the field.',
  CONFIG_INVALID: 'An environment variable has a value outside what it accepts; start-up stops.',
  CONTENT_INVALID:
    'A content document failed its schema or a cross-reference; the message names file and JSON path.',
  SESSION_NOT_FOUND: 'No session with that id.',
  SESSION_EXISTS: 'A session with that id already exists.',
  TURN_NOT_FOUND: 'The session has no turn with that number (a rating needs a played turn).',
  FEEDBACK_RATE_LIMITED:
    'The session sent more ratings within a minute than AWF_FEEDBACK_RATE_LIMIT allows; retry after the time given.',
  MODEL_PROVIDER_ERROR:
    'The model provider failed (HTTP error, bad answer); the AWF turn falls back to legacy.',
  MODEL_TIMEOUT: 'The model provider did not answer within AWF_MODEL_TIMEOUT_MS; the AWF turn falls back.',
  CHOICE_OUT_OF_RANGE:
    'A bare number that is not one of the choices on offer (e.g. 7 of three); no turn is played (400).',
  TURN_CONFLICT: 'Two turns on one session raced; the later one is rejected and changes nothing.',
  USAGE: 'A command-line flag is unknown, missing or malformed; the script prints one line and exits 2.',
  LEGACY_UNAVAILABLE:
    'The legacy pipeline could not answer a turn (503): a fixed message and details.reason (provider_error, timeout, unparseable_answer).',
  ROLLOUT_INVALID_PERCENT:
    'A rollout percentage outside 0–100 or with more than two decimals; nothing changed.',
  ROLLOUT_BLOCKED_BY_ALERT:
    'Raising the rollout while a critical SLO alert is open, without force and a reason; nothing changed.',
  PLAN_RUNNING:
    'A manual rollout percentage while a staged plan runs (409), without force and a reason; with them the plan is paused (audited) and the percentage set.',
  PLAN_ACTIVE:
    'Starting a staged plan while another is running or paused (409); abort it first. Nothing changed.',
  PLAN_NOT_FOUND:
    'No running or paused staged plan to pause, resume, approve or abort (404). Nothing changed.',
  PLAN_STATE_CONFLICT:
    'The plan is not in a state that allows this (e.g. resume while running, pause while paused) (409). Nothing changed.',
  PLAN_APPROVAL_BY_STARTER:
    'The actor who started the plan tried to approve it: a second actor with rollout.write must approve (403). Nothing changed.',
  PLAN_DECISION_NOT_FOUND: 'No plan decision with that id (replay) (404).',
  OVERRIDE_EXPIRY_IN_PAST:
    'An override expiry (--ttl / --expires-at) that is not in the future; nothing changed.',
  OVERRIDE_NOT_FOUND: 'No override for that user or session; nothing changed.',
  ROLLOUT_STATE_NOT_READY:
    'isAwfBundleEnabled() in an unwired process on PostgreSQL before `await ready()`: the stored rollout state has not been read.',
  AUTH_MISSING_TOKEN: 'No token: set AWF_ADMIN_TOKEN (CLI) or send Authorization: Bearer <token> (HTTP).',
  AUTH_INVALID_TOKEN:
    'The token is unknown, revoked or expired; an auth.denied audit entry is written (not for /metrics).',
  AUTH_UNKNOWN_ACTOR: '--actor names no actor; an auth.denied audit entry is written.',
  AUTH_ACTOR_MISMATCH: "--actor is not the token's actor; an auth.denied audit entry is written.",
  AUTH_FORBIDDEN: "The token's role does not allow this; an auth.denied audit entry is written.",
  AUTH_RATE_LIMITED:
    'The actor made too many changes within the rate-limit window; retry after the time given.',
  AUTH_BOOTSTRAP_ADMIN_ONLY:
    'While no admin holds an active, unexpired token, only an admin can be added (without a token).',
  ACTOR_EXISTS: 'An actor with that name already exists.',
  ACTOR_NOT_FOUND: 'No actor with that name (or it was revoked).',
  ACTOR_LAST_ADMIN:
    'Revoking the last usable admin token (or an admin whose revocation leaves none) is refused: nobody could manage actors.',
  TOKEN_NOT_FOUND: 'No active token with that id.',
  GOLDEN_SCENARIO_INVALID:
    'A golden scenario file is not valid JSON or breaks the scenario schema; the message names file and JSON path.',
  GOLDEN_SCENARIO_NOT_FOUND: 'A --scenario name has no scenario file in the scenario directory.',
  GOLDEN_NO_SCENARIOS:
    'The golden scenario directory is missing or holds no scenario; a run that would test nothing fails (exit 2).',
  GOLDEN_WRITE_REFUSED: 'The golden runner will not write or delete golden files while CI=true.',
  UNSUPPORTED_MEDIA_TYPE: 'An HTTP request body whose content-type is not application/json (415).',
  INVALID_JSON: 'An HTTP request body sent as application/json is empty or not valid JSON (400).',
  BODY_TOO_LARGE: 'An HTTP request body larger than the 64 kB limit (413).',
  ROUTE_NOT_FOUND: 'No HTTP route for that method and path (404).',
  INTERNAL: 'An unexpected server error; logged server-side, the body says nothing internal (500).',
  FLAG_NOT_FOUND: 'OFREP: no flag with that key (today there is one, awf-bundle); OFREP body (404).',
  INVALID_CONTEXT:
    'OFREP: the evaluation context is not an object, an id is not a string of the accepted form, or targetingKey contradicts userId; OFREP body (400).',
  TARGETING_KEY_MISSING:
    'OFREP: the context names no player (none of targetingKey, userId, sessionId); OFREP body (400).',
  PARSE_ERROR: 'OFREP: the request body is not JSON or not an object; OFREP body (400).',
  OFREP_RATE_LIMITED:
    'OFREP: this token made more evaluations than AWF_OFREP_RATE_LIMIT per second allows; retry after the Retry-After seconds (429).',
} as const satisfies Record<string, string>;

/** A documented error code: a key of ERROR_CODES. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The JSON body of every HTTP error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** Whether a string (e.g. a code read back from a log or a body) is a documented code. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** The model provider failed: HTTP error, transport error or an unusable answer. */
export class ModelProviderError extends AppError {
  constructor(message: string) {
    super('MODEL_PROVIDER_ERROR', message, 502);
  }
}

/** The model provider did not answer in time. */
export class ModelTimeoutError extends AppError {
  constructor(timeoutMs: number) {
    super('MODEL_TIMEOUT', `model provider did not answer within ${timeoutMs} ms`, 504);
  }
}

export class SessionExistsError extends AppError {
  constructor(sessionId: string) {
    super('SESSION_EXISTS', `session ${sessionId} already exists`, 409);
  }
}

export class TurnConflictError extends AppError {
  constructor(sessionId: string) {
    super('TURN_CONFLICT', `another turn on session ${sessionId} committed first; retry the turn`, 409);
  }
}
