import type { FastifyInstance } from 'fastify';
import { requirePermission } from '../auth/auth-http.js';
import type { AuthService } from '../auth/auth-service.js';
import type { Pipeline } from '../game/game-types.js';
import { SUBJECT_ID_PATTERN } from '../shared/http-schemas.js';
import { parseSince } from '../shared/time-input.js';
import type { FeedbackService } from './feedback-service.js';
import {
  FEEDBACK_REASONS,
  type FeedbackInput,
  MAX_COMMENT_LENGTH,
  RATINGS,
  type Rating,
} from './feedback-types.js';

const feedbackParams = {
  type: 'object',
  required: ['sessionId', 'turnNo'],
  properties: {
    sessionId: { type: 'string', pattern: SUBJECT_ID_PATTERN },
    // Params are strings (the app does not coerce): a turn number of 1 to 9 digits.
    turnNo: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' },
  },
} as const;

const feedbackBody = {
  type: 'object',
  additionalProperties: false,
  required: ['rating'],
  properties: {
    rating: { type: 'string', enum: RATINGS },
    reason: { type: 'string', enum: FEEDBACK_REASONS },
    comment: { type: 'string', maxLength: MAX_COMMENT_LENGTH },
  },
} as const;

/**
 * The player's rating of a turn: 201 with the stored feedback, 200 when it replaced an earlier rating
 * of the same turn (counted once, as the new rating).
 */
export async function feedbackRoutes(
  app: FastifyInstance,
  opts: { feedback: FeedbackService; auth: AuthService },
): Promise<void> {
  app.post<{ Params: { sessionId: string; turnNo: string }; Body: FeedbackInput }>(
    '/api/sessions/:sessionId/turns/:turnNo/feedback',
    { schema: { params: feedbackParams, body: feedbackBody } },
    async (request, reply) => {
      const { feedback, replaced } = await opts.feedback.rateTurn(
        request.params.sessionId,
        Number(request.params.turnNo),
        request.body,
      );
      return reply.status(replaced ? 200 : 201).send({ ...feedback, replaced });
    },
  );

  // What `awf-feedback.ts --recent --json` prints, over HTTP (slo.read, like the CLI): newest first.
  app.get<{ Querystring: { pipeline?: Pipeline; rating?: Rating; since?: string; limit?: string } }>(
    '/api/admin/feedback',
    {
      onRequest: requirePermission(opts.auth, 'slo.read'),
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            pipeline: { type: 'string', enum: ['awf', 'legacy'] },
            rating: { type: 'string', enum: RATINGS },
            since: { type: 'string', maxLength: 40 },
            limit: { type: 'string', pattern: '^(?:[1-9][0-9]{0,3}|10000)$' },
          },
        },
      },
    },
    async (request) => {
      const { pipeline, rating, since, limit } = request.query;
      return opts.feedback.listRecent({
        since: parseSince(since ?? '24h', new Date(), 'since').toISOString(),
        limit: limit === undefined ? 50 : Number(limit),
        ...(pipeline ? { pipeline } : {}),
        ...(rating ? { rating } : {}),
      });
    },
  );
}
