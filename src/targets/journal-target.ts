import type { BotDefinition } from '../bots/bot-config-schema.js';
import { TransientError } from '../errors/delivery-errors.js';
import type { BotTarget, TargetInput } from './bot-target.js';
import { journalWriter } from './journal-writer.js';

/** One line of the journal: what a bot would have acted on, in the order it would have. */
export interface JournalEntry {
  bot: string;
  /** Null, with generation and index, for a bot without sessions (strategy none). */
  sessionId: string | null;
  generation: number | null;
  index: number | null;
  deliveryId: string;
  eventType: string;
  action: string | null;
  entityType: string;
  entityId: string | null;
  receivedAt: string;
  processedAt: string;
}

export function journalEntry(bot: string, { envelope, session }: TargetInput, processedAt: Date): JournalEntry {
  return {
    bot,
    sessionId: session?.id ?? null,
    generation: session?.generation ?? null,
    index: session?.index ?? null,
    deliveryId: envelope.eventId,
    eventType: envelope.eventType,
    action: envelope.action,
    entityType: envelope.entityType,
    entityId: envelope.entityId,
    receivedAt: envelope.metadata.receivedAt,
    processedAt: processedAt.toISOString(),
  };
}

export function createJournalTarget(bot: BotDefinition, deps: { journalPath: string; now: () => Date }): BotTarget {
  const writer = journalWriter(deps.journalPath);
  const append = async (line: string) => {
    try {
      await writer.append(line);
    } catch (error) {
      // A full disk or a permissions slip can be fixed; retrying in order is right.
      throw new TransientError(`Could not append to the journal ${deps.journalPath}: ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    async sessionClosed(notice) {
      await append(JSON.stringify({ bot: bot.name, event: 'session-closed', ...notice, processedAt: deps.now().toISOString() }));
    },
    async deliver(input) {
      await append(JSON.stringify(journalEntry(bot.name, input, deps.now())));
    },
  };
}
