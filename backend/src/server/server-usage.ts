import { EXIT, reportCliError } from '../cli/cli-errors.js';
import { type OutputStream, parseFlags } from '../cli/cli-runner.js';

/** `npm start -- --help`: what the server serves and the variables an operator sets first. */
export const SERVER_HELP = `Serve the AWF backend: the player API, the admin API, Prometheus metrics and the SLO monitor.

Usage: npm start            (node --import tsx backend/src/main.ts)
       npm start -- --help  this text; starts nothing

Serves on http://HOST:PORT (default 127.0.0.1:3000):
  /api/sessions…   the player API: start a session, play turns, read it back
  /api/admin/…     the admin API (Bearer token): rollout, overrides, audit log, actors
  /metrics         Prometheus metrics (behind AWF_METRICS_TOKEN when set)
  /healthz         liveness
and runs the SLO evaluation, the rollout-state watcher and the data-retention timer.

Main environment variables (all are listed, with defaults, in README.md "Configuration"):
  HOST, PORT                  where to listen (PORT=0: any free port)
  AWF_DB_PATH | DATABASE_URL  the SQLite file (default ./data/awf.db) or a postgres:// URL
  AWF_BUNDLE_ON               true/false: this process's global flag (unset: the stored flag)
  AWF_PERCENT_ROLLOUT         0–100: seeds the stored percentage while none is stored
  EMERGENCY_FALLBACK, LEGACY_TURN_ENABLED   true: every turn goes to legacy
  SLO_TURN_P95_MS, SLO_INVALID_RETRY_RATE, SLO_FALLBACK_RATE   the SLO thresholds
  AWF_MODEL_PROVIDER          local (default) or openai, with AWF_MODEL_BASE_URL / AWF_MODEL_API_KEY
  LOG_LEVEL                   fatal … trace, silent (default info)

A malformed variable stops start-up with one line naming it (exit 2). SIGINT/SIGTERM stop gracefully.
More: README.md (operating the rollout, scripts, exit codes) and docs/.`;

/**
 * The server takes no arguments but `--help` / `-h`: returns the exit code when the process should
 * stop before starting anything (help printed: 0; anything else: one usage line, 2), else undefined.
 */
export function serverArgsExit(
  argv: readonly string[],
  io: { stdout: OutputStream; stderr: OutputStream; env: Readonly<Record<string, string | undefined>> },
): number | undefined {
  if (argv.length === 0) return undefined;
  try {
    if (parseFlags(argv, {}, false).help) {
      io.stdout.write(`${SERVER_HELP}\n`);
      return EXIT.ok;
    }
  } catch (error) {
    return reportCliError(error, io.stderr, io.env);
  }
  return undefined;
}
