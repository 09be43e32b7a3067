import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** Appends whole lines to one file; lines never interleave, whatever the concurrency. */
export interface JournalWriter {
  append(line: string): Promise<void>;
}

const writers = new Map<string, JournalWriter>();

/**
 * One writer per resolved path in this process, so every bot journaling to the same file
 * shares one queue. Each line is a single `appendFile` (O_APPEND, one write), and the queue
 * keeps this process's lines in call order.
 */
export function journalWriter(file: string): JournalWriter {
  const resolved = path.resolve(file);
  let writer = writers.get(resolved);
  if (!writer) {
    writer = createJournalWriter(resolved);
    writers.set(resolved, writer);
  }
  return writer;
}

function createJournalWriter(file: string): JournalWriter {
  let directoryReady: Promise<unknown> | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  return {
    append(line) {
      if (line.includes('\n')) throw new Error('A journal line must not contain a newline');
      const write = tail.then(async () => {
        directoryReady ??= mkdir(path.dirname(file), { recursive: true }).catch((error: unknown) => {
          directoryReady = undefined;
          throw error;
        });
        await directoryReady;
        await appendFile(file, line + '\n', 'utf8');
      });
      // A failed write fails its own caller only; the next line still gets its turn.
      tail = write.catch(() => undefined);
      return write;
    },
  };
}
