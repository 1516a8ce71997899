import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ModelProviderError, ModelTimeoutError } from '../shared/errors.js';
import type { ModelRequest } from './model-provider.js';
import { createOpenAiProvider, type OpenAiProviderOptions } from './openai-provider.js';
import {
  DEFAULT_FAKE_CONTENT,
  type FakeChatServer,
  startFakeChatServer,
} from './testing/fake-chat-server.js';

const awfRequest: ModelRequest = {
  kind: 'awf',
  messages: [
    { role: 'system', content: 'You are the narrator. Answer in AWF JSON.' },
    { role: 'user', content: 'look around' },
  ],
  seed: 4242,
  jsonMode: true,
};

function providerOptions(server: FakeChatServer, overrides: Partial<OpenAiProviderOptions> = {}) {
  return {
    baseUrl: server.baseUrl,
    apiKey: 'test-key',
    model: 'fake-model',
    timeoutMs: 2_000,
    temperature: 0.3,
    maxOutputTokens: 400,
    jsonMode: true,
    ...overrides,
  };
}

describe('openai provider', () => {
  let server: FakeChatServer;

  before(async () => {
    server = await startFakeChatServer();
  });

  after(async () => {
    await server.close();
  });

  beforeEach(() => {
    server.requests.length = 0;
    server.setHandler(() => ({ content: DEFAULT_FAKE_CONTENT }));
  });

  it('is named openai', () => {
    assert.equal(createOpenAiProvider(providerOptions(server)).name, 'openai');
  });

  describe('.complete()', () => {
    it('returns the first choice content and the token usage', async () => {
      server.setHandler(() => ({
        content: '{"txt":"A dark hall."}',
        promptTokens: 321,
        completionTokens: 45,
      }));
      const provider = createOpenAiProvider(providerOptions(server));

      const response = await provider.complete(awfRequest);

      assert.deepEqual(response, { text: '{"txt":"A dark hall."}', tokens: { in: 321, out: 45 } });
    });

    it('sends model, messages, seed, temperature, max_tokens and a json response_format when jsonMode', async () => {
      const provider = createOpenAiProvider(providerOptions(server));

      await provider.complete(awfRequest);

      assert.equal(server.requests.length, 1);
      const sent = server.requests[0];
      assert.ok(sent);
      assert.equal(sent.model, 'fake-model');
      assert.deepEqual(sent.messages, awfRequest.messages);
      assert.equal(sent.seed, 4242);
      assert.equal(sent.temperature, 0.3);
      assert.equal(sent.max_tokens, 400);
      assert.deepEqual(sent.response_format, { type: 'json_object' });
    });

    it('omits response_format when the request does not ask for JSON', async () => {
      const provider = createOpenAiProvider(providerOptions(server));

      await provider.complete({ ...awfRequest, kind: 'legacy', jsonMode: false });

      assert.equal(server.requests.length, 1);
      assert.ok(!('response_format' in (server.requests[0] ?? {})));
    });

    it('omits response_format when the endpoint is configured without JSON mode', async () => {
      const provider = createOpenAiProvider(providerOptions(server, { jsonMode: false }));

      await provider.complete(awfRequest);

      assert.ok(!('response_format' in (server.requests[0] ?? {})));
    });

    it('returns a prose reply as text unchanged, even in JSON mode', async () => {
      const prose = 'You stand in a dark hall.\n\n1. Go north\n2. Light a torch';
      server.setHandler(() => ({ content: prose }));
      const provider = createOpenAiProvider(providerOptions(server));

      const response = await provider.complete(awfRequest);

      assert.equal(response.text, prose);
    });

    describe('when the endpoint is slower than the timeout', () => {
      it('throws ModelTimeoutError without waiting for the late answer', async () => {
        server.setHandler(() => ({ content: DEFAULT_FAKE_CONTENT, delayMs: 2_000 }));
        const provider = createOpenAiProvider(providerOptions(server, { timeoutMs: 200 }));
        const startedAt = performance.now();

        await assert.rejects(provider.complete(awfRequest), (error: unknown) => {
          assert.ok(error instanceof ModelTimeoutError);
          assert.equal(error.code, 'MODEL_TIMEOUT');
          assert.match(error.message, /200 ms/);
          return true;
        });

        const elapsedMs = performance.now() - startedAt;
        assert.ok(elapsedMs >= 150 && elapsedMs < 1_000, `took ${Math.round(elapsedMs)} ms`);
        assert.equal(server.requests.length, 1, 'the SDK must not retry');
      });
    });

    describe('when the endpoint answers an HTTP error', () => {
      it('throws ModelProviderError naming status 500, without retrying', async () => {
        server.setHandler(() => ({ status: 500 }));
        const provider = createOpenAiProvider(providerOptions(server));

        await assert.rejects(provider.complete(awfRequest), (error: unknown) => {
          assert.ok(error instanceof ModelProviderError);
          assert.equal(error.code, 'MODEL_PROVIDER_ERROR');
          assert.match(error.message, /^model endpoint answered HTTP 500: fake error 500$/);
          return true;
        });
        assert.equal(server.requests.length, 1);
      });

      it('throws ModelProviderError naming status 401 and the endpoint message', async () => {
        server.setHandler(() => ({
          status: 401,
          body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } },
        }));
        const provider = createOpenAiProvider(providerOptions(server));

        await assert.rejects(provider.complete(awfRequest), (error: unknown) => {
          assert.ok(error instanceof ModelProviderError);
          assert.equal(error.message, 'model endpoint answered HTTP 401: Incorrect API key provided');
          return true;
        });
      });

      it('keeps the message on one line when the error body is not JSON', async () => {
        server.setHandler(() => ({ status: 502, body: '<html>\n<h1>Bad Gateway</h1>\n</html>' }));
        const provider = createOpenAiProvider(providerOptions(server));

        await assert.rejects(provider.complete(awfRequest), (error: unknown) => {
          assert.ok(error instanceof ModelProviderError);
          assert.match(error.message, /^model endpoint answered HTTP 502: /);
          assert.ok(!error.message.includes('\n'));
          return true;
        });
      });
    });

    describe('when the endpoint answers 200 with a body that is not a chat completion', () => {
      it('throws ModelProviderError for an HTML body', async () => {
        server.setHandler(() => ({ rawBody: '<html>proxy login</html>', contentType: 'text/html' }));
        const provider = createOpenAiProvider(providerOptions(server));

        await assert.rejects(provider.complete(awfRequest), (error: unknown) => {
          assert.ok(error instanceof ModelProviderError);
          assert.match(error.message, /not a chat completion: <html>proxy login<\/html>/);
          return true;
        });
      });

      it('throws ModelProviderError for truncated JSON', async () => {
        server.setHandler(() => ({ rawBody: '{"id":"chatcmpl-1","choi', contentType: 'application/json' }));
        const provider = createOpenAiProvider(providerOptions(server));

        await assert.rejects(provider.complete(awfRequest), (error: unknown) => {
          assert.ok(error instanceof ModelProviderError);
          assert.match(error.message, /not valid JSON/);
          return true;
        });
      });

      it('throws ModelProviderError when the reply has no content', async () => {
        server.setHandler(() => ({ content: '' }));
        const provider = createOpenAiProvider(providerOptions(server));

        await assert.rejects(provider.complete(awfRequest), (error: unknown) => {
          assert.ok(error instanceof ModelProviderError);
          assert.equal(error.message, 'model returned no content');
          return true;
        });
      });
    });

    describe('when nothing listens at the base URL', () => {
      it('throws ModelProviderError saying the endpoint is unreachable', async () => {
        const closed = await startFakeChatServer();
        await closed.close();
        const provider = createOpenAiProvider(providerOptions(closed));

        await assert.rejects(provider.complete(awfRequest), (error: unknown) => {
          assert.ok(error instanceof ModelProviderError);
          assert.match(error.message, /is unreachable: ECONNREFUSED/);
          return true;
        });
      });
    });

    it('works without an API key, as local endpoints need none', async () => {
      const provider = createOpenAiProvider(providerOptions(server, { apiKey: '' }));

      const response = await provider.complete(awfRequest);

      assert.equal(response.text, DEFAULT_FAKE_CONTENT);
    });
  });
});
