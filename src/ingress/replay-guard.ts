import { odata, type TableClient } from '@azure/data-tables';
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
  /**
   * Claims `bodyHash` for `deliveryId`. Never throws. The webhook passes the body's verified
   * HMAC-SHA256 (hex): a fingerprint of the raw bytes it already has, keyed by the webhook secret.
   */
  claim(bodyHash: string, deliveryId: string, signal?: AbortSignal): Promise<ReplayDecision>;
}

export interface ReplayPurge {
  /** Rows past the window deleted; `more` when the run stopped at its bound (the next run goes on). */
  deleted: number;
  more: boolean;
}

/** At most this many deletions per purge: one run stays short; a backlog is worked off run by run. */
const MAX_PURGE_PER_RUN = 5_000;

interface ReplayEntity {
  deliveryId: string;
  acceptedAt: Date;
}

/** Shown for a store that could not be asked within this many tries (a conflict loop). */
const MAX_ATTEMPTS = 3;

/**
 * The guard on a Table in the app's storage account, so every instance sees every claim:
 * PartitionKey = the body's fingerprint (its verified HMAC-SHA256), RowKey = '' (one row per body,
 * spread over partitions).
 * An insert that fails with 409 means the body was seen: the row says under which delivery id
 * and when. A row older than `windowMs` is taken over with an ETag-guarded replace, so expiry
 * needs no sweeper for correctness; `purgeExpired` (run by the janitor) deletes rows past the
 * window so the table does not grow by a row per webhook forever. One round trip for a new body.
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
}): ReplayGuard & { purgeExpired(at: Date, maxDeletes?: number): Promise<ReplayPurge> } {
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

    /**
     * Deletes rows accepted before `at - windowMs`. The filter is on a property, not a key (the key
     * is the body's hash), so the service scans the table: that is why it runs from the janitor, not
     * per request, and stops after `maxDeletes`. Each delete is ETag-guarded: a row a claim took
     * over meanwhile is newer and stays. A missing table has nothing to purge.
     * https://learn.microsoft.com/rest/api/storageservices/querying-tables-and-entities
     */
    async purgeExpired(at, maxDeletes = MAX_PURGE_PER_RUN) {
      const cutoff = new Date(at.getTime() - windowMs);
      let deleted = 0;
      try {
        const rows = tableClient.listEntities<ReplayEntity>({
          queryOptions: { filter: odata`acceptedAt lt ${cutoff}`, select: ['PartitionKey', 'RowKey'] },
        });
        for await (const row of rows) {
          if (deleted >= maxDeletes) return { deleted, more: true };
          try {
            await tableClient.deleteEntity(row.partitionKey!, row.rowKey!, row.etag === undefined ? {} : { etag: row.etag });
            deleted++;
          } catch (error) {
            if (statusOf(error) !== 404 && statusOf(error) !== 412) throw error;
          }
        }
      } catch (error) {
        if (isTableMissing(error)) return { deleted, more: false };
        throw error;
      }
      return { deleted, more: false };
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
