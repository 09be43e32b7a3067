import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Appends whole lines to one file; lines never interleave, whatever the concurrency. */
export interface JournalWriter {
  /** Resolves once the line is written to the file (handed to the OS, as `appendFile` did), rejects if it could not be. */
  append(line: string): Promise<void>;
  /** Waits for the lines queued so far to be written, then closes the file (the next append opens it again). */
  close(): Promise<void>;
}

/**
 * The file is closed after this long without a line, so a journal that someone moved or
 * deleted is created again by the next burst, and an idle process holds no handle.
 */
const IDLE_CLOSE_MS = 1_000;

const writers = new Map<string, JournalWriter>();

/**
 * One writer per resolved path in this process, so every bot journaling to the same file
 * shares one queue. The file stays open while lines keep coming; lines queued while a write
 * is in flight go out together in the next write (the file is opened for appending, so each
 * write lands at the end), in call order.
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

/** Flushes and closes every journal of this process (the app's `close`). */
export async function closeJournalWriters(): Promise<void> {
  await Promise.all([...writers.values()].map((writer) => writer.close()));
}

interface QueuedLine {
  text: string;
  written: () => void;
  failed: (error: unknown) => void;
}

function createJournalWriter(file: string): JournalWriter {
  let queued: QueuedLine[] = [];
  let flushing: Promise<void> | undefined;
  let handle: Promise<FileHandle> | undefined;
  let idleTimer: NodeJS.Timeout | undefined;

  const openHandle = (): Promise<FileHandle> =>
    (handle ??= (async () => {
      await mkdir(path.dirname(file), { recursive: true });
      return open(file, 'a');
    })().catch((error: unknown) => {
      handle = undefined;
      throw error;
    }));

  async function closeHandle(): Promise<void> {
    clearTimeout(idleTimer);
    const closing = handle;
    handle = undefined;
    await (await closing?.catch(() => undefined))?.close();
  }

  async function flush(): Promise<void> {
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      try {
        await (await openHandle()).appendFile(batch.map((line) => line.text).join(''), 'utf8');
        for (const line of batch) line.written();
      } catch (error) {
        // Reopen for the next batch: the file may have been fixed (a full disk, permissions).
        await closeHandle().catch(() => undefined);
        for (const line of batch) line.failed(error);
      }
    }
    flushing = undefined;
    idleTimer = setTimeout(() => void closeHandle().catch(() => undefined), IDLE_CLOSE_MS);
    idleTimer.unref();
  }

  return {
    append(line) {
      if (line.includes('\n')) throw new Error('A journal line must not contain a newline');
      return new Promise<void>((written, failed) => {
        queued.push({ text: line + '\n', written, failed });
        clearTimeout(idleTimer);
        flushing ??= flush();
      });
    },
    async close() {
      // Lines appended while waiting start another flush: wait for that too, never close under a write.
      while (flushing) await flushing;
      await closeHandle();
    },
  };
}
