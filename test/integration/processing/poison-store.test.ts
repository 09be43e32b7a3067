import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TableClient } from '@azure/data-tables';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import type { PoisonRecordInput } from '../../../src/processing/poison-record.js';
import { createTablePoisonStore } from '../../../src/processing/poison-store.js';

describe('poison store on Table Storage (Azurite)', () => {
  let azurite: RunningAzurite;
  let tableClient: TableClient;
  before(async () => {
    azurite = await startTestAzurite();
    tableClient = TableClient.fromConnectionString(azurite.connectionString, 'poisonmessages', { allowInsecureConnection: true });
  });
  after(() => azurite.stop());

  const input = (over: Partial<PoisonRecordInput>): PoisonRecordInput => ({
    bot: 'merge-warden',
    messageId: 'm-1',
    sessionId: 'pr-octo/repo-1',
    deliveryCount: 1,
    reason: 'MalformedEnvelope',
    detail: 'not an envelope',
    stage: 'envelope',
    eventType: 'pull_request',
    enqueuedTimeUtc: '2026-11-26T17:00:00Z',
    body: '{"hello":"world"}',
    recordedAt: new Date('2026-11-26T17:00:01.000Z'),
    ...over,
  });

  it('keeps records per bot, with any message id, creating the table on first use', async () => {
    const store = createTablePoisonStore({ tableClient });
    const awkwardId = 'a/b\\c#d?e%f\u0001g';
    await store.record(input({ messageId: awkwardId, recordedAt: new Date('2026-11-26T17:00:02.000Z') }));
    await store.record(input({ messageId: 'm-2', reason: 'TargetRejected', stage: 'target', sessionId: null, eventType: null }));
    await store.record(input({ bot: 'spec-sentinel', messageId: 'm-3' }));

    const records = await store.list('merge-warden');
    assert.deepEqual(
      records.map((r) => r.messageId),
      ['m-2', awkwardId],
      'oldest first',
    );
    assert.deepEqual(records[0], {
      bot: 'merge-warden',
      messageId: 'm-2',
      sessionId: null,
      deliveryCount: 1,
      reason: 'TargetRejected',
      detail: 'not an envelope',
      stage: 'target',
      eventType: null,
      enqueuedTimeUtc: '2026-11-26T17:00:00Z',
      recordedAt: '2026-11-26T17:00:01.000Z',
      body: '{"hello":"world"}',
      bodyTruncated: false,
      bodyLength: 17,
    });
    assert.equal((await store.get('merge-warden', awkwardId))?.messageId, awkwardId);
    assert.equal(await store.get('merge-warden', 'never-seen'), undefined);
    assert.deepEqual(
      (await store.list('spec-sentinel')).map((r) => r.messageId),
      ['m-3'],
    );
  });

  it('makes its table again when it was deleted while the app runs, instead of failing every record until a restart', async () => {
    const own = TableClient.fromConnectionString(azurite.connectionString, `poisonrecreated${Date.now().toString(36)}`, {
      allowInsecureConnection: true,
    });
    const store = createTablePoisonStore({ tableClient: own });
    await store.record(input({ messageId: 'before' }));
    await own.deleteTable();
    await store.record(input({ messageId: 'after' }));
    assert.equal((await store.get('merge-warden', 'after'))?.messageId, 'after');
  });

  it('replaces the record when the same message is recorded again', async () => {
    const store = createTablePoisonStore({ tableClient });
    await store.record(input({ bot: 'dependency-updater', deliveryCount: 1, reason: 'TargetRejected' }));
    await store.record(input({ bot: 'dependency-updater', deliveryCount: 10, reason: 'MaxDeliveryCountExceeded' }));
    const records = await store.list('dependency-updater');
    assert.equal(records.length, 1);
    assert.equal(records[0]!.reason, 'MaxDeliveryCountExceeded');
    assert.equal(records[0]!.deliveryCount, 10);
  });

  it('keeps a large body whole (compressed), and truncates, saying so, one that cannot fit', async () => {
    const store = createTablePoisonStore({ tableClient });
    // Like an inline envelope near the claim-check threshold: large, but compressible JSON.
    const large = JSON.stringify({ items: Array.from({ length: 4_000 }, (_, i) => ({ id: i, title: `item number ${i}`, é: 'ü' })) });
    assert.ok(large.length > 150_000);
    // Random text does not compress: it cannot fit whole.
    const random = Array.from({ length: 200_000 }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('');
    await store.record(input({ bot: 'security-scanner', messageId: 'large', body: large, detail: 'x'.repeat(100_000) }));
    await store.record(input({ bot: 'security-scanner', messageId: 'random', body: random }));

    const whole = await store.get('security-scanner', 'large');
    assert.equal(whole?.body, large);
    assert.equal(whole?.bodyTruncated, false);
    assert.ok(whole.detail.length < 10_000, 'detail truncated');

    const cut = await store.get('security-scanner', 'random');
    assert.equal(cut?.bodyTruncated, true);
    assert.equal(cut?.bodyLength, random.length);
    assert.ok(random.startsWith(cut.body.slice(0, 1_000)));
    assert.match(cut.body, /truncated by session-router/);
  });
});
