import { loadContent } from './content-loader.js';
import type { Content } from './content-types.js';

/**
 * The content of `dir`, loaded and validated on first use. Admin scripts wire the whole process but
 * most never touch the game content (`--list`, `--percent`, audit, actors): they skip the quarter
 * second of loading it. Servers load eagerly, so a broken content directory stops them at start.
 */
export function lazyContent(dir: string): Content {
  let loaded: Content | undefined;
  const load = () => {
    loaded ??= loadContent(dir);
    return loaded;
  };
  return new Proxy({} as Content, {
    get: (_target, key) => Reflect.get(load(), key),
    has: (_target, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
  });
}
