import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HookDelivery } from '../../../src/redelivery/hook-delivery.js';
import { planRedeliveries } from '../../../src/redelivery/plan-redeliveries.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const MINUTE = 60_000;
let id = 1;
const attempt = (guid: string, minutesAgo: number, status_code: number, redelivery = false): HookDelivery => ({
  id: id++,
  guid,
  delivered_at: new Date(NOW.getTime() - minutesAgo * MINUTE).toISOString(),
  redelivery,
  status: status_code === 202 ? 'OK' : `Invalid HTTP Response: ${status_code}`,
  status_code,
  event: 'issues',
  action: 'opened',
});

test('one entry per failed guid, for its latest attempt; any 2xx (original or redelivery) means done', () => {
  const a1 = attempt('a', 30, 503);
  const a2 = attempt('a', 20, 0, true);
  const plan = planRedeliveries([a2, attempt('b', 30, 503), attempt('b', 10, 202, true), attempt('c', 25, 200), a1], {
    now: NOW,
    cooldownMs: 0,
  });
  assert.deepEqual(
    plan.due.map((d) => [d.guid, d.deliveryId, d.redeliveries]),
    [['a', a2.id, 1]],
  );
  assert.equal(plan.due[0]!.firstDeliveredAt.toISOString(), a1.delivered_at);
  assert.deepEqual([plan.guids, plan.succeeded, plan.waiting], [3, 2, 0]);
});

test('oldest event first, whatever the listing order', () => {
  const plan = planRedeliveries([attempt('new', 5, 503), attempt('old', 50, 503), attempt('mid', 20, 503)], { now: NOW, cooldownMs: 0 });
  assert.deepEqual(
    plan.due.map((d) => d.guid),
    ['old', 'mid', 'new'],
  );
});

test('the back-off doubles with each redelivery: cooldown, 2×, 4× … after the latest attempt', () => {
  const cooldownMs = 5 * MINUTE;
  const due = (deliveries: HookDelivery[]) => planRedeliveries(deliveries, { now: NOW, cooldownMs }).due.length === 1;
  assert.equal(due([attempt('x', 4, 503)]), false, 'original failed 4 min ago: wait for 5');
  assert.equal(due([attempt('x', 6, 503)]), true);
  assert.equal(due([attempt('x', 60, 503), attempt('x', 9, 503, true)]), false, 'one redelivery: wait 10 min');
  assert.equal(due([attempt('x', 60, 503), attempt('x', 11, 503, true)]), true);
  assert.equal(due([attempt('x', 90, 503), attempt('x', 30, 503, true), attempt('x', 19, 503, true)]), false, 'two: wait 20 min');
});

test('a redelivery this process requested but GitHub does not list yet counts as in flight', () => {
  const requested = new Map([['x', new Date(NOW.getTime() - 2 * MINUTE)]]);
  const deliveries = [attempt('x', 60, 503)];
  assert.equal(planRedeliveries(deliveries, { now: NOW, cooldownMs: 5 * MINUTE, requested }).waiting, 1);
  assert.equal(planRedeliveries(deliveries, { now: NOW, cooldownMs: 5 * MINUTE }).due.length, 1);
});
