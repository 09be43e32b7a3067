import { setTimeout as delay } from 'node:timers/promises';
import { odata, type TableClient, type TableEntity, type TableEntityResult } from '@azure/data-tables';
import { TransientError } from '../errors/delivery-errors.js';
import { createTableOnce } from '../transport/create-table-once.js';
import { isTableMissing, statusOf } from '../transport/table-errors.js';
import { decodeRowKey, encodeRowKey } from './encode-row-key.js';
import { decodeCountedBatch, encodeCountedBatch } from './counted-batch.js';
import { planBatchTouch } from './plan-batch-touch.js';
import { planTouch } from './plan-touch.js';
import { rememberRecords } from './remember-records.js';
import type { BatchSessionToucher, BatchTouchResult, TouchOptions, TouchResult } from './session-context.js';
import {
  CLOSE_REASONS,
  withoutEtag,
  type CloseReason,
  type SessionRecord,
  type SessionState,
  type StoredSessionRecord,
} from './session-record.js';
import type { SessionLimits } from './should-close-session.js';

export type CloseResult =
  | { outcome: 'closed'; record: SessionRecord }
  | { outcome: 'alreadyClosed'; record: SessionRecord }
  /** The record changed after the caller's read (a message touched it): left open. */
  | { outcome: 'changed' }
  | { outcome: 'notFound' };

export interface SessionStore extends BatchSessionToucher {
  get(bot: string, sessionId: string): Promise<StoredSessionRecord | undefined>;
  list(bot: string, filter?: { state?: SessionState }): Promise<StoredSessionRecord[]>;
  /**
   * Closes the current generation. Given the record the caller decided on (the janitor's
   * read), one write closes it only if nothing touched it since; otherwise the record is read
   * and closed whatever it holds (an operator's close).
   */
  close(bot: string, sessionId: string, reason: CloseReason, at?: Date, options?: { expected?: StoredSessionRecord }): Promise<CloseResult>;
  /** Deletes records closed before `olderThan`, unless a message reopened them meanwhile or they are held; returns their ids. */
  purgeClosed(bot: string, olderThan: Date): Promise<string[]>;
  /**
   * Replaces the record with `next` if it is still `expected` (If-Match; a create when
   * `expected` is undefined): the hold marker's writes. 'conflict' when it changed meanwhile.
   */
  replaceIf(expected: StoredSessionRecord | undefined, next: SessionRecord): Promise<StoredSessionRecord | 'conflict'>;
  /** Closed records whose session-closed notice is not yet on the bot's queue. */
  listPendingNotices(bot: string): Promise<StoredSessionRecord[]>;
  /** Marks the notice of this closed record as sent (ignored if the record changed meanwhile: a reopen drops the mark anyway). */
  markNoticeSent(record: StoredSessionRecord): Promise<void>;
}

export interface TableSessionStoreOptions {
  tableClient: TableClient;
  now?: () => Date;
  /**
   * Attempts per touch or close when writes conflict. A session's messages are processed one
   * at a time, so conflicts come from the janitor or a lock handover and are rare; the margin
   * is for many writers racing on one record.
   */
  maxAttempts?: number;
  /**
   * Each bot's limits, which the touch applies at once (`planTouch`); a bot without limits
   * here is only closed by the janitor and operators.
   */
  limitsOf?: (bot: string) => SessionLimits | undefined;
  /** Records remembered per bot between messages, so a touch needs no read (default 1000; 0 = read every time). */
  maxRememberedPerBot?: number;
}

/** Table columns besides the keys; `bot` is the PartitionKey, `previous` is flattened. */
type SessionEntity = Omit<SessionRecord, 'bot' | 'previous' | 'hold' | 'countedBatch'> & {
  /** JSON (`encodeCountedBatch`). */
  countedBatch?: string;
  holdMessageId?: string;
  holdReason?: string;
  holdSince?: Date;
  previousReason?: string;
  previousMessageCount?: number;
  previousOpenedAt?: Date;
  previousLastActivityAt?: Date;
};

