import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((name) => `docs/${name}`)].filter(
  (file) => file.endsWith('.md'),
);

/** Relative Markdown link targets of a document (no URLs, no in-page anchors). */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => (match[1] as string).split('#')[0] as string)
    .filter((target) => target !== '' && !/^[a-z]+:/i.test(target));
}

describe('the README and docs/', () => {
  it('link only to files inside this repository, which exist in a fresh clone', () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      const from = path.dirname(path.join(ROOT, doc));
      for (const target of relativeLinks(readFileSync(path.join(ROOT, doc), 'utf8'))) {
        const resolved = path.resolve(from, target);
        const inside = !path.relative(ROOT, resolved).startsWith('..');
        if (!inside || !existsSync(resolved)) broken.push(`${doc} → ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('describe the rollout plan in our own docs', () => {
    const plan = readFileSync(path.join(ROOT, 'docs/rollout-plan.md'), 'utf8');
    for (const heading of ['## The phases', '## Rolling back', '## Decommissioning legacy']) {
      assert.ok(plan.includes(heading), `docs/rollout-plan.md has "${heading}"`);
    }
    assert.match(readFileSync(path.join(ROOT, 'README.md'), 'utf8'), /\]\(docs\/rollout-plan\.md\)/);
  });
});
