import { existsSync, readFileSync } from 'node:fs';
import type { JournalEntry } from '../../../src/targets/journal-target.js';

/** One line the journal target writes. */
export type JournalLine = JournalEntry;

/**
 * Every event line of the journal, in the order it was written; a missing file is an empty
 * journal. Session-closed notice lines (`"event": "session-closed"`) are left out.
 */
export function readJournal(file: string): JournalLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as JournalLine & { event?: string };
      } catch {
        throw new Error(`${file}:${i + 1} is not a JSON line`);
      }
    })
    .filter((line) => line.event !== 'session-closed');
}

/** bot → session → lines, each in processing order. */
export function groupBySession(lines: readonly JournalLine[]): Map<string, Map<string, JournalLine[]>> {
  const bots = new Map<string, Map<string, JournalLine[]>>();
  for (const line of lines) {
    const sessions = bots.get(line.bot) ?? new Map<string, JournalLine[]>();
    bots.set(line.bot, sessions);
    // A bot without sessions (strategy none) writes sessionId null: its lines share one unordered group.
    const session = line.sessionId ?? '(no session)';
    sessions.set(session, [...(sessions.get(session) ?? []), line]);
  }
  return bots;
}
