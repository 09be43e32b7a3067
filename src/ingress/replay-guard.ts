import type { TableClient } from '@azure/data-tables';
import { createTableOnce } from '../transport/create-table-once.js';
import { isTableMissing, statusOf } from '../transport/table-errors.js';

/**
 * What the guard decided for a verified body:
 *  - `new`: first time within the window; the caller owns the claim (release it if sending fails);
 *  - `redelivery`: the same body under the same delivery id (GitHub's redelivery, or a retry
 *    after a 503): handled as usual, Service Bus duplicate detection fills only missing queues;
 *  - `duplicate`: the same body under another delivery id within the window: a replay, or the
 *    same event from a second hook; dropped;
 *  - `unchecked`: the store could not be asked; the delivery goes on (fail open, counted).
 */
export type ReplayDecision =
  | { kind: 'new'; release(): Promise<void> }
  | { kind: 'redelivery' }
  | { kind: 'duplicate'; firstDeliveryId: string; firstAcceptedAt: Date }
  | { kind: 'unchecked'; error: unknown };

export interface ReplayGuard {
  /** Claims `bodyHash` (hex SHA-256 of the raw body) for `deliveryId`. Never throws. */
  claim(bodyHash: string, deliveryId: string, signal?: AbortSignal): Promise<ReplayDecision>;
}

interface ReplayEntity {
  deliveryId: string;
  acceptedAt: Date;
}

/** Shown for a store that could not be asked within this many tries (a conflict loop). */
const MAX_ATTEMPTS = 3;

/**
 * The guard on a Table in the app's storage account, so every instance sees every claim:
 * PartitionKey = the body's SHA-256, RowKey = '' (one row per body, spread over partitions).
 * An insert that fails with 409 means the body was seen: the row says under which delivery id
 * and when. A row older than `windowMs` is taken over with an ETag-guarded replace, so expiry
 * needs no sweeper for correctness (stale rows are only storage; SESSION_RETENTION-style purge
 * is left to a Table lifecycle job if wanted). One round trip for a new body.
 * Table semantics: https://learn.microsoft.com/rest/api/storageservices/insert-entity (409 on an
 * existing entity), https://learn.microsoft.com/rest/api/storageservices/update-entity2 (If-Match).
 */
export function createTableReplayGuard({
  tableClient,
  windowMs,
  now = () => new Date(),
}: {
  tableClient: TableClient;
  windowMs: number;
  now?: () => Date;
}): ReplayGuard {
  // Created only when an insert finds it missing: the common case is one round trip.
  const table = createTableOnce(tableClient);

  return {
    async claim(bodyHash, deliveryId, signal) {
      const key = { partitionKey: bodyHash, rowKey: '' };
      let ready: Promise<void> | undefined;
      try {
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          const acceptedAt = now();
          try {
            const created = await tableClient.createEntity<ReplayEntity>({ ...key, deliveryId, acceptedAt }, { abortSignal: signal });
            return owned(tableClient, bodyHash, created.etag);
          } catch (error) {
            if (isTableMissing(error)) {
              // First use: create it (once for all callers). Missing again after that: it was
              // deleted while the app runs, so create it again rather than fail until a restart.
              ready = ready === undefined ? table.ensure() : table.recreate(ready);
              await ready;
              continue;
            }
            if (statusOf(error) !== 409) throw error;
          }
          const seen = await tableClient.getEntity<ReplayEntity>(bodyHash, '', { abortSignal: signal }).catch((error: unknown) => {
            if (statusOf(error) === 404) return undefined; // released meanwhile: try the insert again
            throw error;
          });
          if (seen === undefined) continue;
          if (seen.deliveryId === deliveryId) return { kind: 'redelivery' };
          const firstAcceptedAt = seen.acceptedAt instanceof Date ? seen.acceptedAt : new Date(String(seen.acceptedAt));
          if (acceptedAt.getTime() - firstAcceptedAt.getTime() < windowMs) {
            return { kind: 'duplicate', firstDeliveryId: String(seen.deliveryId), firstAcceptedAt };
          }
          try {
            const replaced = await tableClient.updateEntity<ReplayEntity>({ ...key, deliveryId, acceptedAt }, 'Replace', {
              etag: seen.etag,
              abortSignal: signal,
            });
            return owned(tableClient, bodyHash, replaced.etag);
          } catch (error) {
            if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
          }
        }
        throw new Error(`the replay record of this body kept changing over ${MAX_ATTEMPTS} attempts`);
      } catch (error) {
        return { kind: 'unchecked', error };
      }
    },
  };
}

/** A claim this delivery made; released (ETag-guarded, best effort) when its sends failed. */
function owned(tableClient: TableClient, bodyHash: string, etag: string | undefined): ReplayDecision {
  return {
    kind: 'new',
    async release() {
      await tableClient.deleteEntity(bodyHash, '', etag === undefined ? {} : { etag }).catch(() => undefined);
    },
  };
}
