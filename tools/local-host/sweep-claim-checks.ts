import type { ServiceBusClient } from '@azure/service-bus';
import type { ContainerClient } from '@azure/storage-blob';
import { bodyOf } from './session-pump.js';

/**
 * Locally nothing deletes claim-checked payloads: in Azure the storage account's lifecycle rule
 * does (infra/modules/storage.bicep, after CLAIM_CHECK_RETENTION days), but the local host's
 * Azurite keeps every payload in memory up to its extent limit (512 MB, start-azurite.ts), after
 * which every claim check fails with 503 and webhooks are refused. So the local host deletes a
 * payload once no message left in the broker refers to it: every bot's message of that delivery
 * was completed (or discarded), none waits in a queue, is held, locked or dead-lettered, and no
 * held session keeps a message that refers to it (HELD_TABLE).
 */
export interface SweepResult {
  deleted: string[];
  /** Payloads still referred to by a message, or too young to judge. */
  kept: number;
}

/**
 * `minAgeMs`: a payload younger than this is kept whatever the queues hold, because the webhook
 * stores it before it sends the messages that refer to it.
 */
export async function sweepClaimChecks(deps: {
  container: ContainerClient;
  referenced: ReadonlySet<string>;
  now: Date;
  minAgeMs: number;
}): Promise<SweepResult> {
  const result: SweepResult = { deleted: [], kept: 0 };
  const youngest = deps.now.getTime() - deps.minAgeMs;
  for await (const blob of deps.container.listBlobsFlat()) {
    const modified = blob.properties.lastModified?.getTime() ?? deps.now.getTime();
    if (deps.referenced.has(blob.name) || modified > youngest) {
      result.kept++;
      continue;
    }
    // Only if it was not rewritten since it was listed (a GitHub redelivery of the same delivery stores it again).
    const deleted = await deps.container
      .getBlockBlobClient(blob.name)
      .deleteIfExists({ conditions: { ifUnmodifiedSince: blob.properties.lastModified } })
      .then((response) => response.succeeded)
      .catch((error: unknown) => {
        if ((error as { statusCode?: number }).statusCode === 412) return false;
        throw error;
      });
    if (deleted) result.deleted.push(blob.name);
    else result.kept++;
  }
  return result;
}

/** The blob names in `container` that messages of these queues (and their dead-letter queues) refer to, by peeking every message. */
export async function referencedPayloads(client: ServiceBusClient, queues: readonly string[], container: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (const queue of queues) {
    for (const subQueueType of [undefined, 'deadLetter'] as const) {
      const receiver = client.createReceiver(queue, subQueueType === undefined ? {} : { subQueueType });
      try {
        // Each peek continues after the last message the receiver peeked.
        for (let page = await receiver.peekMessages(250); page.length > 0; page = await receiver.peekMessages(250)) {
          for (const message of page) {
            const ref = payloadRefOf(bodyOf(message));
            if (ref?.container === container) names.add(ref.blobName);
          }
        }
      } finally {
        await receiver.close();
      }
    }
  }
  return names;
}

function payloadRefOf(body: unknown): { container: unknown; blobName: string } | undefined {
  if (typeof body !== 'object' || body === null || !('payloadRef' in body)) return undefined;
  const ref = body.payloadRef;
  if (typeof ref !== 'object' || ref === null || !('blobName' in ref) || typeof ref.blobName !== 'string') return undefined;
  return { container: 'container' in ref ? ref.container : undefined, blobName: ref.blobName };
}
