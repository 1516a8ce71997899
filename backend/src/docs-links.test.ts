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

  it('give the decommission a runbook of the seed’s four steps, linked from the README and the rollout plan', () => {
    const runbook = readFileSync(path.join(ROOT, 'docs/decommission-runbook.md'), 'utf8');
    for (const heading of [
      '## The gate: `awf-decommission.ts check`',
      '## Step 1: AWF answers everyone',
      '## Step 2: legacy only behind its switch',
      '## Step 3: one release with the emergency switch',
      '## Step 4: remove legacy',
    ]) {
      assert.ok(runbook.includes(heading), `docs/decommission-runbook.md has "${heading}"`);
    }
    // Every step says what to run or do, what to look at and how to go back.
    assert.equal(runbook.match(/^Look at:/gm)?.length, 4);
    assert.equal(runbook.match(/^Go back:/gm)?.length, 4);
    assert.match(readFileSync(path.join(ROOT, 'README.md'), 'utf8'), /\]\(docs\/decommission-runbook\.md\)/);
    const plan = readFileSync(path.join(ROOT, 'docs/rollout-plan.md'), 'utf8');
    assert.match(plan, /\]\(decommission-runbook\.md\)/);
  });

  it('name in the decommission runbook only code paths that exist (its test, and what step 4 removes)', () => {
    const runbook = readFileSync(path.join(ROOT, 'docs/decommission-runbook.md'), 'utf8');
    const paths = [...runbook.matchAll(/`(backend\/[\w./-]+)`/g)].map((match) => match[1] as string);
    assert.ok(paths.includes('backend/scripts/decommission-runbook.e2e.test.ts'));
    assert.ok(paths.includes('backend/src/turns/legacy/'));
    assert.deepEqual(
      paths.filter((file) => !existsSync(path.join(ROOT, file))),
      [],
    );
  });
});
