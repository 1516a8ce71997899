/**
 * The seed's decommission snippet (Step 2) as a one-off script that wired no services, for
 * operator-truth.e2e.test.ts: `node --import tsx seed-snippet.ts <sessionId> [--ready]`. It prints what
 * isAwfBundleEnabled said before and after a direct runLegacyTurn, and the pipeline the snippet used.
 */
import { isAwfBundleEnabled, ready } from '../../src/rollout/canary-rollout.js';
import { runAwfTurn, runLegacyTurn } from '../../src/turns/process-turns.js';

const sessionId = process.argv[2] as string;
// PostgreSQL has no synchronous read: an unwired process loads the rollout state once first.
if (process.argv.includes('--ready')) await ready();
const before = isAwfBundleEnabled({ sessionId });
await runLegacyTurn({ sessionId, inputText: 'look around' });
const afterLegacy = isAwfBundleEnabled({ sessionId });

const inputText = 'take the lantern';
// As the seed writes it:
const LEGACY_TURN_ENABLED = process.env.LEGACY_TURN_ENABLED === 'true';
const turn =
  isAwfBundleEnabled({ sessionId }) && !LEGACY_TURN_ENABLED
    ? await runAwfTurn({ sessionId, inputText })
    : await runLegacyTurn({ sessionId, inputText });

console.log(JSON.stringify({ before, afterLegacy, pipeline: turn.pipeline }));
