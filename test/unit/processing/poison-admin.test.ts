import assert from 'node:assert/strict';
import { it } from 'node:test';
import functions, { type HttpResponseInit } from '@azure/functions';
import type { HttpFunctionDefinition } from '../../../src/functions-model/function-definitions.js';
import { definePoisonAdminFunctions } from '../../../src/processing/poison-admin.js';
import { memoryPoisonStore } from '../../support/processing/fakes.js';

const poison = memoryPoisonStore();
const definitions = definePoisonAdminFunctions({ bots: [{ name: 'merge-warden' }], poison });
const byName = (name: string) => definitions.find((d) => d.name === name) as HttpFunctionDefinition;

async function call(name: string, url: string, params: Record<string, string>): Promise<HttpResponseInit> {
  const request = new functions.HttpRequest({ method: 'GET', url, params });
  return await byName(name).handler(request, new functions.InvocationContext({ logHandler: () => undefined }));
}

for (const [messageId, reason, at] of [
  ['m-1', 'MalformedEnvelope', '2026-11-26T17:00:00Z'],
  ['m/2', 'TargetRejected', '2026-11-26T17:01:00Z'],
  ['m-3', 'TargetRejected', '2026-11-26T17:02:00Z'],
] as const) {
  await poison.record({
    bot: 'merge-warden',
    messageId,
    sessionId: 's',
    deliveryCount: 1,
    reason,
    detail: 'd',
    stage: 'target',
    eventType: 'pull_request',
    enqueuedTimeUtc: null,
    body: `{"id":"${messageId}"}`,
    recordedAt: new Date(at),
  });
}

it('lists a bot poison records newest first without bodies, with counts per reason', async () => {
  const response = await call('poison-list', 'http://localhost/api/poison/merge-warden?limit=2', { bot: 'merge-warden' });
  assert.equal(response.status, 200);
  const body = response.jsonBody as { total: number; reasons: Record<string, number>; records: Record<string, unknown>[] };
  assert.equal(body.total, 3);
  assert.deepEqual(body.reasons, { MalformedEnvelope: 1, TargetRejected: 2 });
  assert.deepEqual(
    body.records.map((r) => r.messageId),
    ['m-3', 'm/2'],
  );
  assert.ok(body.records.every((r) => !('body' in r)));
});

it('answers one record with its body, for any message id', async () => {
  const response = await call('poison-get', 'http://localhost/api/poison/merge-warden/m/2', { bot: 'merge-warden', messageId: 'm/2' });
  assert.equal(response.status, 200);
  assert.equal((response.jsonBody as { body: string }).body, '{"id":"m/2"}');
  const missing = await call('poison-get', 'http://localhost/api/poison/merge-warden/nope', { bot: 'merge-warden', messageId: 'nope' });
  assert.equal(missing.status, 404);
});

it('names the known bots for an unknown one, and refuses a bad limit', async () => {
  const unknown = await call('poison-list', 'http://localhost/api/poison/ghost', { bot: 'ghost' });
  assert.equal(unknown.status, 404);
  assert.match(JSON.stringify(unknown.jsonBody), /known bots: merge-warden/);
  const bad = await call('poison-list', 'http://localhost/api/poison/merge-warden?limit=0', { bot: 'merge-warden' });
  assert.equal(bad.status, 400);
});
