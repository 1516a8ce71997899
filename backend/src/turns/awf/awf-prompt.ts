import type { Content } from '../../content/content-types.js';
import type { ChatMessage } from '../../model/model-provider.js';

/** The AWF conversation: the contract's instructions as system prompt, the bundle as the user turn. */
export function awfMessages(content: Content, bundleJson: string): ChatMessage[] {
  return [
    { role: 'system', content: content.contract.instructions.join('\n') },
    { role: 'user', content: bundleJson },
  ];
}

/** One retry: show the model its invalid answer and the validator's findings. */
export function repairMessages(
  first: ChatMessage[],
  invalidAnswer: string,
  errors: readonly string[],
): ChatMessage[] {
  return [
    ...first,
    { role: 'assistant', content: invalidAnswer },
    {
      role: 'user',
      content: `Your answer was rejected by the validator:\n${errors.map((e) => `- ${e}`).join('\n')}\nAnswer again with one corrected JSON object only.`,
    },
  ];
}
