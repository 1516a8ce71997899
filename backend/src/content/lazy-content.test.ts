import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadContent } from './content-loader.js';
import { lazyContent } from './lazy-content.js';

const CONTENT_DIR = path.resolve(import.meta.dirname, '../../content');

describe('lazyContent', () => {
  it('reads nothing until used: a missing directory fails only at first use', () => {
    const content = lazyContent('/nonexistent-awf-content');
    assert.throws(() => content.contract, /nonexistent-awf-content/);
  });

  it('answers as the loaded content once used', () => {
    const lazy = lazyContent(CONTENT_DIR);
    const eager = loadContent(CONTENT_DIR);
    assert.deepEqual(lazy.contract, eager.contract);
    assert.equal(lazy.scenesById.size, eager.scenesById.size);
    assert.deepEqual(Object.keys(lazy).sort(), Object.keys(eager).sort());
  });
});
