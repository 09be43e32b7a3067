import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, manualClock, rejection, withDevBroker } from '../../support/dev-broker-fixture.js';

const noAutoRenew = { maxAutoLockRenewalDurationInMs: 0 };

test('acceptNextSession times out with ServiceTimeout when no session has messages, then takes one that has', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client, newClient }) => {
    const impatient = newClient({ retryOptions: { maxRetries: 0, timeoutInMs: 300 } });
    const timeout = await rejection(impatient.acceptNextSession('orders'));
    assert.equal(timeout.code, 'ServiceTimeout');

    await client.createSender('orders').sendMessages({ body: 'x', sessionId: 'only', messageId: 'x' });
    const receiver = await impatient.acceptNextSession('orders');
    assert.equal(receiver.sessionId, 'only');
    assert.ok(receiver.sessionLockedUntilUtc.getTime() > Date.now());
  });
});

test('acceptNextSession waits for a session that gets its first message while it waits', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client }) => {
    const accepting = client.acceptNextSession('orders');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.createSender('orders').sendMessages({ body: 'late', sessionId: 'late', messageId: 'late' });
    const receiver = await accepting;
    assert.equal(receiver.sessionId, 'late');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    assert.equal(message!.body, 'late');
  });
});

test('a session has one receiver at a time: SessionCannotBeLocked, and acceptNextSession skips it', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client, newClient }) => {
    await client.createSender('orders').sendMessages({ body: 1, sessionId: 's', messageId: '1' });
    await client.acceptSession('orders', 's');
    const other = newClient({ retryOptions: { maxRetries: 0, timeoutInMs: 300 } });
    const locked = await rejection(other.acceptSession('orders', 's'));
    assert.equal(locked.code, 'SessionCannotBeLocked');
    const next = await rejection(other.acceptNextSession('orders'));
    assert.equal(next.code, 'ServiceTimeout');
  });
});

test('an expired session lock frees the session and redelivers its unsettled messages', async () => {
  const clock = manualClock();
  await withDevBroker(
    [{ name: 'orders', lockDurationMs: 30_000 }],
    async ({ client, newClient }) => {
      await client.createSender('orders').sendMessages([
        { body: 1, sessionId: 's', messageId: '1' },
        { body: 2, sessionId: 's', messageId: '2' },
      ]);
      const first = await client.acceptSession('orders', 's', noAutoRenew);
      const [held] = await first.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
      assert.equal(held!.body, 1);

      clock.advance(30_001);
      const second = await newClient().acceptSession('orders', 's', noAutoRenew);
      const redelivered = await second.receiveMessages(2, { maxWaitTimeInMs: 1_000 });
      assert.deepEqual(
        redelivered.map((m): unknown[] => [m.body, m.deliveryCount]),
        [
          [1, 1],
          [2, 0],
        ],
      );
      const lost = await rejection(first.completeMessage(held!));
      assert.equal(lost.code, 'SessionLockLost');
    },
    { now: clock.now },
  );
});

test('the lock also expires on real time when nobody renews it', async () => {
  await withDevBroker([{ name: 'orders', lockDurationMs: 150 }], async ({ client, broker }) => {
    await client.createSender('orders').sendMessages({ body: 1, sessionId: 's', messageId: '1' });
    const receiver = await client.acceptSession('orders', 's', noAutoRenew);
    await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    await eventually(() => broker.queueStats('orders').lockedSessions.length === 0, 'the session lock to expire');
    assert.equal(broker.queueStats('orders').locked, 0);
  });
});

test('renewSessionLock keeps the session past its original lock', async () => {
  const clock = manualClock();
  await withDevBroker(
    [{ name: 'orders', lockDurationMs: 30_000 }],
    async ({ client, newClient }) => {
      await client.createSender('orders').sendMessages({ body: 1, sessionId: 's', messageId: '1' });
      const receiver = await client.acceptSession('orders', 's', noAutoRenew);
      const before = receiver.sessionLockedUntilUtc.getTime();
      clock.advance(20_000);
      const renewed = await receiver.renewSessionLock();
      assert.equal(renewed.getTime(), before + 20_000);
      clock.advance(20_000);
      const other = await rejection(newClient().acceptSession('orders', 's'));
      assert.equal(other.code, 'SessionCannotBeLocked');
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
      await receiver.completeMessage(message!);
    },
    { now: clock.now },
  );
});

test('session state is kept per session and survives the receiver', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client }) => {
    const first = await client.acceptSession('orders', 'pr-1');
    assert.equal(await first.getSessionState(), null);
    await first.setSessionState({ step: 2 });
    await first.close();
    const again = await client.acceptSession('orders', 'pr-1');
    assert.deepEqual(await again.getSessionState(), { step: 2 });
    const other = await client.acceptSession('orders', 'pr-2');
    assert.equal(await other.getSessionState(), null);
  });
});

test('a receiver whose client disconnects releases its session and its unsettled messages', async () => {
  await withDevBroker([{ name: 'orders' }], async ({ client, newClient }) => {
    await client.createSender('orders').sendMessages([
      { body: 1, sessionId: 's', messageId: '1' },
      { body: 2, sessionId: 's', messageId: '2' },
    ]);
    const crashing = newClient();
    const doomed = await crashing.acceptSession('orders', 's');
    assert.equal((await doomed.receiveMessages(2, { maxWaitTimeInMs: 1_000 })).length, 2);
    await crashing.close();

    const receiver = await client.acceptSession('orders', 's');
    const redelivered = await receiver.receiveMessages(2, { maxWaitTimeInMs: 1_000 });
    assert.deepEqual(
      redelivered.map((m): unknown[] => [m.body, m.deliveryCount]),
      [
        [1, 1],
        [2, 1],
      ],
    );
  });
});
