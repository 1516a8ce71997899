import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ContentError, loadContent } from './content-loader.js';

const SAMPLE = path.resolve(import.meta.dirname, '../../content');
const scratch: string[] = [];

/** A copy of the sample content with one document changed by `edit`. */
function contentWith(file: string, edit: (doc: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'awf-content-'));
  scratch.push(dir);
  cpSync(SAMPLE, dir, { recursive: true });
  const target = path.join(dir, file);
  const doc = JSON.parse(readFileSync(target, 'utf8'));
  edit(doc);
  writeFileSync(target, JSON.stringify(doc));
  return dir;
}

function loadError(dir: string): ContentError {
  try {
    loadContent(dir);
  } catch (error) {
    assert.ok(error instanceof ContentError, String(error));
    return error;
  }
  assert.fail('expected a ContentError');
}

after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('loadContent', () => {
  describe('with the sample world', () => {
    const content = loadContent(SAMPLE);

    it('loads at least 8 scenes and 3 NPCs', () => {
      assert.ok(content.scenesById.size >= 8);
      assert.ok(content.npcsById.size >= 3);
    });

    it('has a forest glade where Kiera watches from the dark', () => {
      const glade = content.scenesById.get('moonlit-glade');
      assert.ok(glade);
      assert.match(glade.name, /glade/i);
      assert.ok(glade.npcs.includes('kiera'));
      assert.match(glade.description, /eyes/);
    });

    it('hashes the content to a stable sha256', () => {
      assert.match(content.hash, /^[0-9a-f]{64}$/);
      assert.equal(loadContent(SAMPLE).hash, content.hash);
    });
  });

  describe('when a document is broken', () => {
    it('names the file and JSON path of a schema violation', () => {
      const dir = contentWith('adventures/watcher-in-the-glade.json', (doc) => {
        const scenes = doc.scenes as Array<{ exits: Array<{ label: unknown }> }>;
        Object.assign(scenes[2]?.exits[0] ?? {}, { label: 42 });
      });
      const error = loadError(dir);
      assert.equal(error.code, 'CONTENT_INVALID');
      assert.match(error.message, /watcher-in-the-glade\.json: \$\.scenes\[2\]\.exits\[0\]\.label: /);
    });

    it('names an exit to an unknown scene', () => {
      const dir = contentWith('adventures/watcher-in-the-glade.json', (doc) => {
        const scenes = doc.scenes as Array<{ exits: Array<{ to: string }> }>;
        Object.assign(scenes[0]?.exits[0] ?? {}, { to: 'nowhere' });
      });
      assert.match(loadError(dir).message, /\$\.scenes\[0\]\.exits\[0\]\.to: unknown scene "nowhere"/);
    });

    it('names an act the core contract does not allow', () => {
      const dir = contentWith('core/contract.json', (doc) => {
        doc.acts = (doc.acts as Array<{ type: string }>).filter((act) => act.type !== 'ADD_ITEM');
      });
      assert.match(
        loadError(dir).message,
        /acts\[0\]\.type: act ADD_ITEM is not in the core contract's catalog/,
      );
    });

    it('names an unknown item in the start document', () => {
      const dir = contentWith('start.json', (doc) => {
        doc.inventory = ['sword'];
      });
      assert.match(loadError(dir).message, /start\.json: \$\.inventory\[0\]: unknown item "sword"/);
    });

    it('names a file that is not JSON', () => {
      const dir = contentWith('start.json', () => {});
      writeFileSync(path.join(dir, 'worlds', 'whispering-wood.json'), '{ not json');
      assert.match(loadError(dir).message, /whispering-wood\.json: \$: /);
    });

    it('changes the hash when any document changes', () => {
      const dir = contentWith('worlds/whispering-wood.json', (doc) => {
        doc.tone = 'grim';
      });
      assert.notEqual(loadContent(dir).hash, loadContent(SAMPLE).hash);
    });
  });
});
