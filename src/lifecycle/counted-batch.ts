import type { ClosedGeneration, TouchResult } from './session-context.js';
import type { CountedBatch, PlaceRun } from './session-record.js';

export type { CountedBatch, PlaceRun } from './session-record.js';

/** Runs from the places, in order. */
export function runsOf(places: readonly TouchResult[]): PlaceRun[] {
  const runs: PlaceRun[] = [];
  for (const { session, closed } of places) {
    const last = runs.at(-1);
    if (last !== undefined && closed === null && last.generation === session.generation && last.firstIndex + last.count === session.index) {
      last.count++;
      continue;
    }
    runs.push({ generation: session.generation, firstIndex: session.index, count: 1, ...(closed === null ? {} : { closed }) });
  }
  return runs;
}

/** The places again, one per counted message, in order. */
export function placesOf(batch: CountedBatch, sessionId: string): TouchResult[] {
  const places: TouchResult[] = [];
  for (const run of batch.runs) {
    for (let n = 0; n < run.count; n++) {
      const index = run.firstIndex + n;
      places.push({
        session: { id: sessionId, generation: run.generation, index, isNew: index === 1 },
        closed: n === 0 && run.closed !== undefined ? run.closed : null,
      });
    }
  }
  return places;
}

// A Table string property holds 32 Ki UTF-16 characters:
// https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#property-types
const MAX_COLUMN_CHARS = 32_000;

/**
 * The batch as a Table column (JSON), or undefined when it does not fit one (a batch crossing
 * hundreds of generations: maxMessagesPerSession far below the batch size). Then only the last
 * message is known as counted (by the record's `lastMessageId`), as for single messages.
 */
export function encodeCountedBatch(batch: CountedBatch): string | undefined {
  const text = JSON.stringify({
    first: batch.firstSequenceNumber.toString(),
    last: batch.lastSequenceNumber.toString(),
    ...(batch.deliveredThrough === undefined ? {} : { delivered: batch.deliveredThrough.toString() }),
    runs: batch.runs.map((run) => ({
      ...run,
      ...(run.closed === undefined
        ? {}
        : {
            closed: {
              ...run.closed,
              openedAt: run.closed.openedAt.toISOString(),
              lastActivityAt: run.closed.lastActivityAt.toISOString(),
              closedAt: run.closed.closedAt.toISOString(),
            },
          }),
    })),
  });
  return text.length <= MAX_COLUMN_CHARS ? text : undefined;
}

/** The column read back; undefined when absent or not one this code wrote (then it is ignored: the record's `lastMessageId` still guards the last message). */
export function decodeCountedBatch(text: unknown): CountedBatch | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    const raw = JSON.parse(text) as {
      first: string;
      last: string;
      delivered?: string;
      runs: Array<Omit<PlaceRun, 'closed'> & { closed?: Record<string, unknown> }>;
    };
    if (!Array.isArray(raw.runs)) return undefined;
    const runs = raw.runs.map((run): PlaceRun => {
      if (![run.generation, run.firstIndex, run.count].every((n) => Number.isSafeInteger(n) && n >= 0)) throw new Error('bad run');
      if (run.closed === undefined) return { generation: run.generation, firstIndex: run.firstIndex, count: run.count };
      const closed = run.closed as unknown as ClosedGeneration & Record<'openedAt' | 'lastActivityAt' | 'closedAt', string>;
      return {
        generation: run.generation,
        firstIndex: run.firstIndex,
        count: run.count,
        closed: {
          generation: closed.generation,
          reason: closed.reason,
          messageCount: closed.messageCount,
          openedAt: validDate(closed.openedAt),
          lastActivityAt: validDate(closed.lastActivityAt),
          closedAt: validDate(closed.closedAt),
        },
      };
    });
    const batch: CountedBatch = { firstSequenceNumber: BigInt(raw.first), lastSequenceNumber: BigInt(raw.last), runs };
    if (typeof raw.delivered === 'string') batch.deliveredThrough = BigInt(raw.delivered);
    return batch;
  } catch {
    return undefined;
  }
}

function validDate(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error('bad date');
  return date;
}
