/**
 * The demo server's environment (it is parsed by the same parseConfig as `npm start`'s): the local
 * model with a little latency so the charts have a shape, SLOs evaluated every few seconds over a
 * small minimum sample, and quiet request logs. The SLO thresholds are looser than production's so
 * that a stage's few dozen healthy AWF turns prove it below them within a minute's bake (the upper
 * 95 % bound of 0 fallbacks in 25 turns is 13 %), while the fault phase is far above them.
 */
export const DEMO_SERVER_ENV: Readonly<Record<string, string>> = {
  HOST: '127.0.0.1',
  AWF_INSTANCE_ID: 'demo',
  AWF_MODEL_PROVIDER: 'local',
  AWF_LEGACY_MODEL_PROVIDER: 'local',
  AWF_LOCAL_LATENCY_MS: '120',
  SLO_EVALUATION_INTERVAL_SECONDS: '5',
  SLO_FLUSH_INTERVAL_SECONDS: '2',
  SLO_MIN_SAMPLE: '30',
  SLO_FALLBACK_RATE: '15',
  SLO_INVALID_RETRY_RATE: '15',
  LOG_LEVEL: 'warn',
  AWF_REQUEST_LOG: 'errors',
};

/** The AWF model in the fault phase: half the calls fail, 40 % answer off-contract, slower. */
export const DEMO_FAULTS = { errorRate: 0.5, invalidRate: 0.4, latencyMedianMs: 400 } as const;

/** The staged plan the demo starts: the production stages with short bakes. */
export const DEMO_PLAN_STAGES = [5, 25, 50, 100] as const;
/**
 * AWF turns each stage needs: at DEMO_RATE_PER_S the 5 % stage sees about 36 AWF turns a minute, and
 * 25 healthy turns put the fallback and retry rates' upper bounds below the demo thresholds.
 */
export const DEMO_MIN_SAMPLE = 25;
