import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TableClient } from '@azure/data-tables';
import { createTableReplayGuard } from '../../../src/ingress/replay-guard.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { TransientError } from '../../../src/errors/delivery-errors.js';
import { example } from '../../support/example-payloads.js';
import { signedRequest } from '../../support/signed-request.js';
import { CURRENT_SECRET, recordingDispatcher, webhookHarness } from '../../support/webhook-harness.js';

let azurite: RunningAzurite;
before(async () => {
  azurite = await startTestAzurite();
});
after(() => azurite.stop());

const HOUR = 3_600_000;

/** A guard on its own (not yet created) table in Azurite, with a clock the test moves. */
function guard(windowMs = 72 * HOUR) {
  const clock = { now: new Date('2026-11-29T09:00:00Z') };
  const name = `replays${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const tableClient = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  return { clock, replayGuard: createTableReplayGuard({ tableClient, windowMs, now: () => clock.now }) };
}

const body = example('pull_request', 'opened');
const post = (deliveryId: string) => signedRequest({ eventType: 'pull_request', payload: body, secret: CURRENT_SECRET, deliveryId });

test('item 8: the same signed body under a new delivery id is dropped: 202 {duplicate: true}, nothing queued, counted', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const { replayGuard } = guard();
  const harness = webhookHarness({ dispatcher, replayGuard });
  assert.equal((await harness.call((await post('d-original')).request)).status, 202);
  const replayed = await harness.call((await post('d-replayed')).request);
  assert.equal(replayed.status, 202);
  assert.equal(replayed.body['duplicate'], true);
  assert.equal(replayed.body['firstDeliveryId'], 'd-original');
  assert.equal(batches.length, 1, 'only the original was queued');
  assert.deepEqual(
    harness.telemetry.events.filter((e) => e.name === 'WebhookDuplicate').map((e) => e.properties['firstDeliveryId']),
    ['d-original'],
  );
});

test('item 8: GitHub redelivering the same delivery id is handled as before (sent again; Service Bus drops what queues have)', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const harness = webhookHarness({ dispatcher, replayGuard: guard().replayGuard });
  assert.equal((await harness.call((await post('d-1')).request)).status, 202);
  const again = await harness.call((await post('d-1')).request);
  assert.equal(again.status, 202);
  assert.equal(again.body['duplicate'], undefined);
  assert.equal(batches.length, 2, 'the redelivery was dispatched again');
});

test('item 8: after a partial 503 the redelivery of the same id fills the queues; a copy under a new id is not dropped either', async () => {
  let failing = true;
  const { dispatcher, batches } = recordingDispatcher(async () => {
    if (failing) throw new TransientError('queue bot-merge-warden is busy');
  });
  const harness = webhookHarness({ dispatcher, replayGuard: guard().replayGuard });
  assert.equal((await harness.call((await post('d-partial')).request)).status, 503);
  failing = false;
  const redelivered = await harness.call((await post('d-partial')).request);
  assert.equal(redelivered.status, 202);
  assert.equal(redelivered.body['duplicate'], undefined);
  assert.equal(batches.length, 2);

  // Released after a failure: a copy under a new id (another hook) right after the 503 goes through.
  const other = guard().replayGuard;
  failing = true;
  const second = webhookHarness({ dispatcher, replayGuard: other });
  assert.equal((await second.call((await post('d-a')).request)).status, 503);
  failing = false;
  const copy = await second.call((await post('d-b')).request);
  assert.equal(copy.status, 202);
  assert.equal(copy.body['duplicate'], undefined);
});

test('item 8: past the window the same body is new again; concurrent copies under new ids queue exactly one', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const { clock, replayGuard } = guard(10 * 60_000);
  const harness = webhookHarness({ dispatcher, replayGuard });
  assert.equal((await harness.call((await post('w-1')).request)).status, 202);
  clock.now = new Date(clock.now.getTime() + 11 * 60_000);
  const later = await harness.call((await post('w-2')).request);
  assert.equal(later.body['duplicate'], undefined);
  assert.equal(batches.length, 2);

  const racing = webhookHarness({ dispatcher, replayGuard: guard().replayGuard });
  const answers = await Promise.all(['r-1', 'r-2', 'r-3', 'r-4'].map(async (id) => racing.call((await post(id)).request)));
  assert.deepEqual(
    answers.map((a) => a.status),
    [202, 202, 202, 202],
  );
  assert.equal(answers.filter((a) => a.body['duplicate'] === true).length, 3);
  assert.equal(batches.length, 3);
});

test('item 8: a store that cannot be reached does not lose the event (fail open, counted)', async () => {
  const { dispatcher, batches } = recordingDispatcher();
  const unreachable = TableClient.fromConnectionString(
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;',
    'replays',
    { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
  );
  const harness = webhookHarness({ dispatcher, replayGuard: createTableReplayGuard({ tableClient: unreachable, windowMs: HOUR }) });
  const answer = await harness.call((await post('u-1')).request);
  assert.equal(answer.status, 202);
  assert.equal(batches.length, 1);
  assert.equal(harness.telemetry.events.filter((e) => e.name === 'WebhookReplayCheckFailed').length, 1);
});

test('a replay table deleted while the app runs is made again: the next body is checked, not waved through unchecked', async () => {
  const name = `replaysdeleted${Date.now().toString(36)}`;
  const tableClient = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  const replayGuard = createTableReplayGuard({ tableClient, windowMs: HOUR });
  assert.equal((await replayGuard.claim('a'.repeat(64), 'd-before')).kind, 'new');
  await tableClient.deleteTable();
  assert.equal((await replayGuard.claim('b'.repeat(64), 'd-after')).kind, 'new');
  assert.equal((await replayGuard.claim('b'.repeat(64), 'd-copy')).kind, 'duplicate', 'and the claim was stored');
});

test('the janitor purge deletes replay rows past the window and keeps the rest; a purged body is new again', async () => {
  const { clock, replayGuard } = guard(HOUR);
  const hashes = ['a', 'b', 'c', 'd'].map((c) => c.repeat(64));
  for (const hash of hashes.slice(0, 3)) assert.equal((await replayGuard.claim(hash, `old-${hash[0]}`)).kind, 'new');
  clock.now = new Date(clock.now.getTime() + 50 * 60_000);
  assert.equal((await replayGuard.claim(hashes[3]!, 'young-d')).kind, 'new');

  // 70 min after the first three: they are past the 1 h window, the fourth (20 min old) is not.
  const purged = await replayGuard.purgeExpired(new Date(clock.now.getTime() + 20 * 60_000));
  assert.deepEqual(purged, { deleted: 3, more: false });
  clock.now = new Date(clock.now.getTime() + 20 * 60_000);
  assert.equal((await replayGuard.claim(hashes[3]!, 'another-id')).kind, 'duplicate', 'the young row stayed');
  assert.equal((await replayGuard.claim(hashes[0]!, 'later-id')).kind, 'new', 'the purged row is gone');
});

test('the purge stops at its bound and says more is left; a table never created has nothing to purge', async () => {
  const { clock, replayGuard } = guard(HOUR);
  for (const c of ['a', 'b', 'c']) await replayGuard.claim(c.repeat(64), `id-${c}`);
  const later = new Date(clock.now.getTime() + 2 * HOUR);
  assert.deepEqual(await replayGuard.purgeExpired(later, 2), { deleted: 2, more: true });
  assert.deepEqual(await replayGuard.purgeExpired(later, 2), { deleted: 1, more: false });
  assert.deepEqual(await guard(HOUR).replayGuard.purgeExpired(later), { deleted: 0, more: false });
});