/**
 * The lifecycle table: PartitionKey = bot, RowKey = `encodeRowKey(sessionId)`, the raw id in
 * `sessionId`. Every write is guarded by the ETag of the record it is based on (or is a create,
 * which fails if the row exists), and retried from a fresh read on 412 / 409: counts are
 * never lost and a close never lands on a record it did not see.
 *
 * The session lock makes the receiver the only writer of its session, so the store remembers
 * the record and ETag of its last write (`rememberRecords`): a session's next message costs one
 * conditional write and no read; a redelivery of the last message, nothing. Only a session this
 * process does not know (new, or last written elsewhere / long ago) is read first; a record
 * changed elsewhere meanwhile costs one 412 and a re-read.
 * The table is created once per process, before the first insert (again if it was deleted).
 */
export function createTableSessionStore(options: TableSessionStoreOptions): SessionStore {
  const { tableClient } = options;
  const now = options.now ?? (() => new Date());
  const maxAttempts = options.maxAttempts ?? 100;
  const limitsOf = options.limitsOf ?? (() => undefined);
  const remembered = rememberRecords(options.maxRememberedPerBot ?? 1000);

  const table = createTableOnce(tableClient);

  /** Inserts a new record; returns its ETag. */
  async function create(entity: TableEntity<SessionEntity>): Promise<string | undefined> {
    return (await table.write(() => tableClient.createEntity(entity))).etag;
  }

  async function read(bot: string, sessionId: string): Promise<StoredSessionRecord | undefined> {
    try {
      const entity = await tableClient.getEntity<SessionEntity>(bot, encodeRowKey(sessionId));
      return toRecord(entity);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Every record the filter matches (none while the table does not exist). */
  async function query(filter: string): Promise<StoredSessionRecord[]> {
    const records: StoredSessionRecord[] = [];
    for await (const entity of ignoreMissingTable(tableClient.listEntities<SessionEntity>({ queryOptions: { filter } }))) {
      records.push(toRecord(entity));
    }
    return records;
  }

  async function retrying<T>(what: string, attempt: () => Promise<T | typeof CONFLICT>): Promise<T> {
    for (let n = 1; n <= maxAttempts; n++) {
      const result = await attempt();
      if (result !== CONFLICT) return result;
      // Jittered, growing pause so racing writers spread out instead of colliding again.
      await delay(Math.random() * Math.min(50, 2 ** n));
    }
    throw new TransientError(`${what}: still conflicting after ${maxAttempts} attempts`);
  }

  /**
   * What a touch starts from: what `look` just answered (`options.known`; null: no record), else what this
   * process remembers, else nothing for a session named after its first message (new), else UNREAD (read it).
   */
  function startFrom(bot: string, sessionId: string, firstMessageId: string, at: Date, options: TouchOptions): Known {
    if (options.known === null) return undefined;
    return options.known ?? remembered.recall(bot, sessionId, at, limitsOf(bot)) ?? firstGuess(sessionId, firstMessageId);
  }

  /**
   * One conditional write of a record (`write` returns its new ETag), then what this process remembers: the
   * record with that ETag, or nothing. On 412 / 409, or 404 on an update (the janitor purged the closed record
   * since, or the table is gone), what it knew is forgotten and CONFLICT says: read again and plan again.
   */
  async function writeRecord(
    record: SessionRecord,
    write: { creates: boolean; run: () => Promise<string | undefined> },
  ): Promise<string | undefined | typeof CONFLICT> {
    let etag: string | undefined;
    try {
      etag = await write.run();
    } catch (error) {
      remembered.forget(record.bot, record.sessionId);
      if (isConflict(error) || (!write.creates && statusOf(error) === 404)) return CONFLICT;
      throw error;
    }
    if (etag === undefined) remembered.forget(record.bot, record.sessionId);
    else remembered.remember({ ...record, etag });
    return etag;
  }

  return {
    async look(bot, sessionId, at) {
      const recalled = remembered.recall(bot, sessionId, at, limitsOf(bot));
      if (recalled !== undefined) return recalled;
      const current = await read(bot, sessionId);
      if (current !== undefined) remembered.remember(current);
      return current ?? null;
    },

    async touch(bot, sessionId, messageId, at, options = {}): Promise<TouchResult> {
      requireText('bot', bot);
      requireText('sessionId', sessionId);
      requireText('messageId', messageId);
      const rowKey = encodeRowKey(sessionId);
      let known = startFrom(bot, sessionId, messageId, at, options);
      return retrying(`touch of session "${sessionId}" of bot "${bot}"`, async () => {
        const current = known === UNREAD ? await read(bot, sessionId) : known;
        const plan = planTouch(current, bot, sessionId, messageId, at, limitsOf(bot), { draining: options.draining === true });
        const written = await writeRecord(plan.record, {
          creates: plan.kind === 'create',
          run: async () => {
            switch (plan.kind) {
              case 'unchanged':
              case 'held':
                return plan.record.etag;
              case 'create':
                return create(toEntity(plan.record));
              case 'reopen':
                return (await tableClient.updateEntity(toEntity(plan.record), 'Replace', { etag: plan.etag })).etag;
              case 'count':
                return (await tableClient.updateEntity({ partitionKey: bot, rowKey, ...plan.changes }, 'Merge', { etag: plan.etag })).etag;
            }
          },
        });
        if (written === CONFLICT) {
          known = UNREAD;
          return CONFLICT;
        }
        return plan.result;
      });
    },

    async touchBatch(bot, sessionId, messages, at, options = {}): Promise<BatchTouchResult> {
      requireText('bot', bot);
      requireText('sessionId', sessionId);
      for (const message of messages) requireText('messageId', message.messageId);
      let known = startFrom(bot, sessionId, messages[0]?.messageId ?? '', at, options);
      return retrying(`batch touch of session "${sessionId}" of bot "${bot}"`, async () => {
        const current = known === UNREAD ? await read(bot, sessionId) : known;
        const plan = planBatchTouch(current, bot, sessionId, messages, at, limitsOf(bot));
        if (plan.kind === 'held') return { held: plan.hold, places: [], countedThrough: () => undefined };
        const etag = await writeRecord(plan.record, {
          creates: plan.write === 'create',
          run: async () => {
            if (plan.write === 'create') return create(toEntity(plan.record));
            if (plan.write === 'replace')
              return (await tableClient.updateEntity(toEntity(plan.record), 'Replace', { etag: current!.etag })).etag;
            return current?.etag;
          },
        });
        if (etag === CONFLICT) {
          known = UNREAD;
          return CONFLICT;
        }
        return {
          places: plan.places,
          ...(plan.deliveredThrough === undefined ? {} : { deliveredThrough: plan.deliveredThrough }),
          countedThrough: (i) => {
            const record = plan.through(i);
            return record === undefined || etag === undefined ? undefined : { ...record, etag };
          },
        };
      });
    },

    async markDelivered(bot, sessionId, sequenceNumber, at) {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const current = remembered.recall(bot, sessionId, at, limitsOf(bot)) ?? (await read(bot, sessionId));
        const batch = current?.countedBatch;
        // Only within the batch counted last, and never backwards.
        if (current === undefined || batch === undefined || sequenceNumber > batch.lastSequenceNumber) return;
        if (batch.deliveredThrough !== undefined && batch.deliveredThrough >= sequenceNumber) return;
        const countedBatch = { ...batch, deliveredThrough: sequenceNumber };
        const column = encodeCountedBatch(countedBatch);
        if (column === undefined) return;
        const written = await writeRecord(
          { ...current, countedBatch },
          {
            creates: false,
            run: async () =>
              (
                await tableClient.updateEntity({ partitionKey: bot, rowKey: encodeRowKey(sessionId), countedBatch: column }, 'Merge', {
                  etag: current.etag,
                })
              ).etag,
          },
        );
        if (written !== CONFLICT) return;
      }
    },

    get: (bot, sessionId) => read(bot, sessionId),

    async replaceIf(expected, next) {
      const entity = toEntity(next);
      try {
        const etag =
          expected === undefined ? await create(entity) : (await tableClient.updateEntity(entity, 'Replace', { etag: expected.etag })).etag;
        if (etag === undefined) {
          remembered.forget(next.bot, next.sessionId);
          const reread = await read(next.bot, next.sessionId);
          if (reread === undefined) return 'conflict';
          return reread;
        }
        const stored = { ...next, etag };
        remembered.remember(stored);
        return stored;
      } catch (error) {
        remembered.forget(next.bot, next.sessionId);
        if (isConflict(error) || statusOf(error) === 404) return 'conflict';
        throw error;
      }
    },

    listPendingNotices: (bot) => query(odata`PartitionKey eq ${bot} and state eq ${'closed'} and closeNotice eq ${'pending'}`),

    async markNoticeSent(record) {
      try {
        await tableClient.updateEntity({ partitionKey: record.bot, rowKey: encodeRowKey(record.sessionId), closeNotice: 'sent' }, 'Merge', {
          etag: record.etag,
        });
        remembered.forget(record.bot, record.sessionId);
      } catch (error) {
        if (!isConflict(error) && statusOf(error) !== 404) throw error;
      }
    },

    list: (bot, filter = {}) =>
      query(filter.state === undefined ? odata`PartitionKey eq ${bot}` : odata`PartitionKey eq ${bot} and state eq ${filter.state}`),

    async close(bot, sessionId, reason, at = now(), { expected } = {}) {
      if (!CLOSE_REASONS.includes(reason)) throw new Error(`close reason must be one of ${CLOSE_REASONS.join(', ')}, got "${reason}"`);
      const closeIfUnchanged = async (current: StoredSessionRecord): Promise<CloseResult | typeof CONFLICT> => {
        if (current.state === 'closed') return { outcome: 'alreadyClosed', record: withoutEtag(current) };
        // The bot is told of this close by a message on its queue; `pending` until that is sent (the janitor resends).
        const changes = { state: 'closed' as const, closedAt: at, closeReason: reason, closeNotice: 'pending' as const };
        remembered.forget(bot, sessionId);
        try {
          await tableClient.updateEntity({ partitionKey: bot, rowKey: encodeRowKey(sessionId), ...changes }, 'Merge', {
            etag: current.etag,
          });
        } catch (error) {
          if (statusOf(error) === 404) return { outcome: 'notFound' };
          if (isConflict(error)) return CONFLICT;
          throw error;
        }
        return { outcome: 'closed', record: { ...withoutEtag(current), ...changes } };
      };
      if (expected !== undefined) {
        const result = await closeIfUnchanged(expected);
        return result === CONFLICT ? { outcome: 'changed' } : result;
      }
      return retrying(`close of session "${sessionId}" of bot "${bot}"`, async () => {
        const current = await read(bot, sessionId);
        return current === undefined ? { outcome: 'notFound' as const } : closeIfUnchanged(current);
      });
    },

    async purgeClosed(bot, olderThan) {
      const query = odata`PartitionKey eq ${bot} and state eq ${'closed'} and closedAt lt ${olderThan}`;
      const purged: string[] = [];
      const candidates = tableClient.listEntities<SessionEntity>({ queryOptions: { filter: query } });
      for await (const entity of ignoreMissingTable(candidates)) {
        // A held session keeps its record: the hold marker is what keeps its next messages in line.
        if (entity.holdMessageId) continue;
        const { sessionId } = toRecord(entity);
        try {
          remembered.forget(bot, sessionId);
          await tableClient.deleteEntity(bot, entity.rowKey!, { etag: entity.etag });
          purged.push(sessionId);
        } catch (error) {
          // 412: a message reopened it (keep it); 404: someone else purged it.
          if (!isConflict(error) && statusOf(error) !== 404) throw error;
        }
      }
      return purged;
    },
  };
}

const CONFLICT = Symbol('conflict');

/**
 * What to assume of a session this process does not know. An event without a key for the bot's
 * strategy gets its delivery id as session id (docs/bots-and-sessions.md, `routeEvent`): such a session is
 * new, so it is created at once, one write instead of a read (404) and a write. If it does exist
 * (a redelivery whose first delivery created it) the create's 409 re-reads, as for any conflict.
 */
function firstGuess(sessionId: string, messageId: string): undefined | typeof UNREAD {
  return sessionId === messageId ? undefined : UNREAD;
}
const UNREAD = Symbol('unread');
/** A touch's starting record: known (undefined: none), or UNREAD. */
type Known = StoredSessionRecord | undefined | typeof UNREAD;

async function* ignoreMissingTable<T>(entities: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* entities;
  } catch (error) {
    if (!isTableMissing(error)) throw error;
  }
}

