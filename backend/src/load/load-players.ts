import type { SeededRandom } from '../shared/seeded-random.js';

/** What a player says when it does not pick a choice: the things people type into the sample world. */
const FREE_TEXT = [
  'look around',
  'I step into the glade and look toward the eyes.',
  'listen carefully',
  'talk to Kiera',
  'ask Mara about the watcher',
  'greet Brother Aldric',
  'search the ground for tracks',
  'wait quietly and watch the trees',
  'go back the way I came',
  'light the lantern',
  'call out: is anyone there?',
  'follow the path deeper into the wood',
  'examine the old stones',
  'ask Osk what he saw last night',
  'rest for a moment',
] as const;

/** A choice as the server offers it. */
export interface OfferedChoice {
  id: string;
  label: string;
}

/**
 * The next input of a realistic player: mostly one of the choices the previous answer offered (as
 * its number, or its label typed out), otherwise free text.
 */
export function nextInput(random: SeededRandom, choices: readonly OfferedChoice[]): string {
  const roll = random.next();
  if (choices.length > 0 && roll < 0.45) return String(random.int(choices.length) + 1);
  if (choices.length > 0 && roll < 0.65) return random.pick(choices).label;
  return random.pick(FREE_TEXT);
}
