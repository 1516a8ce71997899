import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Content } from '../../content/content-types.js';
import { deriveSeed, seededRandom } from '../../shared/seeded-random.js';
import { createLocalProvider } from '../local/local-provider.js';
import type { ChatMessage } from '../model-provider.js';

/** The request body a client sends to `POST /v1/chat/completions`, as received. */
export interface ChatCompletionRequestBody {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  max_tokens?: number;
  seed?: number;
  response_format?: { type: string };
  [field: string]: unknown;
}

/** Answer with a chat completion whose first choice carries `content`; `delayMs` answers late. */
export interface FakeContentReply {
  content: string;
  /** Defaults to {@link DEFAULT_PROMPT_TOKENS}. */
  promptTokens?: number;
  /** Defaults to {@link DEFAULT_COMPLETION_TOKENS}. */
  completionTokens?: number;
  delayMs?: number;
}

/** Answer with an HTTP error; `body` replaces the default OpenAI-style `{ error: { message, type } }`. */
export interface FakeErrorReply {
  status: number;
  body?: unknown;
  delayMs?: number;
}

/** Answer 200 with a body sent byte for byte, e.g. HTML from a proxy or truncated JSON. */
export interface FakeRawReply {
  rawBody: string;
  /** Defaults to `text/plain`. */
  contentType?: string;
  delayMs?: number;
}

/** What the fake endpoint answers to one request. */
export type FakeReply = FakeContentReply | FakeErrorReply | FakeRawReply;

/** Decides the reply to one chat-completions request. */
export type FakeChatHandler = (body: ChatCompletionRequestBody) => FakeReply | Promise<FakeReply>;

/** A running fake endpoint. */
export interface FakeChatServer {
  /** Base URL for an OpenAI client, ending with `/v1`. */
  readonly baseUrl: string;
  /** Every chat-completions request body received, oldest first. */
  readonly requests: ChatCompletionRequestBody[];
  /** Replaces the handler for the requests that follow. */
  setHandler(handler: FakeChatHandler): void;
  /** Stops listening and drops open connections, including replies still waiting on `delayMs`. */
  close(): Promise<void>;
}

/** The content the default handler answers with: a minimal AWF-shaped JSON object. */
export const DEFAULT_FAKE_CONTENT = JSON.stringify({ txt: 'The fake narrator nods.', choices: [], acts: [] });
export const DEFAULT_PROMPT_TOKENS = 10;
export const DEFAULT_COMPLETION_TOKENS = 5;

const defaultHandler: FakeChatHandler = () => ({ content: DEFAULT_FAKE_CONTENT });

/**
 * Starts a real HTTP server on 127.0.0.1 (a free port) that speaks the OpenAI chat-completions protocol:
 * the test double for a remote model endpoint. Each request is recorded, then answered as the handler says.
 */
