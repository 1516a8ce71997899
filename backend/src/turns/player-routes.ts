import type { FastifyInstance } from 'fastify';
import { SUBJECT_ID_PATTERN } from '../shared/http-schemas.js';
import type { StartSessionRequest, TurnService } from './turn-service.js';

const idPattern = SUBJECT_ID_PATTERN;

const startSessionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    userId: { type: 'string', pattern: idPattern },
    sessionId: { type: 'string', pattern: idPattern },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
  },
} as const;

const sessionParams = {
  type: 'object',
  required: ['sessionId'],
  properties: { sessionId: { type: 'string', pattern: idPattern } },
} as const;

const turnBody = {
  type: 'object',
  additionalProperties: false,
  required: ['input'],
  // No maxLength here: the turn service checks MAX_TURN_INPUT_CHARS (turn-input.ts) for this route and
  // for npm run play alike, so both refuse the same inputs with the same message.
  properties: { input: { type: 'string', minLength: 1, pattern: '\\S' } },
} as const;

/** The player API: start a session, play turns, read a session back. */
export async function playerRoutes(app: FastifyInstance, opts: { turns: TurnService }): Promise<void> {
  const { turns } = opts;

  app.post<{ Body: StartSessionRequest | undefined }>(
    '/api/sessions',
    {
      schema: { body: startSessionBody },
      // Every field is optional, so a bodiless POST means "all defaults".
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const opening = await turns.startSession(request.body ?? {});
      return reply.status(201).send(opening);
    },
  );

  app.post<{ Params: { sessionId: string }; Body: { input: string } }>(
    '/api/sessions/:sessionId/turns',
    { schema: { params: sessionParams, body: turnBody } },
    async (request) => turns.playTurn(request.params.sessionId, request.body.input),
  );

  app.get<{ Params: { sessionId: string } }>(
    '/api/sessions/:sessionId',
    { schema: { params: sessionParams } },
    async (request) => {
      const { session, turns: history } = await turns.getSession(request.params.sessionId);
      return {
        sessionId: session.sessionId,
        userId: session.userId,
        seed: session.seed,
        state: session.state,
        turnCount: session.turnCount,
        choices: session.lastChoices,
        createdAt: session.createdAt,
        updatedAt: session.updatedAt,
        turns: history.map((turn) => ({
          turnNo: turn.turnNo,
          input: turn.input,
          routeReason: turn.routeReason,
          createdAt: turn.createdAt,
          result: turn.result,
        })),
      };
    },
  );
}