function toEntity(record: SessionRecord): TableEntity<SessionEntity> {
  const { bot, previous, hold, countedBatch, ...columns } = record;
  const entity: TableEntity<SessionEntity> = { partitionKey: bot, rowKey: encodeRowKey(record.sessionId), ...columns };
  const batch = countedBatch === undefined ? undefined : encodeCountedBatch(countedBatch);
  if (batch !== undefined) entity.countedBatch = batch;
  if (hold !== undefined) {
    entity.holdMessageId = hold.messageId;
    entity.holdReason = hold.reason;
    entity.holdSince = hold.since;
  }
  if (previous !== undefined) {
    entity.previousReason = previous.reason;
    entity.previousMessageCount = previous.messageCount;
    entity.previousOpenedAt = previous.openedAt;
    entity.previousLastActivityAt = previous.lastActivityAt;
  }
  return entity;
}

function toRecord(entity: TableEntityResult<SessionEntity>): StoredSessionRecord {
  const where = `session record ${entity.partitionKey}/${entity.rowKey}`;
  const record: StoredSessionRecord = {
    bot: entity.partitionKey!,
    sessionId: typeof entity.sessionId === 'string' ? entity.sessionId : decodeRowKey(entity.rowKey!),
    generation: requireNumber(where, 'generation', entity.generation),
    state: entity.state === 'closed' ? 'closed' : 'active',
    openedAt: requireDate(where, 'openedAt', entity.openedAt),
    lastActivityAt: requireDate(where, 'lastActivityAt', entity.lastActivityAt),
    messageCount: requireNumber(where, 'messageCount', entity.messageCount),
    lastMessageId: String(entity.lastMessageId ?? ''),
    etag: entity.etag,
  };
  if (entity.closedAt !== undefined && entity.closedAt !== null) record.closedAt = requireDate(where, 'closedAt', entity.closedAt);
  if (entity.closeReason !== undefined && entity.closeReason !== null) record.closeReason = entity.closeReason;
  if (typeof entity.holdMessageId === 'string' && entity.holdMessageId !== '') {
    record.hold = {
      messageId: entity.holdMessageId,
      reason: String(entity.holdReason ?? ''),
      since: requireDate(where, 'holdSince', entity.holdSince),
    };
  }
  if (typeof entity.heldSeq === 'number') record.heldSeq = entity.heldSeq;
  if (typeof entity.heldLastMessageId === 'string') record.heldLastMessageId = entity.heldLastMessageId;
  if (entity.closeNotice === 'pending' || entity.closeNotice === 'sent') record.closeNotice = entity.closeNotice;
  const countedBatch = decodeCountedBatch(entity.countedBatch);
  if (countedBatch !== undefined) record.countedBatch = countedBatch;
  const previousReason = entity.previousReason;
  if (previousReason === 'maxSessionDuration' || previousReason === 'maxMessagesPerSession' || previousReason === 'sessionTimeout') {
    record.previous = {
      reason: previousReason,
      messageCount: requireNumber(where, 'previousMessageCount', entity.previousMessageCount),
      openedAt: requireDate(where, 'previousOpenedAt', entity.previousOpenedAt),
      lastActivityAt: requireDate(where, 'previousLastActivityAt', entity.previousLastActivityAt),
    };
  }
  return record;
}

function requireNumber(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${where}: "${name}" is not a number`);
  return value;
}

function requireDate(where: string, name: string, value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) throw new Error(`${where}: "${name}" is not a date`);
  return date;
}

function requireText(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`touch needs a non-empty ${name}`);
}

/** 412: the row changed since the read; 409: another writer created it first. */
function isConflict(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409;
}
