import { z } from 'zod';
import type { AdminDeps } from '../cli/admin-cli.js';
import { type CliCommand, checkedFlag } from '../cli/cli-runner.js';
import { parseSince } from '../shared/time-input.js';
import type { FeedbackService } from './feedback-service.js';
import type { Feedback } from './feedback-types.js';

const HELP = `Player ratings of turns, newest first, for operators.

Usage:
  tsx backend/scripts/awf-feedback.ts --recent [--pipeline awf|legacy] [--rating up|down] [--since 24h]
                                      [--limit N] [--json]

  --recent              the newest ratings (the one view)
  --pipeline P          only turns answered by awf or legacy (a fallback was answered by legacy)
  --rating R            only up or down ratings
  --since D|ISO         rated (or re-rated) from 24h ago / from an instant (default 24h)
  --limit N             at most N ratings (1-10000, default 50)
  --json                a JSON array instead of text
  --help                this text

Comments are the players' own words, shown as plain text: control characters are escaped, nothing in
them is interpreted. Needs AWF_ADMIN_TOKEN of a role allowed to read SLO data (slo.read: any role).
Exit codes: 0 done; 2 bad input or authentication; 3 the store could not be reached or another runtime
failure.`;

const schema = z
  .object({
    recent: z.literal(true, { error: 'give --recent (the one view); see --help' }).optional(),
    pipeline: z.enum(['awf', 'legacy'], { error: 'must be awf or legacy' }).optional(),
    rating: z.enum(['up', 'down'], { error: 'must be up or down' }).optional(),
    since: checkedFlag((text) => parseSince(text, new Date())).default('24h'),
    limit: z
      .string()
      .regex(/^\d{1,5}$/, 'must be an integer from 1 to 10000')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 10_000, 'must be an integer from 1 to 10000')
      .default(50),
    json: z.boolean().optional(),
  })
  .refine((args) => args.recent === true, { message: 'give --recent (the one view)' });

/** A comment as one line of plain text: control and format (bidi, zero-width) characters escaped, so a terminal interprets nothing. */
export function plainText(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** One rating as a text line. */
export function feedbackLine(feedback: Feedback): string {
  const route = feedback.fallback
    ? `${feedback.pipeline} (fallback: ${feedback.fallbackReason ?? 'unknown'})`
    : feedback.pipeline;
  const reason = feedback.reason ? ` ${feedback.reason}` : '';
  const comment = feedback.comment === undefined ? '' : ` "${plainText(feedback.comment)}"`;
  return `${feedback.updatedAt} ${feedback.rating}${reason} ${route} ${feedback.sessionId}#${feedback.turnNo} route=${feedback.routeReason}${comment}`;
}

/** awf-feedback: recent ratings, filtered, for operators (read-protected like SLO data). */
export const feedbackCommand: CliCommand<typeof schema, AdminDeps & { feedback: FeedbackService }> = {
  help: HELP,
  schema,
  flags: {
    recent: { type: 'boolean' },
    pipeline: { type: 'string' },
    rating: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, cli) {
    const { caller, feedback } = cli.deps;
    await caller.authenticate('slo.read');
    const since = parseSince(args.since, new Date()).toISOString();
    const ratings = await feedback.listRecent({
      since,
      limit: args.limit,
      ...(args.pipeline ? { pipeline: args.pipeline } : {}),
      ...(args.rating ? { rating: args.rating } : {}),
    });
    if (args.json) {
      cli.out(JSON.stringify(ratings, null, 2));
      return 0;
    }
    const filters = [args.pipeline, args.rating].filter(Boolean).join(', ');
    cli.out(
      `${ratings.length} rating${ratings.length === 1 ? '' : 's'} since ${since}${filters ? ` (${filters})` : ''}`,
    );
    for (const rating of ratings) cli.out(feedbackLine(rating));
    return 0;
  },
};
