import type { Config } from '../config/config.js';
import type { Content } from '../content/content-types.js';
import { createLocalProvider } from './local/local-provider.js';
import type { ModelProvider } from './model-provider.js';
import { createOpenAiProvider } from './openai-provider.js';

/** The provider AWF_MODEL_PROVIDER names, configured from the model slice of config. */
export function createModelProvider(model: Config['model'], content: Content): ModelProvider {
  if (model.provider === 'openai') {
    return createOpenAiProvider({ ...model.openai, timeoutMs: model.timeoutMs });
  }
  return createLocalProvider({ content, ...model.local, timeoutMs: model.timeoutMs });
}
