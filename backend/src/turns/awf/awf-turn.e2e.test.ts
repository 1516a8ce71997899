import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createTestServices, type TestServices } from '../../app/testing/test-services.js';
import { loadContent } from '../../content/content-loader.js';
import { createLocalProvider } from '../../model/local/local-provider.js';
import type { ChatMessage } from '../../model/model-provider.js';
import { createOpenAiProvider } from '../../model/openai-provider.js';
import {
  type ChatCompletionRequestBody,
  type FakeChatServer,
  type FakeReply,
  startFakeChatServer,
} from '../../model/testing/fake-chat-server.js';

const KIERA_INPUT = 'I step into the glade and look toward the eyes.';
const TIMEOUT_MS = 300;

/**
 * The AWF turn end to end over the real OpenAI protocol: a local chat-completions endpoint answers
 * with the local narrator's text, and each test scripts which AWF answers go wrong and how.
 */
describe('AWF turn through an OpenAI-compatible endpoint', () => {
  const content = loadContent(new URL('../../../content', import.meta.url).pathname);
  const narrator = createLocalProvider({
    content,
    invalidRate: 0,
    errorRate: 0,
    latencyMedianMs: 0,
    timeoutMs: 1000,
  });
  const narrate = async (body: ChatCompletionRequestBody): Promise<string> =>
    (
      await narrator.complete({
        kind: body.response_format ? 'awf' : 'legacy',
        messages: body.messages as ChatMessage[],
        seed: body.seed ?? 0,
        jsonMode: !!body.response_format,
      })
    ).text;

  let server: FakeChatServer;
  let services: TestServices;
  /** Replies for the AWF calls of the next turn, in order; exhausted → the narrator's own answer. */
  let awfScript: Array<(body: ChatCompletionRequestBody) => Promise<FakeReply> | FakeReply>;

  before(async () => {
    server = await startFakeChatServer(async (body) => {
      const scripted = body.response_format ? awfScript.shift() : undefined;
      return scripted ? scripted(body) : { content: await narrate(body) };
    });
    services = await createTestServices(
      { AWF_BUNDLE_ON: 'true', AWF_PERCENT_ROLLOUT: '100' },
      {
        provider: createOpenAiProvider({
          baseUrl: server.baseUrl,
          apiKey: 'test',
          model: 'fake-narrator',
          timeoutMs: TIMEOUT_MS,
          temperature: 0.7,
          maxOutputTokens: 700,
          jsonMode: true,
        }),
      },
    );
  });
  after(async () => {
    await services.dispose();
    await server.close();
  });
  beforeEach(() => {
    awfScript = [];
    server.requests.length = 0;
  });

  const playKieraTurn = async () => {
    const { sessionId } = await services.turns.startSession({ userId: 'player-1', seed: 424242 });
    const result = await services.turns.playTurn(sessionId, KIERA_INPUT);
    const { session, turns } = await services.turns.getSession(sessionId);
    return { result, session, turns };
  };
  const awfRequests = () => server.requests.filter((body) => body.response_format);
  const legacyRequests = () => server.requests.filter((body) => !body.response_format);

  it('uses a valid first answer as is: AWF, no retry, no fallback', async () => {
    const { result, session } = await playKieraTurn();
    assert.equal(result.pipeline, 'awf');
    assert.equal(result.retried, false);
    assert.equal(result.fallback, false);
    assert.equal(result.scene, 'moonlit-glade');
    assert.equal(session.state.scene, 'moonlit-glade');
    assert.equal(awfRequests().length, 1);
    assert.equal(awfRequests()[0]?.response_format?.type, 'json_object');
    assert.ok(result.bundleBytes > 0);
  });

  it('retries an invalid answer once with the validator errors, and uses a valid second answer', async () => {
    awfScript = [
      async (body) => {
        const valid = JSON.parse(await narrate(body));
        return {
          content: JSON.stringify({
            ...valid,
            choices: [...valid.choices, ...valid.choices, ...valid.choices],
          }),
        };
      },
    ];
    const { result } = await playKieraTurn();
    assert.equal(result.pipeline, 'awf');
    assert.equal(result.retried, true);
    assert.equal(result.fallback, false);
    const [, repair] = awfRequests();
    const hint = repair?.messages.at(-1)?.content ?? '';
    assert.match(hint, /\$\.choices: 9 choices, expected 1 to 5/);
    assert.equal(repair?.messages.at(-2)?.role, 'assistant');
  });

  it('falls back to legacy with reason invalid_output when the second answer is invalid too', async () => {
    awfScript = [
      () => ({ content: 'The glade is quiet. What now?' }),
      () => ({ content: '{"txt": "cut off' }),
    ];
    const { result, session, turns } = await playKieraTurn();
    assert.equal(result.pipeline, 'legacy');
    assert.equal(result.fallback, true);
    assert.equal(result.fallbackReason, 'invalid_output');
    assert.equal(result.retried, true);
    assert.equal(awfRequests().length, 2);
    assert.equal(legacyRequests().length, 1);
    assert.match(result.txt, /glade/);
    assert.equal(session.state.scene, 'moonlit-glade');
    assert.equal(turns[0]?.result.fallbackReason, 'invalid_output');
  });

  it('falls back with reason provider_error when the endpoint answers HTTP 500', async () => {
    awfScript = [() => ({ status: 500 })];
    const { result } = await playKieraTurn();
    assert.equal(result.pipeline, 'legacy');
    assert.equal(result.fallbackReason, 'provider_error');
    assert.equal(result.retried, false);
    assert.equal(awfRequests().length, 1);
  });

  it('falls back with reason timeout when the endpoint is slower than the timeout', async () => {
    awfScript = [() => ({ content: '{}', delayMs: TIMEOUT_MS * 10 })];
    const { result } = await playKieraTurn();
    assert.equal(result.pipeline, 'legacy');
    assert.equal(result.fallbackReason, 'timeout');
    assert.ok(result.latencyMs < TIMEOUT_MS * 5, `latency ${result.latencyMs} ms`);
  });

  it('falls back with reason provider_error when the endpoint sends a non-JSON body', async () => {
    awfScript = [() => ({ rawBody: '<html>bad gateway</html>', contentType: 'application/json' })];
    const { result } = await playKieraTurn();
    assert.equal(result.fallbackReason, 'provider_error');
  });
});
