import { open, readFile, stat } from 'node:fs/promises';
import type { AuditCheckpoint } from './audit-checkpoints.js';

/**
 * An append-only sink outside the database that keeps a copy of every checkpoint, one JSON object per
 * line in the format `audit-logs.ts --export-checkpoints` prints and `--verify --checkpoints FILE`
 * reads. A forger who rewrites the log and the checkpoint table cannot rewrite these copies.
 */
export interface AuditWitness {
  /** Where the copies go, for messages. */
  readonly target: string;
  /** The highest checkpoint seq the sink already holds (0: none), read once when it is first needed. */
  lastSeq(): Promise<number>;
  /** Appends the checkpoints (in seq order) and makes them durable (fsync) before resolving. */
  append(checkpoints: readonly AuditCheckpoint[]): Promise<void>;
}

/** How much of the file's end is read to find the last checkpoint it holds. */
const TAIL_BYTES = 64 * 1024;

/** A witness file (AWF_AUDIT_WITNESS_FILE): opened for append on every write, fsync'd, never rewritten. */
export function createFileWitness(file: string): AuditWitness {
  /** True when the file's last byte is not a newline (a write cut short): the next write starts a new line. */
  let needsNewline = false;
  return {
    target: file,

    async lastSeq() {
      let text: string;
      try {
        const size = (await stat(file)).size;
        const handle = await open(file, 'r');
        try {
          const length = Math.min(size, TAIL_BYTES);
          const buffer = Buffer.alloc(length);
          await handle.read(buffer, 0, length, size - length);
          text = buffer.toString('utf8');
        } finally {
          await handle.close();
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw error;
      }
      needsNewline = text.length > 0 && !text.endsWith('\n');
      const lines = text.split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        try {
          const seq = (JSON.parse(lines[i] as string) as { seq?: unknown }).seq;
          if (typeof seq === 'number' && Number.isInteger(seq) && seq > 0) return seq;
        } catch {
          // A partial line (the first one of the tail, or a write cut short): look further back.
        }
      }
      return 0;
    },

    async append(checkpoints) {
      if (checkpoints.length === 0) return;
      const text = `${needsNewline ? '\n' : ''}${checkpoints.map((c) => JSON.stringify(c)).join('\n')}\n`;
      const handle = await open(file, 'a', 0o600);
      try {
        await handle.appendFile(text, 'utf8');
        await handle.sync();
        needsNewline = false;
      } finally {
        await handle.close();
      }
    },
  };
}

/** Reads a whole witness file back (tests and tools); the CLI's --checkpoints reader validates it. */
export async function readWitnessFile(file: string): Promise<AuditCheckpoint[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditCheckpoint);
}
