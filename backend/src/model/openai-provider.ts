import type OpenAI from 'openai';
import type { APIConnectionError, APIError } from 'openai';
import { ModelProviderError, ModelTimeoutError } from '../shared/errors.js';
import type { ModelProvider, ModelRequest, ModelResponse } from './model-provider.js';

/** The slice of config the `openai` provider needs (AWF_MODEL_* settings). */
export interface OpenAiProviderOptions {
  /** Root of an OpenAI-compatible API, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  /** Bearer key; may be empty for local endpoints that take none. */
  apiKey: string;
  model: string;
  /** Budget for the whole call, from sending the request to reading the last byte of the answer. */
  timeoutMs: number;
  temperature: number;
  maxOutputTokens: number;
  /** Whether the endpoint supports `response_format: json_object`; AWF requests use it only when true. */
  jsonMode: boolean;
}

// Local endpoints (Ollama, llama.cpp server, vLLM) take no key, but the SDK refuses to start without one.
const NO_API_KEY = 'no-key';
const MAX_DETAIL_LENGTH = 200;

/**
 * A model provider for any endpoint that speaks the OpenAI chat-completions protocol, through the
 * official SDK. It returns the model's text as is; validating AWF output is the pipeline's job.
 * Every failure comes out as a ModelTimeoutError or a ModelProviderError.
 */
export function createOpenAiProvider(options: OpenAiProviderOptions): ModelProvider {
  // The SDK is loaded at the first call, not at wiring: admin scripts wire a provider they never call,
  // and loading the SDK through tsx's module hooks costs them a visible part of their start.
  let connection: Promise<{ sdk: OpenAiSdk; client: OpenAI }> | undefined;
  const connect = () => {
    connection ??= import('openai').then((sdk) => ({
      sdk,
      client: new sdk.OpenAI({
        baseURL: options.baseUrl,
        apiKey: options.apiKey || NO_API_KEY,
        // Pinned so ambient OPENAI_* variables cannot change what config decided.
        organization: null,
        project: null,
        timeout: options.timeoutMs,
        // A retry would blow the turn's latency budget; the pipeline falls back instead.
        maxRetries: 0,
      }),
    }));
    return connection;
  };

  async function complete(request: ModelRequest): Promise<ModelResponse> {
    const { sdk, client } = await connect();
    // The SDK's own timeout stops at the response headers; this signal also bounds reading the body.
    const signal = AbortSignal.timeout(options.timeoutMs);
    let completion: unknown;
    try {
      completion = await client.chat.completions.create(
        {
          model: options.model,
          messages: request.messages,
          temperature: options.temperature,
          max_tokens: options.maxOutputTokens,
          seed: request.seed,
          response_format: request.jsonMode && options.jsonMode ? { type: 'json_object' } : undefined,
        },
        { signal },
      );
    } catch (error) {
      throw toModelError(sdk, error, signal.aborted, options);
    }
    return toModelResponse(completion);
  }

  return { name: 'openai', complete };
}

function toModelResponse(completion: unknown): ModelResponse {
  // A 200 with a non-JSON content type reaches here as a string, so the shape is checked, not assumed.
  if (!isChatCompletion(completion)) {
    throw new ModelProviderError(
      `model endpoint answered with a body that is not a chat completion: ${preview(completion)}`,
    );
  }
  const text = completion.choices[0]?.message?.content;
  if (typeof text !== 'string' || text === '') {
    throw new ModelProviderError('model returned no content');
  }
  return {
    text,
    tokens: { in: completion.usage?.prompt_tokens ?? 0, out: completion.usage?.completion_tokens ?? 0 },
  };
}

function isChatCompletion(value: unknown): value is OpenAI.Chat.ChatCompletion {
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as { choices?: unknown }).choices)
  );
}

type OpenAiSdk = typeof import('openai');

function toModelError(
  sdk: OpenAiSdk,
  error: unknown,
  isTimedOut: boolean,
  options: OpenAiProviderOptions,
): Error {
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk;
  if (error instanceof APIConnectionTimeoutError || isTimedOut) {
    return new ModelTimeoutError(options.timeoutMs);
  }
  if (error instanceof APIUserAbortError) {
    return new ModelProviderError('model call was aborted');
  }
  if (error instanceof APIConnectionError) {
    return new ModelProviderError(
      `model endpoint ${options.baseUrl} is unreachable: ${oneLine(describeCause(error))}`,
    );
  }
  if (error instanceof APIError) {
    return new ModelProviderError(
      `model endpoint answered HTTP ${error.status ?? 'error'}: ${oneLine(apiErrorDetail(error))}`,
    );
  }
  if (error instanceof SyntaxError) {
    return new ModelProviderError(
      `model endpoint answered with a body that is not valid JSON: ${error.message}`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ModelProviderError(`model call failed: ${oneLine(message)}`);
}

function apiErrorDetail(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string' && body.message !== '') return body.message;
  // The SDK prefixes its own message with the status, which the caller already states.
  return error.message.replace(/^\d{3}\s*/, '') || 'no error body';
}

function describeCause(error: APIConnectionError): string {
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ENOTFOUND …) in the cause chain.
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return `${code} ${cause.message}`.trim();
    cause = cause.cause;
  }
  return error.cause instanceof Error ? error.cause.message : error.message;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return oneLine(text) || '(empty body)';
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DETAIL_LENGTH ? `${flat.slice(0, MAX_DETAIL_LENGTH)}…` : flat;
}
