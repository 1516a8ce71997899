import { z } from 'zod';
import type { AdminScript } from '../auth/admin-cli.js';
import { parseSince } from '../shared/time-input.js';
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
Exit codes: 0 done; 2 bad input or authentication.`;

const schema = z
  .object({
    recent: z.literal(true, { error: 'give --recent (the one view); see --help' }).optional(),
    pipeline: z.enum(['awf', 'legacy'], { error: 'must be awf or legacy' }).optional(),
    rating: z.enum(['up', 'down'], { error: 'must be up or down' }).optional(),
    since: z
      .string()
      .default('24h')
      .transform((text, ctx) => {
        try {
          return parseSince(text, new Date()).toISOString();
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    limit: z
      .string()
      .regex(/^\d{1,5}$/, 'must be an integer from 1 to 10000')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 10_000, 'must be an integer from 1 to 10000')
      .default(50),
    json: z.boolean().optional(),
    positionals: z.array(z.string()).max(0),
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
export const feedbackCommand: AdminScript<typeof schema> = {
  help: HELP,
  schema,
  options: {
    recent: { type: 'boolean' },
    pipeline: { type: 'string' },
    rating: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  },
  async run(args, cli) {
    await cli.authenticate('slo.read');
    const ratings = await cli.services.feedback.listRecent({
      since: args.since,
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
      `${ratings.length} rating${ratings.length === 1 ? '' : 's'} since ${args.since}${filters ? ` (${filters})` : ''}`,
    );
    for (const feedback of ratings) cli.out(feedbackLine(feedback));
    return 0;
  },
};
