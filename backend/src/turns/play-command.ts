import { createInterface } from 'node:readline/promises';
import { z } from 'zod';
import type { CliCommand } from '../cli/cli-runner.js';
import type { Content } from '../content/content-types.js';
import type { FeedbackService } from '../feedback/feedback-service.js';
import { FEEDBACK_REASONS, type FeedbackInput, type FeedbackReason } from '../feedback/feedback-types.js';
import type { Choice } from '../game/game-types.js';
import { AppError, NotFoundError } from '../shared/errors.js';
import { MAX_TURN_INPUT_CHARS } from './turn-input.js';
import type { TurnService } from './turn-service.js';

const HELP = `Play the sample adventure in the terminal (npm run play).

Usage: npm run play -- [--seed N] [--session ID] [--user ID]

  --seed N      start a new session with this seed (same seed, same story)
  --session ID  resume an existing session (or name a new one)
  --user ID     the player's user id (decides the rollout bucket)
  --help, -h    this text

Type a choice's number or anything you like (at most ${MAX_TURN_INPUT_CHARS} characters). /state shows the
game state, /quit leaves. A number that is not on offer, or a turn the model could not answer, prints
what went wrong and uses up no turn: the session stays saved and you can type again.
/good rates the last turn up; /bad [reason] [comment] rates it down (reasons: ${FEEDBACK_REASONS.join(', ')}).
Uses the same configuration as the server (AWF_DB_PATH, DATABASE_URL, AWF_BUNDLE_ON, ...).
Exit codes: 0 saved and left; 2 a flag or variable is unknown, repeated or malformed;
3 the store could not be reached or another runtime failure.`;

const schema = z.object({
  seed: z
    .string()
    .regex(/^\d{1,10}$/, 'must be an integer from 0 to 4294967295')
    .transform(Number)
    .refine((seed) => seed <= 4294967295, 'must be an integer from 0 to 4294967295')
    .optional(),
  session: z.string().min(1, 'needs an id').optional(),
  user: z.string().min(1, 'needs an id').optional(),
});

/** What a game in the terminal needs: the turn service, feedback and the adventure's title. */
export interface PlayDeps {
  turns: Pick<TurnService, 'getSession' | 'startSession' | 'playTurn'>;
  feedback: Pick<FeedbackService, 'rateTurn'>;
  content: { adventure: Pick<Content['adventure'], 'title'> };
}

/** `npm run play`: a session turn by turn on stdin / stdout. */
export const playCommand: CliCommand<typeof schema, PlayDeps> = {
  help: HELP,
  flags: { seed: { type: 'string' }, session: { type: 'string' }, user: { type: 'string' } },
  schema,
  async run(args, cli) {
    const { turns, feedback, content } = cli.deps;
    const rl = createInterface({ input: cli.stdin, output: process.stdout });
    try {
      const existing = args.session
        ? await turns.getSession(args.session).catch((error: unknown) => {
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
        const opening = await turns.startSession({
          ...(args.session ? { sessionId: args.session } : {}),
          ...(args.user ? { userId: args.user } : {}),
          ...(args.seed !== undefined ? { seed: args.seed } : {}),
        });
        sessionId = opening.sessionId;
        console.log(`${content.adventure.title} — session ${sessionId}`);
        show(opening.txt, opening.choices);
      }
      // Iterating the lines (rather than rl.question) keeps input typed or piped while a turn runs.
      process.stdout.write('\n> ');
      for await (const line of rl) {
        const input = line.trim();
        if (input === '/quit' || input === '/exit') break;
        const rating = ratingOf(input);
        if (input === '/state') {
          const { session } = await turns.getSession(sessionId);
          console.log(JSON.stringify(session.state, null, 2));
        } else if (rating) {
          if (lastTurnNo === 0) console.log('Nothing to rate yet: play a turn first.');
          else {
            try {
              const rated = await feedback.rateTurn(sessionId, lastTurnNo, rating);
              const reason = rated.feedback.reason ? ` (${rated.feedback.reason})` : '';
              console.log(
                `${rated.replaced ? 'Rating changed' : 'Thanks'}: turn ${lastTurnNo} rated ${rated.feedback.rating}${reason}.`,
              );
            } catch (error) {
              if (!(error instanceof AppError)) throw error;
              console.log(`error: ${error.message}`);
            }
          }
        } else if (input !== '') {
          const turn = await turns.playTurn(sessionId, input).catch((error: unknown) => {
            // The player's own mistake, or a model that failed: say so, keep the session, go on.
            if (!(error instanceof AppError)) throw error;
            if (error.statusCode < 500) {
              console.log(`\n(${error.message})`);
            } else {
              cli.note(`error: ${error.message}`);
              console.log(
                `\nThat turn did not happen; your session is saved. Try again, or /quit and resume with: ${resumeHint(sessionId)}`,
              );
            }
            return undefined;
          });
          if (turn) {
            lastTurnNo = Number(turn.turnId.slice(turn.turnId.lastIndexOf(':') + 1));
            const route = turn.fallback ? `legacy (fallback: ${turn.fallbackReason})` : turn.pipeline;
            show(
              turn.txt,
              turn.choices,
              `[${route}${turn.retried ? ', retried' : ''} · ${turn.latencyMs} ms]`,
            );
          }
        }
        process.stdout.write('\n> ');
      }
      console.log(`\nSaved. Resume with: ${resumeHint(sessionId)}`);
    } finally {
      rl.close();
    }
    return 0;
  },
};

function resumeHint(sessionId: string): string {
  return `npm run play -- --session ${sessionId}`;
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

function show(txt: string, choices: readonly Choice[], footer?: string): void {
  console.log(`\n${wrap(txt)}\n`);
  choices.forEach((choice, i) => {
    console.log(`  ${i + 1}. ${choice.label}`);
  });
  if (footer) console.log(process.stdout.isTTY ? `\x1b[2m${footer}\x1b[0m` : footer);
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
