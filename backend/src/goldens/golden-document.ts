import type { Pipeline } from '../game/game-types.js';
import type { Scenario } from './scenario.js';
import type { PlayedScenario } from './scenario-player.js';

/**
 * Bump when the golden document's shape or scrubbing changes: every golden then shows the new value
 * in its meta diff and is re-recorded on purpose.
 */
export const HARNESS_VERSION = '1';

/** What a golden file holds: metadata, the opening and every turn, volatile fields scrubbed. */
export interface GoldenDocument {
  meta: {
    harnessVersion: string;
    scenario: string;
    sessionSeed: number;
    pipeline: Pipeline;
    model: { provider: string } & Scenario['model'];
    contentHash: string;
    awfVersion: string;
  };
  opening: unknown;
  turns: Array<{ turn: number; input: string } & Record<string, unknown>>;
}

/** The golden document of a played scenario, scrubbed (not yet serialized). */
export function goldenDocumentOf(
  scenario: Scenario,
  pipeline: Pipeline,
  played: PlayedScenario,
): GoldenDocument {
  return scrubVolatile({
    meta: {
      harnessVersion: HARNESS_VERSION,
      scenario: scenario.name,
      sessionSeed: scenario.sessionSeed,
      pipeline,
      model: { provider: played.modelProvider, ...scenario.model },
      contentHash: played.contentHash,
      awfVersion: played.awfVersion,
    },
    opening: played.opening,
    turns: played.turns.map((turn) => ({ ...turn })),
  });
}

/** Fields whose values change every run although nothing changed: identity matters, so same value → same number. */
const IDENTITY_KEYS = new Set(['sessionId', 'turnId', 'runId']);
/** Fields that differ every run and carry no identity: numbered in order of appearance. */
const OCCURRENCE_KEYS: Record<string, string> = {
  latencyMs: 'latencyMs',
  durationMs: 'durationMs',
  createdAt: 'timestamp',
  updatedAt: 'timestamp',
  recordedAt: 'timestamp',
  startedAt: 'timestamp',
};
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Replace volatile values with numbered placeholders: `<sessionId-1>`, `<turnId-2>`, `<timestamp-3>`,
 * `<latencyMs-1>`. Walks keys in sorted order, so numbering is the same on every run; an id that also
 * appears inside another string (a turn id embeds its session id) is replaced there too.
 */
export function scrubVolatile<T>(value: T): T {
  const identities = new Map<string, string>();
  const counters = new Map<string, number>();
  const next = (kind: string): number => {
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    return n;
  };

  const collect = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) {
      for (const child of node) collect(child);
    } else if (node && typeof node === 'object') {
      for (const childKey of Object.keys(node).sort())
        collect((node as Record<string, unknown>)[childKey], childKey);
    } else if (
      key !== undefined &&
      IDENTITY_KEYS.has(key) &&
      typeof node === 'string' &&
      !identities.has(node)
    ) {
      identities.set(node, `<${key}-${next(key)}>`);
    }
  };
  collect(value);
  // Longest first, so a session id never replaces part of a turn id that embeds it.
  const embedded = [...identities.entries()].sort(([a], [b]) => b.length - a.length);

  const rewrite = (node: unknown, key?: string): unknown => {
    if (Array.isArray(node)) return node.map((child) => rewrite(child));
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const childKey of Object.keys(node).sort()) {
        out[childKey] = rewrite((node as Record<string, unknown>)[childKey], childKey);
      }
      return out;
    }
    if (key !== undefined && IDENTITY_KEYS.has(key) && typeof node === 'string') return identities.get(node);
    const kind = key === undefined ? undefined : OCCURRENCE_KEYS[key];
    if (kind !== undefined && node !== undefined && node !== null) return `<${kind}-${next(kind)}>`;
    if (typeof node === 'string') {
      if (ISO_TIMESTAMP.test(node)) return `<timestamp-${next('timestamp')}>`;
      return embedded.reduce((text, [id, placeholder]) => text.split(id).join(placeholder), node);
    }
    return node;
  };
  counters.clear();
  return rewrite(value) as T;
}

/** Sorted keys, two-space indent, LF, a trailing newline: the bytes a golden file holds. */
export function serializeGolden(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** A named part of a golden document, compared and diffed on its own. */
export interface GoldenSection {
  /** `meta`, `opening`, `turn 3`. */
  id: string;
  /** For the diff header: the turn's input. */
  input?: string;
  lines: string[];
}

/** Split a golden document into meta, opening and one section per turn (so a diff names its turn). */
export function sectionsOf(document: unknown): GoldenSection[] {
  const doc = (document ?? {}) as Partial<Record<string, unknown>>;
  const lines = (value: unknown): string[] => JSON.stringify(sortKeys(value ?? null), null, 2).split('\n');
  const sections: GoldenSection[] = [
    { id: 'meta', lines: lines(doc.meta) },
    { id: 'opening', lines: lines(doc.opening) },
  ];
  const turns = Array.isArray(doc.turns) ? doc.turns : [];
  turns.forEach((turn, i) => {
    const input = (turn as { input?: unknown } | null)?.input;
    sections.push({
      id: `turn ${i + 1}`,
      ...(typeof input === 'string' ? { input } : {}),
      lines: lines(turn),
    });
  });
  return sections;
}
