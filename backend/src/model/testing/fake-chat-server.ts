import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
    server.listen(0, '127.0.0.1', () => resolve());
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
