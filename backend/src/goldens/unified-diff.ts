/** One line of an edit script: kept (' '), only in the old text ('-'), only in the new text ('+'). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** Above this many cells the LCS table is skipped and the changed middle shown as replaced wholesale. */
const MAX_LCS_CELLS = 4_000_000;

/** A line edit script from `a` to `b` (longest common subsequence; common prefix and suffix kept cheaply). */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head = a.slice(0, start).map((text): DiffLine => ({ op: ' ', text }));
  const tail = a.slice(endA).map((text): DiffLine => ({ op: ' ', text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  return [...head, ...lcsScript(midA, midB), ...tail];
}

function lcsScript(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_LCS_CELLS) {
    return [
      ...a.map((text): DiffLine => ({ op: '-', text })),
      ...b.map((text): DiffLine => ({ op: '+', text })),
    ];
  }
  // lengths[i][j]: LCS length of a[i..] and b[j..]
  const lengths = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lengths[i] as Uint32Array;
    const below = lengths[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] =
        a[i] === b[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  const script: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      script.push({ op: ' ', text: a[i] as string });
      i++;
      j++;
    } else if ((lengths[i + 1]?.[j] ?? 0) >= (lengths[i]?.[j + 1] ?? 0)) {
      script.push({ op: '-', text: a[i] as string });
      i++;
    } else {
      script.push({ op: '+', text: b[j] as string });
      j++;
    }
  }
  while (i < n) script.push({ op: '-', text: a[i++] as string });
  while (j < m) script.push({ op: '+', text: b[j++] as string });
  return script;
}

export interface UnifiedDiffOptions {
  /** Header lines, e.g. `golden first-meet-kiera turn 1 "…"`; printed after `--- ` and `+++ `. */
  oldLabel: string;
  newLabel: string;
  /** Unchanged lines around each change; Infinity shows the whole text. */
  context: number;
}

/**
 * A unified diff (`---`/`+++` header, `@@ -a,b +c,d @@` hunks) of two line arrays, or '' when they are
 * equal.
 */
export function unifiedDiff(a: readonly string[], b: readonly string[], options: UnifiedDiffOptions): string {
  const script = diffLines(a, b);
  const changed = script.flatMap((line, index) => (line.op === ' ' ? [] : [index]));
  if (changed.length === 0) return '';
  const context = options.context;

  // Group changes whose gap is small enough that their context would touch.
  const groups: Array<[first: number, last: number]> = [];
  for (const index of changed) {
    const current = groups[groups.length - 1];
    if (current && index - current[1] <= 2 * context + 1) current[1] = index;
    else groups.push([index, index]);
  }

  // Line numbers (1-based) in a and b before each script position.
  const oldLineAt: number[] = [];
  const newLineAt: number[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const line of script) {
    oldLineAt.push(oldLine);
    newLineAt.push(newLine);
    if (line.op !== '+') oldLine++;
    if (line.op !== '-') newLine++;
  }

  const out = [`--- ${options.oldLabel}`, `+++ ${options.newLabel}`];
  for (const [first, last] of groups) {
    const from = Math.max(0, first - context);
    const to = Math.min(script.length - 1, last + context);
    const hunk = script.slice(from, to + 1);
    const oldCount = hunk.filter((line) => line.op !== '+').length;
    const newCount = hunk.filter((line) => line.op !== '-').length;
    // A side with no lines names the line before the hunk, as diff -u does.
    const oldStart = oldCount === 0 ? (oldLineAt[from] as number) - 1 : (oldLineAt[from] as number);
    const newStart = newCount === 0 ? (newLineAt[from] as number) - 1 : (newLineAt[from] as number);
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const line of hunk) out.push(`${line.op}${line.text}`);
  }
  return `${out.join('\n')}\n`;
}
