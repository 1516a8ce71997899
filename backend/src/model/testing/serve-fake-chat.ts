/**
 * A scripted OpenAI-compatible endpoint to try a sampled golden run against, without a real model:
 *
 *   npx tsx backend/src/model/testing/serve-fake-chat.ts --correct 0.8 --invalid 0.1 --slow 0.1
 *   AWF_MODEL_BASE_URL=http://127.0.0.1:PORT/v1 npx tsx backend/src/goldens/runner.ts --mode test --provider openai --samples 5
 *
 * Correct answers are the local narrator's; see scriptedChatHandler. Stops on Ctrl-C.
 */
import path from 'node:path';
import { z } from 'zod';
import { type CliCommand, runCommand } from '../../cli/cli-runner.js';
import { loadContent } from '../../content/content-loader.js';
import { scriptedChatHandler, startFakeChatServer } from './fake-chat-server.js';

const fraction = z
  .string()
  .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'must be a fraction from 0 to 1')
  .transform(Number);
const whole = z.string().regex(/^\d+$/, 'must be a whole number').transform(Number);

const schema = z
  .object({
    correct: fraction.default(1),
    invalid: fraction.default(0),
    slow: fraction.default(0),
    'slow-ms': whole.default(2000),
    seed: whole.default(0),
    port: whole.refine((port) => port <= 65_535, 'must be a port (0 – 65535)').default(0),
    'content-dir': z.string().min(1).optional(),
  })
  .refine((flags) => Math.abs(flags.correct + flags.invalid + flags.slow - 1) < 1e-9, {
    path: ['correct'],
    message: 'with --invalid and --slow must add up to 1',
  });

const serveFakeChat: CliCommand<typeof schema, Record<string, never>> = {
  help: `Serve a scripted OpenAI-compatible chat endpoint on 127.0.0.1 (a test double for a real model).

Usage: npx tsx backend/src/model/testing/serve-fake-chat.ts [--correct F] [--invalid F] [--slow F]
         [--slow-ms MS] [--seed N] [--port P] [--content-dir DIR]

  --correct F   share of calls answered correctly (the local narrator's answer; default 1)
  --invalid F   share answered with text that is neither AWF JSON nor a legacy answer (default 0)
  --slow F      share answered correctly after --slow-ms (default 0, 2000 ms)
  --seed N      seeds the draws (default 0)
  --port P      port to listen on (default 0: a free one)
  --content-dir DIR  content to narrate from (default backend/content)

The three shares must add up to 1. Prints the AWF_MODEL_BASE_URL to use; stops on Ctrl-C.`,
  flags: {
    correct: { type: 'string' },
    invalid: { type: 'string' },
    slow: { type: 'string' },
    'slow-ms': { type: 'string' },
    seed: { type: 'string' },
    port: { type: 'string' },
    'content-dir': { type: 'string' },
  },
  schema,
  async run(args, cli) {
    const content = loadContent(
      args['content-dir']
        ? path.resolve(cli.cwd, args['content-dir'])
        : path.resolve(import.meta.dirname, '../../../content'),
    );
    const handler = scriptedChatHandler({
      content,
      correct: args.correct,
      invalid: args.invalid,
      slow: args.slow,
      slowDelayMs: args['slow-ms'],
      seed: args.seed,
    });
    const server = await startFakeChatServer(handler, { port: args.port });
    cli.out(`AWF_MODEL_BASE_URL=${server.baseUrl}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    cli.note(`answered: ${JSON.stringify(handler.answered)}`);
    return 0;
  },
};

await runCommand(serveFakeChat, () => ({ deps: {} }));
