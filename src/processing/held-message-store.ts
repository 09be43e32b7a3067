import { gunzipSync, gzipSync } from 'node:zlib';
import { odata, RestError, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { encodeRowKey } from '../lifecycle/encode-row-key.js';
import { createTableOnce } from '../transport/create-table-once.js';

/**
 * One message of a held session, kept in arrival order until the session is resumed. The body
 * is the message as it arrived (an envelope, or a session-closed notice): a claim-checked
 * envelope keeps its `payloadRef` (the payload stays in Blob storage, `payloadBlob` names it).
 */
export interface HeldMessage {
  bot: string;
  sessionId: string;
  /** Position in the session's held line (the session record's `heldSeq` when it was kept). */
  seq: number;
  messageId: string;
  body: string;
  eventType: string | null;
  /** True for the message the session stopped at (it is also in the poison store, same message id). */
  poisoned: boolean;
  /** The blob of a claim-checked payload the body refers to: the local sweep must keep it. */
  payloadBlob: string | null;
  enqueuedTimeUtc: string | null;
  heldAt: Date;
}

export interface HeldMessageStore {
  /** Stores the message at its place (an upsert: keeping the same message at the same place again changes nothing). */
  put(message: HeldMessage): Promise<void>;
  /** The session's held messages, oldest first. */
  list(bot: string, sessionId: string): Promise<HeldMessage[]>;
  /** How many messages the session has waiting (reads only their keys, not their bodies). */
  count(bot: string, sessionId: string): Promise<number>;
  /** Removes one; false if it was not there (another resume delivered it). */
  remove(bot: string, sessionId: string, seq: number): Promise<boolean>;
  /** Every claim-checked blob a held message refers to. */
  payloadBlobs(): Promise<Set<string>>;
}

// A Table entity holds at most 1 MiB and each property 64 KiB (strings: 32 Ki UTF-16 characters):
// https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#property-types
const MAX_STRING_CHARS = 32_000;
const CHUNK_BYTES = 64_000;
const MAX_CHUNKS = 14;

interface HeldEntity {
  partitionKey: string;
  rowKey: string;
  bot: string;
  sessionId: string;
  seq: number;
  messageId: string;
  eventType: string;
  poisoned: boolean;
  payloadBlob: string;
  enqueuedTimeUtc: string;
  heldAt: Date;
  body?: string;
  /** Number of gzip chunks `bodyGzip0` … when the body did not fit a string property. */
  bodyChunks?: number;
  [chunk: `bodyGzip${number}`]: Uint8Array | undefined;
}

/** PartitionKey = bot + encoded session id (one partition per held session), RowKey = the zero-padded sequence. */
export function createTableHeldMessageStore({ tableClient }: { tableClient: TableClient }): HeldMessageStore {
  const table = createTableOnce(tableClient);
  const ensureTable = () => table.ensure();

  return {
    async put(message) {
      const entity = toEntity(message);
      await table.write(() => tableClient.upsertEntity(entity, 'Replace'));
    },
    async list(bot, sessionId) {
      await ensureTable();
      const held: HeldMessage[] = [];
      const filter = odata`PartitionKey eq ${partitionOf(bot, sessionId)}`;
      for await (const entity of tableClient.listEntities<HeldEntity>({ queryOptions: { filter } })) held.push(fromEntity(entity));
      // Rows come in RowKey order already; sorting keeps that a property of this function, not of the service.
      return held.sort((a, b) => a.seq - b.seq);
    },
    async count(bot, sessionId) {
      await ensureTable();
      let count = 0;
      const filter = odata`PartitionKey eq ${partitionOf(bot, sessionId)}`;
      for await (const _ of tableClient.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) count++;
      return count;
    },
    async remove(bot, sessionId, seq) {
      try {
        await tableClient.deleteEntity(partitionOf(bot, sessionId), rowKeyOf(seq));
        return true;
      } catch (error) {
        if (error instanceof RestError && error.statusCode === 404) return false;
        throw error;
      }
    },
    async payloadBlobs() {
      await ensureTable();
      const names = new Set<string>();
      const entities = tableClient.listEntities<Pick<HeldEntity, 'payloadBlob'>>({ queryOptions: { select: ['payloadBlob'] } });
      for await (const entity of entities) if (entity.payloadBlob) names.add(entity.payloadBlob);
      return names;
    },
  };
}

function partitionOf(bot: string, sessionId: string): string {
  return `${bot}~${encodeRowKey(sessionId)}`;
}

function rowKeyOf(seq: number): string {
  return String(seq).padStart(12, '0');
}

function toEntity(message: HeldMessage): HeldEntity {
  const entity: HeldEntity = {
    partitionKey: partitionOf(message.bot, message.sessionId),
    rowKey: rowKeyOf(message.seq),
    bot: message.bot,
    sessionId: message.sessionId,
    seq: message.seq,
    messageId: message.messageId,
    eventType: message.eventType ?? '',
    poisoned: message.poisoned,
    payloadBlob: message.payloadBlob ?? '',
    enqueuedTimeUtc: message.enqueuedTimeUtc ?? '',
    heldAt: message.heldAt,
  };
  if (message.body.length <= MAX_STRING_CHARS) {
    entity.body = message.body;
    return entity;
  }
  // Larger bodies (inline envelopes up to the claim-check threshold) compressed, in 64 KB properties.
  const compressed = gzipSync(message.body);
  const chunks = Math.ceil(compressed.byteLength / CHUNK_BYTES);
  if (chunks > MAX_CHUNKS) {
    throw new Error(`held message ${message.messageId} is ${compressed.byteLength} bytes compressed: more than a Table entity holds`);
  }
  entity.bodyChunks = chunks;
  for (let i = 0; i < chunks; i++) entity[`bodyGzip${i}`] = new Uint8Array(compressed.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
  return entity;
}

function fromEntity(entity: TableEntityResult<HeldEntity>): HeldMessage {
  let body = entity.body ?? '';
  if (entity.bodyChunks) {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < entity.bodyChunks; i++) parts.push(entity[`bodyGzip${i}`] ?? new Uint8Array());
    body = gunzipSync(Buffer.concat(parts)).toString('utf8');
  }
  return {
    bot: entity.bot,
    sessionId: entity.sessionId,
    seq: entity.seq,
    messageId: entity.messageId,
    body,
    eventType: entity.eventType || null,
    poisoned: entity.poisoned === true,
    payloadBlob: entity.payloadBlob || null,
    enqueuedTimeUtc: entity.enqueuedTimeUtc || null,
    heldAt: entity.heldAt instanceof Date ? entity.heldAt : new Date(String(entity.heldAt)),
  };
}
