import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { createServices } from '../src/app/create-services.js';
import { exitOnError, UsageError } from '../src/cli/cli-errors.js';
import { parseConfig } from '../src/config/config.js';
import { FEEDBACK_REASONS, type FeedbackInput, type FeedbackReason } from '../src/feedback/feedback-types.js';
import type { Choice } from '../src/game/game-types.js';
import { AppError, NotFoundError } from '../src/shared/errors.js';

const HELP = `Play the sample adventure in the terminal (npm run play).

Usage: npm run play -- [--seed N] [--session ID] [--user ID]

  --seed N      start a new session with this seed (same seed, same story)
  --session ID  resume an existing session (or name a new one)
  --user ID     the player's user id (decides the rollout bucket)
  --help        this text

Type a choice's number or anything you like. /state shows the game state, /quit leaves.
/good rates the last turn up; /bad [reason] [comment] rates it down (reasons: ${FEEDBACK_REASONS.join(', ')}).
Uses the same configuration as the server (AWF_DB_PATH, DATABASE_URL, AWF_BUNDLE_ON, ...).`;

function parseCliArgs(argv: string[]) {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        seed: { type: 'string' },
        session: { type: 'string' },
        user: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 4294967295)) {
      throw new UsageError(`--seed must be an integer from 0 to 4294967295, got "${values.seed}"`);
    }
    return { seed, session: values.session, user: values.user, help: values.help ?? false };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${(error as Error).message}; see --help`);
  }
}

function wrap(text: string, width = Math.min(process.stdout.columns ?? 80, 100)): string {
  return text
    .split('\n')
    .map((paragraph) => {
      const lines: string[] = [];
      let line = '';
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        if (line.length + word.length + 1 > width && line) {
          lines.push(line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      lines.push(line);
      return lines.join('\n');
    })
    .join('\n');
}

/** `/good` or `/bad [reason] [comment]` as a rating; undefined for any other line. */
function ratingOf(input: string): FeedbackInput | undefined {
  if (input === '/good') return { rating: 'up' };
  const bad = /^\/bad(?:\s+(.*))?$/s.exec(input);
  if (!bad) return undefined;
  const rest = (bad[1] ?? '').trim();
  const [first = '', ...words] = rest.split(/\s+/);
  const isReason = (FEEDBACK_REASONS as readonly string[]).includes(first);
  const comment = isReason ? words.join(' ') : rest;
  return {
    rating: 'down',
    ...(isReason ? { reason: first as FeedbackReason } : {}),
    ...(comment ? { comment } : {}),
  };
}

function show(txt: string, choices: readonly Choice[], footer?: string): void {
  console.log(`\n${wrap(txt)}\n`);
  choices.forEach((choice, i) => {
    console.log(`  ${i + 1}. ${choice.label}`);
  });
  if (footer) console.log(process.stdout.isTTY ? `\x1b[2m${footer}\x1b[0m` : footer);
}

async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2));
  if (args.help) {
    console.log(HELP);
    return;
  }
  const services = await createServices(parseConfig(process.env));
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const existing = args.session
      ? await services.turns.getSession(args.session).catch((error: unknown) => {
          if (error instanceof NotFoundError) return undefined; // a new session with that id
          throw error;
        })
      : undefined;
    let sessionId: string;
    let lastTurnNo = existing?.session.turnCount ?? 0;
    if (existing) {
      sessionId = existing.session.sessionId;
      show(
        existing.turns.at(-1)?.result.txt ?? 'You pick up where you left off.',
        existing.session.lastChoices,
      );
    } else {
      const opening = await services.turns.startSession({
        ...(args.session ? { sessionId: args.session } : {}),
        ...(args.user ? { userId: args.user } : {}),
        ...(args.seed !== undefined ? { seed: args.seed } : {}),
      });
      sessionId = opening.sessionId;
      console.log(`${services.content.adventure.title} — session ${sessionId}`);
      show(opening.txt, opening.choices);
    }
    // Iterating the lines (rather than rl.question) keeps input typed or piped while a turn runs.
    process.stdout.write('\n> ');
    for await (const line of rl) {
      const input = line.trim();
      if (input === '/quit' || input === '/exit') break;
      const rating = ratingOf(input);
      if (input === '/state') {
        const { session } = await services.turns.getSession(sessionId);
        console.log(JSON.stringify(session.state, null, 2));
      } else if (rating) {
        if (lastTurnNo === 0) console.log('Nothing to rate yet: play a turn first.');
        else {
          try {
            const { feedback, replaced } = await services.feedback.rateTurn(sessionId, lastTurnNo, rating);
            const reason = feedback.reason ? ` (${feedback.reason})` : '';
            console.log(
              `${replaced ? 'Rating changed' : 'Thanks'}: turn ${lastTurnNo} rated ${feedback.rating}${reason}.`,
            );
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            console.log(`error: ${error.message}`);
          }
        }
      } else if (input !== '') {
        const turn = await services.turns.playTurn(sessionId, input);
        lastTurnNo = Number(turn.turnId.slice(turn.turnId.lastIndexOf(':') + 1));
        const route = turn.fallback ? `legacy (fallback: ${turn.fallbackReason})` : turn.pipeline;
        show(turn.txt, turn.choices, `[${route}${turn.retried ? ', retried' : ''} · ${turn.latencyMs} ms]`);
      }
      process.stdout.write('\n> ');
    }
    console.log(`\nSaved. Resume with: npm run play -- --session ${sessionId}`);
  } finally {
    rl.close();
    await services.close();
  }
}

main().catch(exitOnError);
