import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { JsonObject, PayloadRef } from '../envelope/event-envelope.js';
import { PermanentError, TransientError } from '../errors/delivery-errors.js';

export interface ClaimCheck {
  /**
   * Writes a payload once as `<deliveryId>.json` with its sha256 and returns the reference every
   * bot's envelope carries. Idempotent: a retry or a redelivery of the same delivery finds the
   * blob already there and reuses it; the same delivery id with different bytes is refused
   * (messages already queued point at the first blob and must keep resolving to it).
   */
  store(deliveryId: string, payload: Uint8Array, signal?: AbortSignal): Promise<PayloadRef>;
  /** The stored bytes, verified against the reference's size and sha256. */
  read(ref: PayloadRef, signal?: AbortSignal): Promise<Buffer>;
  /** The stored payload, verified and parsed: what the processing side puts back in the envelope. */
  resolve(ref: PayloadRef, signal?: AbortSignal): Promise<JsonObject>;
}

const SHA256_METADATA = 'sha256';

export function createClaimCheck({ containerClient }: { containerClient: ContainerClient }): ClaimCheck {
  let containerReady: Promise<unknown> | undefined;
  const ensureContainer = (signal?: AbortSignal) => {
    containerReady ??= containerClient.createIfNotExists({ abortSignal: signal }).catch((error: unknown) => {
      containerReady = undefined;
      throw error;
    });
    return containerReady;
  };

  const refFor = (blobName: string, size: number, sha256: string): PayloadRef => ({
    container: containerClient.containerName,
    blobName,
    size,
    sha256,
  });

  const read = async (ref: PayloadRef, signal?: AbortSignal): Promise<Buffer> => {
    if (ref.container !== containerClient.containerName) {
      throw new PermanentError(
        'ClaimCheckMissing',
        `payload ${ref.blobName} is in container "${ref.container}", but this app reads claim checks from "${containerClient.containerName}" (CLAIM_CHECK_CONTAINER)`,
      );
    }
    let bytes: Buffer;
    try {
      bytes = await containerClient.getBlockBlobClient(ref.blobName).downloadToBuffer(undefined, undefined, { abortSignal: signal });
    } catch (error) {
      if (isStatus(error, 404)) {
        throw new PermanentError('ClaimCheckMissing', `claim-checked payload ${ref.container}/${ref.blobName} does not exist`, {
          cause: error,
        });
      }
      throw new TransientError(`could not read claim-checked payload ${ref.container}/${ref.blobName}: ${errorText(error)}`, {
        cause: error,
      });
    }
    if (bytes.byteLength !== ref.size || sha256Hex(bytes) !== ref.sha256) {
      throw new PermanentError(
        'ClaimCheckCorrupt',
        `claim-checked payload ${ref.container}/${ref.blobName} does not match its reference (expected ${ref.size} bytes with sha256 ${ref.sha256}, found ${bytes.byteLength} bytes)`,
      );
    }
    return bytes;
  };

  return {
    async store(deliveryId, payload, signal) {
      const blobName = `${deliveryId}.json`;
      const sha256 = sha256Hex(payload);
      const blob = containerClient.getBlockBlobClient(blobName);
      const upload = async () => {
        await ensureContainer(signal);
        await blob.uploadData(payload, {
          abortSignal: signal,
          conditions: { ifNoneMatch: '*' },
          metadata: { [SHA256_METADATA]: sha256 },
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
      };
      try {
        try {
          await upload();
        } catch (error) {
          if (!isContainerMissing(error)) throw error;
          // Deleted since it was made: forget that it exists, or every claim check fails until a restart.
          containerReady = undefined;
          await upload();
        }
        return refFor(blobName, payload.byteLength, sha256);
      } catch (error) {
        if (!isStatus(error, 409) && !isStatus(error, 412)) {
          throw new TransientError(`could not store the payload of delivery ${deliveryId}: ${errorText(error)}`, { cause: error });
        }
      }
      const existing = await blob.getProperties({ abortSignal: signal }).catch((error: unknown) => {
        throw new TransientError(`could not check the stored payload of delivery ${deliveryId}: ${errorText(error)}`, { cause: error });
      });
      if (existing.metadata?.[SHA256_METADATA] !== sha256 || existing.contentLength !== payload.byteLength) {
        throw new PermanentError(
          'ClaimCheckConflict',
          `delivery ${deliveryId} was already stored with a different payload; a delivery id cannot carry two payloads`,
        );
      }
      return refFor(blobName, payload.byteLength, sha256);
    },
    read,
    async resolve(ref, signal) {
      const bytes = await read(ref, signal);
      try {
        const payload: unknown = JSON.parse(bytes.toString('utf8'));
        if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) return payload as JsonObject;
      } catch {
        // reported below
      }
      throw new PermanentError('ClaimCheckCorrupt', `claim-checked payload ${ref.container}/${ref.blobName} is not a JSON object`);
    },
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isContainerMissing(error: unknown): boolean {
  return isStatus(error, 404) && (error as { code?: unknown }).code === 'ContainerNotFound';
}

function isStatus(error: unknown, status: number): boolean {
  return (error as { statusCode?: unknown } | null)?.statusCode === status;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]!.slice(0, 200) : String(error);
}