export async function startFakeChatServer(
  handler: FakeChatHandler = defaultHandler,
  options: { port?: number } = {},
): Promise<FakeChatServer> {
  let currentHandler = handler;
  const requests: ChatCompletionRequestBody[] = [];
  const pendingReplies = new Set<NodeJS.Timeout>();
  let completionCount = 0;

  const server = createServer((req, res) => {
    void answer(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      sendJson(res, 500, errorBody(`fake chat server failed: ${message}`, 'server_error'));
    });
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      sendJson(res, 404, errorBody(`no route for ${req.method} ${req.url}`, 'invalid_request_error'));
      return;
    }
    let body: ChatCompletionRequestBody;
    try {
      body = JSON.parse(await readBody(req)) as ChatCompletionRequestBody;
    } catch {
      sendJson(res, 400, errorBody('request body is not valid JSON', 'invalid_request_error'));
      return;
    }
    requests.push(body);
    const reply = await currentHandler(body);
    completionCount += 1;
    const id = `chatcmpl-fake-${completionCount}`;
    afterDelay(res, reply.delayMs ?? 0, () => sendReply(res, reply, body, id));
  }

  function afterDelay(res: ServerResponse, delayMs: number, send: () => void): void {
    if (delayMs <= 0) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      pendingReplies.delete(timer);
      send();
    }, delayMs);
    pendingReplies.add(timer);
    // A client that gave up (timeout) closes the socket; nobody is left to answer.
    res.on('close', () => {
      clearTimeout(timer);
      pendingReplies.delete(timer);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    setHandler(next) {
      currentHandler = next;
    },
    close() {
      for (const timer of pendingReplies) clearTimeout(timer);
      pendingReplies.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function sendReply(
  res: ServerResponse,
  reply: FakeReply,
  request: ChatCompletionRequestBody,
  id: string,
): void {
  if ('rawBody' in reply) {
    res.writeHead(200, { 'content-type': reply.contentType ?? 'text/plain' });
    res.end(reply.rawBody);
    return;
  }
  if ('status' in reply) {
    const type = reply.status >= 500 ? 'server_error' : 'invalid_request_error';
    sendJson(res, reply.status, reply.body ?? errorBody(`fake error ${reply.status}`, type));
    return;
  }
  const promptTokens = reply.promptTokens ?? DEFAULT_PROMPT_TOKENS;
  const completionTokens = reply.completionTokens ?? DEFAULT_COMPLETION_TOKENS;
  sendJson(res, 200, {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  });
}

function errorBody(message: string, type: string): { error: Record<string, unknown> } {
  return { error: { message, type, param: null, code: null } };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What a scripted endpoint answers: fractions of calls answered correctly, invalidly and slowly. */
export interface ChatScript {
  /** The content the correct answers are narrated from (the local narrator's answer to the same prompt). */
  content: Content;
  /** Fractions of calls; they must add up to 1. */
  correct: number;
  invalid: number;
  /** Answered correctly, after `slowDelayMs`. */
  slow: number;
  slowDelayMs: number;
  /** Seeds the draws (default 0): the same script answers the same prompt the same way every run. */
  seed?: number;
  /** Usage reported per answer (default {@link DEFAULT_PROMPT_TOKENS} / {@link DEFAULT_COMPLETION_TOKENS}). */
  promptTokens?: number;
  completionTokens?: number;
}

/** A scripted handler, with how many calls it answered each way so far. */
export interface ScriptedChatHandler extends FakeChatHandler {
  readonly answered: { correct: number; invalid: number; slow: number };
}

/** What an invalid answer says: neither AWF JSON nor a legacy answer (no Location line, no choices). */
export const INVALID_FAKE_CONTENT = 'The narrator shrugs and says nothing you could parse.';

/**
 * A handler that plays a model of known quality: each call draws (seeded by the script's seed, the
 * request's seed and its last message, so concurrency does not change the draws) whether it answers
 * correctly (what the local narrator answers to that AWF bundle or legacy prompt), invalidly
 * ({@link INVALID_FAKE_CONTENT}) or correctly but slowly.
 */
export function scriptedChatHandler(script: ChatScript): ScriptedChatHandler {
  const total = script.correct + script.invalid + script.slow;
  if (Math.abs(total - 1) > 1e-9 || [script.correct, script.invalid, script.slow].some((f) => f < 0)) {
    throw new Error(`a chat script's fractions must be at least 0 and add up to 1, not ${total}`);
  }
  const narrator = createLocalProvider({
    content: script.content,
    invalidRate: 0,
    errorRate: 0,
    latencyMedianMs: 0,
    timeoutMs: 60_000,
  });
  const answered = { correct: 0, invalid: 0, slow: 0 };
  let unseeded = 0;
  const tokens = {
    promptTokens: script.promptTokens ?? DEFAULT_PROMPT_TOKENS,
    completionTokens: script.completionTokens ?? DEFAULT_COMPLETION_TOKENS,
  };

  const narrate = async (body: ChatCompletionRequestBody): Promise<string> => {
    const messages = body.messages.map((message) => ({
      role: message.role as ChatMessage['role'],
      content: message.content,
    }));
    const request = { messages, seed: body.seed ?? 0, jsonMode: false };
    try {
      return (await narrator.complete({ ...request, kind: 'awf' })).text;
    } catch {
      // No AWF bundle in the messages: a legacy prompt.
      return (await narrator.complete({ ...request, kind: 'legacy' })).text;
    }
  };

  const handler = async (body: ChatCompletionRequestBody): Promise<FakeReply> => {
    const last = body.messages[body.messages.length - 1]?.content ?? '';
    const draw = seededRandom(
      deriveSeed(script.seed ?? 0, body.seed ?? `unseeded-${unseeded++}`, last),
    ).next();
    if (draw < script.invalid) {
      answered.invalid++;
      return { content: INVALID_FAKE_CONTENT, ...tokens };
    }
    const content = await narrate(body);
    if (draw < script.invalid + script.slow) {
      answered.slow++;
      return { content, delayMs: script.slowDelayMs, ...tokens };
    }
    answered.correct++;
    return { content, ...tokens };
  };
  return Object.assign(handler, { answered });
}
