import { hostname } from 'node:os';
import path from 'node:path';
import { AppError } from '../shared/errors.js';
import { DEFAULT_ALERT_CONFIDENCE_PCT, SLO_WINDOWS, type SloWindow } from '../shared/slo-windows.js';
import { type Env, EnvReader } from './env-parsers.js';

export type ModelProviderName = 'local' | 'openai';

/** One model provider's settings: which provider, its timeout, and each kind's own knobs. */
export interface ModelSettings {
  provider: ModelProviderName;
  timeoutMs: number;
  local: { invalidRate: number; errorRate: number; latencyMedianMs: number };
  openai: {
    baseUrl: string;
    apiKey: string;
    model: string;
    temperature: number;
    maxOutputTokens: number;
    jsonMode: boolean;
  };
}

/** The whole process configuration, parsed once at boot and frozen (DESIGN §1, CONVENTIONS 5). */
export interface Config {
  server: { host: string; port: number };
  store: { databaseUrl: string | undefined; sqlitePath: string };
  content: { dir: string };
  rollout: {
    /** AWF_BUNDLE_ON when set: authoritative for this process; undefined defers to the stored flag. */
    envGlobalFlag: boolean | undefined;
    /** AWF_PERCENT_ROLLOUT when set: seeds the stored percent while nothing is stored. */
    envPercent: number | undefined;
    legacyTurnEnabled: boolean;
    emergencyFallback: boolean;
    /** AWF_ROLLOUT_POLL_MS: how often a process re-reads the stored rollout state (≤ 500 ms). */
    pollIntervalMs: number;
  };
  /**
   * Shadow turns, per instance (issue 11): AWF_SHADOW_CONCURRENCY runs at once, AWF_SHADOW_QUEUE
   * waiting, AWF_SHADOW_MAX_PER_MINUTE admitted per minute; beyond either bound a run is dropped.
   */
  shadow: { concurrency: number; queueSize: number; maxPerMinute: number };
  /** The staged rollout plan's controller (issue 12): AWF_PLAN_INTERVAL_MS between evaluations. */
  plan: { intervalMs: number };
  auth: {
    /**
     * AWF_CHANGE_RATE_LIMIT / AWF_CHANGE_RATE_WINDOW_S when either is set: the server stores them as the
     * per-actor change rate limit while none is stored. Changes are always judged by the stored limit
     * (or the default), never by these values in a script caller's environment.
     */
    changeRateSeed: { changes: number; windowSec: number } | undefined;
  };
  /** AWF_OFREP_RATE_LIMIT: OFREP evaluations per token per second, per process (a token bucket). */
  ofrep: { rateLimitPerSecond: number };
  audit: {
    /** AWF_AUDIT_CHECKPOINT_EVERY: a checkpoint is written with every N-th entry (0: only on demand). */
    checkpointEvery: number;
    /** AWF_AUDIT_SIGNING_KEY_FILE: PEM Ed25519 private key that signs checkpoints, when set. */
    signingKeyFile: string | undefined;
    /** AWF_AUDIT_CHECKPOINT_INTERVAL_S: the server checkpoints new entries this often (0: never). */
    checkpointIntervalSec: number;
    /** AWF_AUDIT_WITNESS_FILE: every checkpoint is also appended (NDJSON, fsync'd) to this file. */
    witnessFile: string | undefined;
  };
  slo: {
    turnP95Ms: number;
    invalidRetryRatePct: number;
    fallbackRatePct: number;
    /** SLO_FEEDBACK_DOWN_DELTA, percentage points; absent when unset: the feedback signal is informational. */
    feedbackDownDeltaPp?: number;
  };
  /** Player feedback: AWF_FEEDBACK_RATE_LIMIT ratings per session per minute (per instance). */
  feedback: { ratingsPerSessionPerMinute: number };
  /** How the SLO monitor runs (docs/slos.md). */
  sloMonitoring: {
    evaluationWindow: SloWindow;
    /** 0 disables the evaluation timer. */
    evaluationIntervalSeconds: number;
    /** 0: pending turn aggregates are written only on evaluation and shutdown. */
    flushIntervalSeconds: number;
    minSample: number;
    resolveHysteresisPct: number;
    /** SLO_ALERT_CONFIDENCE: one-sided confidence (percent) of the lower bound an SLO fires on. */
    alertConfidencePct: number;
    retentionDays: number;
    alertWebhookUrl: string | undefined;
    /** An open alert resolves as "no data" after this many evaluations in a row without enough turns; 0 never. */
    noDataResolveEvaluations: number;
  };
  /** Data retention (retention/): what applies while no policy is stored, and the server's prune timer. */
  retention: {
    /** AWF_TURN_RETENTION_DAYS: turn records kept this many days; undefined keeps them forever. */
    turnDays: number | undefined;
    /** AWF_RETENTION_INTERVAL_SECONDS: how often the server deletes expired rows; 0 never. */
    intervalSeconds: number;
  };
  /** AWF_METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>`; unset, it is open. */
  metrics: { scrapeToken: string | undefined };
  /** This process's name in per-instance SLO aggregates; default the host name. */
  instanceId: string;
  /** The AWF pipeline's model (AWF_MODEL_*, AWF_LOCAL_*). */
  model: ModelSettings;
  /**
   * The legacy pipeline's own model (AWF_LEGACY_MODEL_*), so an outage of one provider is not an outage
   * of both pipelines. Each unset variable takes the AWF value; see {@link readLegacyModel}.
   */
  legacyModel: ModelSettings;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** AWF_REQUEST_LOG: `all` logs every request (two info lines); `errors` only those answered 4xx/5xx. */
  requestLog: 'all' | 'errors';
}

