import { gunzipSync, gzipSync } from 'node:zlib';
import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { encodeRowKey } from '../lifecycle/encode-row-key.js';
import { createTableOnce } from '../transport/create-table-once.js';
import { statusOf } from '../transport/table-errors.js';
import type { PoisonRecord, PoisonRecordInput, PoisonStore } from './poison-record.js';

// Table strings are UTF-16 and at most 64 KiB: 32 Ki characters. Keep a margin.
const MAX_STRING_CHARS = 32_000;
const MAX_BINARY_BYTES = 64_000;
const MAX_DETAIL_CHARS = 8_000;
const TRUNCATION_NOTE = '\n…[truncated by session-router: the body did not fit a Table property, even compressed]';

interface PoisonEntity {
  partitionKey: string;
  rowKey: string;
  messageId: string;
  sessionId: string;
  deliveryCount: number;
  reason: string;
  detail: string;
  stage: string;
  eventType: string;
  enqueuedTimeUtc: string;
  recordedAt: string;
  bodyLength: number;
  bodyTruncated: boolean;
  /** The body as text when it fits, */
  body?: string;
  /** else gzip-compressed when that fits, */
  bodyGzip?: Uint8Array;
}

/**
 * The poison store in Table Storage (`POISON_TABLE`): PartitionKey = bot, RowKey = the
 * message id made legal for a Table key. The table is created on first use.
 */
export function createTablePoisonStore({ tableClient }: { tableClient: TableClient }): PoisonStore {
  const table = createTableOnce(tableClient);

  return {
    async record(input) {
      const entity = toEntity(input);
      // A table deleted since it was made is made again, or no failure could be recorded until a restart.
      await table.write(() => tableClient.upsertEntity<PoisonEntity>(entity, 'Replace'));
    },
    async list(bot) {
      await table.ensure();
      const records: PoisonRecord[] = [];
      for await (const entity of tableClient.listEntities<PoisonEntity>({ queryOptions: { filter: odata`PartitionKey eq ${bot}` } })) {
        records.push(fromEntity(entity));
      }
      return records.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt));
    },
    async get(bot, messageId) {
      await table.ensure();
      try {
        return fromEntity(await tableClient.getEntity<PoisonEntity>(bot, poisonRowKey(messageId)));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
  };
}

/** Any message id as a legal, URL-safe Table key: the session table's encoding (a GUID stays as it is). */
export function poisonRowKey(messageId: string): string {
  return encodeRowKey(messageId);
}

function toEntity(input: PoisonRecordInput): PoisonEntity {
  return {
    partitionKey: input.bot,
    rowKey: poisonRowKey(input.messageId),
    messageId: input.messageId,
    sessionId: input.sessionId ?? '',
    deliveryCount: input.deliveryCount,
    reason: input.reason,
    detail: input.detail.length > MAX_DETAIL_CHARS ? `${input.detail.slice(0, MAX_DETAIL_CHARS)}…` : input.detail,
    stage: input.stage,
    eventType: input.eventType ?? '',
    enqueuedTimeUtc: input.enqueuedTimeUtc ?? '',
    recordedAt: input.recordedAt.toISOString(),
    bodyLength: input.body.length,
    ...encodeBody(input.body),
  };
}

function encodeBody(body: string): Pick<PoisonEntity, 'body' | 'bodyGzip' | 'bodyTruncated'> {
  if (body.length <= MAX_STRING_CHARS) return { body, bodyTruncated: false };
  // Webhook JSON compresses about tenfold, so most inline envelopes (up to the claim-check threshold) stay whole.
  const compressed = gzipSync(body);
  if (compressed.byteLength <= MAX_BINARY_BYTES) return { bodyGzip: new Uint8Array(compressed), bodyTruncated: false };
  return { body: body.slice(0, MAX_STRING_CHARS - TRUNCATION_NOTE.length) + TRUNCATION_NOTE, bodyTruncated: true };
}

function fromEntity(entity: TableEntityResult<PoisonEntity>): PoisonRecord {
  const body = entity.bodyGzip ? gunzipSync(entity.bodyGzip).toString('utf8') : (entity.body ?? '');
  return {
    bot: entity.partitionKey,
    messageId: entity.messageId,
    sessionId: entity.sessionId || null,
    deliveryCount: entity.deliveryCount,
    reason: entity.reason,
    detail: entity.detail,
    stage: entity.stage as PoisonRecord['stage'],
    eventType: entity.eventType || null,
    enqueuedTimeUtc: entity.enqueuedTimeUtc || null,
    recordedAt: entity.recordedAt,
    body,
    bodyTruncated: entity.bodyTruncated,
    bodyLength: entity.bodyLength,
  };
}
