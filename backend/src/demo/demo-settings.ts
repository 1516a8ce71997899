/**
 * The demo server's environment (it is parsed by the same parseConfig as `npm start`'s): the local
 * model with a little latency so the charts have a shape, SLOs evaluated every few seconds over a
 * small minimum sample so a bad stage is caught within the demo's minutes, and quiet request logs.
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
  LOG_LEVEL: 'warn',
  AWF_REQUEST_LOG: 'errors',
};

/** The AWF model in the fault phase: a fifth of the calls fail, a quarter answer off-contract, slower. */
export const DEMO_FAULTS = { errorRate: 0.2, invalidRate: 0.25, latencyMedianMs: 400 } as const;