/** Start-up stops on this: one line per bad variable. */
export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', problems.join('\n'), 400, { problems });
  }
}

const DEFAULT_CONTENT_DIR = path.resolve(import.meta.dirname, '../../content');

/** Parse every variable, collect every problem, and return a frozen config or throw ConfigError. */
export function parseConfig(env: Env): Config {
  const read = new EnvReader(env);
  const provider = read.oneOf<ModelProviderName>('AWF_MODEL_PROVIDER', MODEL_PROVIDERS, 'local');
  const model: ModelSettings = {
    provider,
    timeoutMs: read.number('AWF_MODEL_TIMEOUT_MS', 15000, { min: 1, integer: true }),
    local: {
      invalidRate: read.number('AWF_LOCAL_INVALID_RATE', 0, { min: 0, max: 1 }),
      errorRate: read.number('AWF_LOCAL_ERROR_RATE', 0, { min: 0, max: 1 }),
      latencyMedianMs: read.number('AWF_LOCAL_LATENCY_MS', 0, { min: 0 }),
    },
    openai: {
      baseUrl: read.optionalUrl('AWF_MODEL_BASE_URL', HTTP_PROTOCOLS) ?? DEFAULT_OPENAI_BASE_URL,
      apiKey: read.optionalString('AWF_MODEL_API_KEY') ?? read.optionalString('OPENAI_API_KEY') ?? '',
      model: read.string('AWF_MODEL_NAME', 'gpt-4o-mini'),
      temperature: read.number('AWF_MODEL_TEMPERATURE', 0.7, { min: 0, max: 2 }),
      maxOutputTokens: read.number('AWF_MODEL_MAX_TOKENS', 700, { min: 16, integer: true }),
      jsonMode: read.boolean('AWF_MODEL_JSON_MODE', true),
    },
  };
  const config: Config = {
    server: {
      host: read.string('HOST', '127.0.0.1'),
      port: read.number('PORT', 3000, { min: 0, max: 65535, integer: true }),
    },
    store: {
      databaseUrl: read.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
      sqlitePath: read.string('AWF_DB_PATH', './data/awf.db'),
    },
    content: { dir: read.string('AWF_CONTENT_DIR', DEFAULT_CONTENT_DIR) },
    rollout: {
      envGlobalFlag: read.optionalBoolean('AWF_BUNDLE_ON'),
      envPercent: read.optionalNumber('AWF_PERCENT_ROLLOUT', { min: 0, max: 100, decimals: 2 }),
      legacyTurnEnabled: read.boolean('LEGACY_TURN_ENABLED', false),
      emergencyFallback: read.boolean('EMERGENCY_FALLBACK', false),
      pollIntervalMs: read.number('AWF_ROLLOUT_POLL_MS', 250, { min: 10, max: 500, integer: true }),
    },
    shadow: {
      concurrency: read.number('AWF_SHADOW_CONCURRENCY', 2, { min: 1, max: 256, integer: true }),
      queueSize: read.number('AWF_SHADOW_QUEUE', 100, { min: 0, max: 100_000, integer: true }),
      maxPerMinute: read.number('AWF_SHADOW_MAX_PER_MINUTE', 600, { min: 0, max: 1_000_000, integer: true }),
    },
    plan: {
      intervalMs: read.number('AWF_PLAN_INTERVAL_MS', 60_000, { min: 100, max: 3_600_000, integer: true }),
    },
    auth: { changeRateSeed: readChangeRateSeed(read) },
    ofrep: {
      rateLimitPerSecond: read.number('AWF_OFREP_RATE_LIMIT', 100, { min: 1, max: 1_000_000, integer: true }),
    },
    audit: {
      checkpointEvery: read.number('AWF_AUDIT_CHECKPOINT_EVERY', 100, { min: 0, integer: true }),
      signingKeyFile: read.optionalString('AWF_AUDIT_SIGNING_KEY_FILE'),
      checkpointIntervalSec: read.number('AWF_AUDIT_CHECKPOINT_INTERVAL_S', 60, {
        min: 0,
        max: 86400,
        integer: true,
      }),
      witnessFile: read.optionalString('AWF_AUDIT_WITNESS_FILE'),
    },
    slo: {
      turnP95Ms: read.number('SLO_TURN_P95_MS', 8000, { min: 1, integer: true }),
      invalidRetryRatePct: read.number('SLO_INVALID_RETRY_RATE', 5.0, { min: 0, max: 100, decimals: 3 }),
      fallbackRatePct: read.number('SLO_FALLBACK_RATE', 1.0, { min: 0, max: 100, decimals: 3 }),
      ...optional(
        'feedbackDownDeltaPp',
        read.optionalNumber('SLO_FEEDBACK_DOWN_DELTA', { min: 0, max: 100, decimals: 3 }),
      ),
    },
    feedback: {
      ratingsPerSessionPerMinute: read.number('AWF_FEEDBACK_RATE_LIMIT', 20, {
        min: 1,
        max: 10000,
        integer: true,
      }),
    },
    sloMonitoring: {
      evaluationWindow: read.oneOf('SLO_EVALUATION_WINDOW', SLO_WINDOWS, '5m'),
      evaluationIntervalSeconds: read.number('SLO_EVALUATION_INTERVAL_SECONDS', 60, {
        min: 0,
        integer: true,
      }),
      flushIntervalSeconds: read.number('SLO_FLUSH_INTERVAL_SECONDS', 10, { min: 0, integer: true }),
      minSample: read.number('SLO_MIN_SAMPLE', 100, { min: 1, integer: true }),
      resolveHysteresisPct: read.number('SLO_RESOLVE_HYSTERESIS', 10, { min: 0, max: 100, decimals: 3 }),
      // 50 judges the point value; below 100, where the bound would be 0.
      alertConfidencePct: read.number('SLO_ALERT_CONFIDENCE', DEFAULT_ALERT_CONFIDENCE_PCT, {
        min: 50,
        max: 99.99,
        decimals: 2,
      }),
      // The 7d window needs at least 7 days of minutes.
      retentionDays: read.number('SLO_RETENTION_DAYS', 30, { min: 7, integer: true }),
      alertWebhookUrl: read.optionalUrl('SLO_ALERT_WEBHOOK_URL', ['http:', 'https:']),
      noDataResolveEvaluations: read.number('SLO_NO_DATA_RESOLVE_EVALUATIONS', 3, { min: 0, integer: true }),
    },
    retention: {
      turnDays: read.optionalNumber('AWF_TURN_RETENTION_DAYS', { min: 1, max: 3650, integer: true }),
      intervalSeconds: read.number('AWF_RETENTION_INTERVAL_SECONDS', 3600, {
        min: 0,
        max: 86400,
        integer: true,
      }),
    },
    metrics: { scrapeToken: readMetricsToken(read) },
    instanceId: readInstanceId(read),
    model,
    legacyModel: readLegacyModel(read, model),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    requestLog: read.oneOf('AWF_REQUEST_LOG', ['all', 'errors'], 'all'),
  };
  const isAwfKeyMissing = provider === 'openai' && model.openai.apiKey === '' && !env.AWF_MODEL_BASE_URL;
  if (isAwfKeyMissing) {
    read.problems.push(
      'AWF_MODEL_PROVIDER=openai needs AWF_MODEL_API_KEY (or OPENAI_API_KEY), or AWF_MODEL_BASE_URL for a local endpoint',
    );
  }
  const legacy = config.legacyModel;
  const isLegacyKeyMissing =
    legacy.provider === 'openai' &&
    legacy.openai.apiKey === '' &&
    legacy.openai.baseUrl === DEFAULT_OPENAI_BASE_URL;
  // When both miss the key for the same reason, the AWF line already says what to set.
  if (isLegacyKeyMissing && !isAwfKeyMissing) {
    read.problems.push(
      'the legacy model is openai (AWF_LEGACY_MODEL_PROVIDER or AWF_MODEL_PROVIDER) and needs AWF_LEGACY_MODEL_API_KEY, or AWF_LEGACY_MODEL_BASE_URL for a local endpoint',
    );
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return deepFreeze(config);
}

const MODEL_PROVIDERS: readonly ModelProviderName[] = ['local', 'openai'];
const HTTP_PROTOCOLS = ['http:', 'https:'];
const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * The legacy pipeline's model: each AWF_LEGACY_MODEL_* that is unset takes the AWF value. The one
 * exception guards a secret: the AWF API key is inherited only while the legacy endpoint is the AWF
 * endpoint, so pointing legacy elsewhere never sends the AWF key to another host.
 */
function readLegacyModel(read: EnvReader, awf: ModelSettings): ModelSettings {
  const provider = read.oneOf('AWF_LEGACY_MODEL_PROVIDER', MODEL_PROVIDERS, awf.provider);
  const baseUrl = read.optionalUrl('AWF_LEGACY_MODEL_BASE_URL', HTTP_PROTOCOLS) ?? awf.openai.baseUrl;
  const inheritedKey = baseUrl === awf.openai.baseUrl ? awf.openai.apiKey : '';
  return {
    provider,
    timeoutMs: read.number('AWF_LEGACY_MODEL_TIMEOUT_MS', awf.timeoutMs, { min: 1, integer: true }),
    local: awf.local,
    openai: {
      ...awf.openai,
      baseUrl,
      apiKey: read.optionalString('AWF_LEGACY_MODEL_API_KEY') ?? inheritedKey,
      model: read.string('AWF_LEGACY_MODEL_NAME', awf.openai.model),
    },
  };
}

/** The server's seed for the stored change rate limit: only when either variable is set. */
function readChangeRateSeed(read: EnvReader): Config['auth']['changeRateSeed'] {
  const changes = read.optionalNumber('AWF_CHANGE_RATE_LIMIT', { min: 1, max: 100000, integer: true });
  const windowSec = read.optionalNumber('AWF_CHANGE_RATE_WINDOW_S', { min: 1, max: 86400, integer: true });
  if (changes === undefined && windowSec === undefined) return undefined;
  // The defaults (30 per 60 s) for the one not given, as DEFAULT_CHANGE_RATE_LIMIT in auth/.
  return { changes: changes ?? 30, windowSec: windowSec ?? 60 };
}

const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function readInstanceId(read: EnvReader): string {
  const value = read.optionalString('AWF_INSTANCE_ID');
  if (value === undefined) return hostname() || 'instance';
  if (INSTANCE_ID.test(value)) return value;
  read.problems.push(
    `AWF_INSTANCE_ID=${JSON.stringify(value)} is invalid: accepted values are 1–128 letters, digits, and . _ : -`,
  );
  return value;
}

const METRICS_TOKEN = /^[A-Za-z0-9._~+/=-]{16,}$/;

/** The scrape token is a secret: a problem names the variable, never the value. */
function readMetricsToken(read: EnvReader): string | undefined {
  const value = read.optionalString('AWF_METRICS_TOKEN');
  if (value === undefined || METRICS_TOKEN.test(value)) return value;
  read.problems.push(
    'AWF_METRICS_TOKEN is invalid: accepted values are 16 or more of letters, digits and - . _ ~ + / = (the value is not shown)',
  );
  return undefined;
}

/** `{[key]: value}` when the value is set, `{}` otherwise (so an unset optional variable leaves no key). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
