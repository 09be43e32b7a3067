import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceBusClient } from '@azure/service-bus';
import { createApp } from '../../../src/app/create-app.js';
import type { HttpFunctionDefinition, TimerFunctionDefinition } from '../../../src/functions-model/function-definitions.js';
import { readSettings } from '../../../src/config/settings.js';
import { startDevBroker } from '../../../tools/dev-broker/start-dev-broker.js';
import type { JsonObject } from '../../../src/envelope/event-envelope.js';
import { startHttpHost } from '../../../tools/local-host/http-host.js';
import { silentLog } from '../../../tools/local-host/log.js';
import { startTestAzurite } from '../../support/shared-azurite.js';
import { REDELIVERY_FUNCTION_NAME } from '../../../src/redelivery/redelivery-function.js';
import { example } from '../../support/example-payloads.js';
import { startFakeGitHub, type FakeDelivery, type StoredRequest } from '../../support/fake-github.js';
import { quietContext, timerTick } from '../../support/functions-context.js';
import { botQueues, drainSession } from '../../support/ingress-environment.js';
import { signedRequest } from '../../support/signed-request.js';
import { CURRENT_SECRET } from '../../support/webhook-harness.js';

// End to end: GitHub (a local fake in the API's documented shapes) → the real webhook over HTTP
// → the development broker → the redelivery timer → GitHub redelivers → every delivery is in
// every routed queue exactly once.

const DOWN = ['bot-merge-warden', 'bot-task-tactician'];

/** Real example payloads, all in one repository, for pull request / issue `number`. */
function event(eventType: 'pull_request' | 'issues', action: string, number: number): { eventType: string; payload: JsonObject } {
  const payload = example(eventType, action);
  payload['repository'] = example('pull_request', 'opened')['repository']!;
  payload['number'] = number;
  const entity = payload[eventType === 'pull_request' ? 'pull_request' : 'issue'] as JsonObject;
  entity['number'] = number;
  return { eventType, payload };
}

async function asGitHubSendsIt(eventType: string, payload: JsonObject): Promise<StoredRequest> {
  const { request, body } = await signedRequest({ eventType, payload, secret: CURRENT_SECRET });
  return { headers: Object.fromEntries(request.headers.entries()), body };
}

test('queues down → 503s recorded by GitHub → queues back → the timer has GitHub redeliver each → every delivery in every queue exactly once', async () => {
  const github = await startFakeGitHub();
  const [broker, azurite] = await Promise.all([
    startDevBroker({ port: 0, queues: botQueues().filter((queue) => !DOWN.includes(queue.name)) }),
    startTestAzurite(),
  ]);
  const app = createApp({
    settings: readSettings({
      GITHUB_WEBHOOK_SECRET: CURRENT_SECRET,
      ServiceBusConnection: broker.connectionString,
      AzureWebJobsStorage: azurite.connectionString,
      WEBHOOK_SEND_BUDGET_MS: '5000',
      GITHUB_API_URL: github.apiUrl,
      GITHUB_APP_ID: String(github.appId),
      GITHUB_APP_PRIVATE_KEY: github.privateKey,
      REDELIVERY_COOLDOWN: 'PT0S',
    }),
  });
  const http = await startHttpHost({
    definitions: app.definitions.filter((d): d is HttpFunctionDefinition => d.kind === 'http'),
    port: 0,
    log: silentLog,
  });
  const receiver = new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } });
  try {
    github.setWebhookUrl(`${http.baseUrl}/api/github/webhooks`);

    // Two bots' queues are missing (not yet created): every one of these gets a 503.
    const during = [
      event('pull_request', 'opened', 101),
      event('issues', 'opened', 7),
      event('pull_request', 'synchronize', 101),
      event('pull_request', 'opened', 102),
      event('issues', 'edited', 7),
    ];
    const failed: FakeDelivery[] = [];
    for (const { eventType, payload } of during) failed.push(await github.deliver(await asGitHubSendsIt(eventType, payload)));
    assert.deepEqual(
      failed.map((d) => d.status_code),
      [503, 503, 503, 503, 503],
      'the webhook refused each while queues were down',
    );

    // The queues come back; a later event of PR 101 arrives normally.
    for (const queue of botQueues().filter((q) => DOWN.includes(q.name))) broker.createQueue(queue);
    const closed = event('pull_request', 'closed', 101);
    const after = await github.deliver(await asGitHubSendsIt(closed.eventType, closed.payload));
    assert.equal(after.status_code, 202);

    // Before the timer runs, merge-warden has only what arrived after the outage: opened is lost.
    const before = github.answers.get(after.id) as { routes: { bot: string; sessionId: string }[] };
    const warden = before.routes.find((r) => r.bot === 'merge-warden')!;
    assert.deepEqual(
      (await drainSession(receiver, 'bot-merge-warden', warden.sessionId)).map((m) => m.messageId),
      [after.guid],
    );

    const timer = app.definitions.find((d): d is TimerFunctionDefinition => d.name === REDELIVERY_FUNCTION_NAME);
    assert.ok(timer, 'GitHub credentials configured: the redelivery timer is part of the app');
    await timer.handler(timerTick(new Date()), quietContext(REDELIVERY_FUNCTION_NAME).context);
    await github.idle();
    assert.deepEqual(
      github.attempts,
      failed.map((d) => d.id),
      'one redelivery per failed delivery, oldest first',
    );

    // Every delivery now has a 2xx at GitHub, and sits in each routed session exactly once.
    const redelivered = github.deliveries.filter((d) => d.redelivery);
    assert.deepEqual(
      redelivered.map((d) => [d.guid, d.status_code]),
      failed.map((d) => [d.guid, 202]),
    );
    const expected = new Map<string, string[]>(); // "queue|session" → guids in the order they reached that queue
    const reached = (delivery: FakeDelivery, onlyDown: boolean) => {
      const { routes } = github.answers.get(delivery.id) as { routes: { bot: string; sessionId: string }[] };
      for (const { bot, sessionId } of routes) {
        const queue = `bot-${bot}`;
        if (onlyDown && !DOWN.includes(queue)) continue;
        const key = `${queue}|${sessionId}`;
        expected.set(key, [...(expected.get(key) ?? []), delivery.guid]);
      }
    };
    // Queues that were up took each failed delivery at its first attempt (the redelivery is a
    // duplicate they drop), in arrival order; the missing ones got it when it was redelivered.
    const redeliveryOf = (guid: string) => redelivered.find((d) => d.guid === guid)!;
    for (const delivery of failed) {
      const { routes } = github.answers.get(redeliveryOf(delivery.guid).id) as { routes: { bot: string; sessionId: string }[] };
      for (const { bot, sessionId } of routes.filter((r) => !DOWN.includes(`bot-${r.bot}`))) {
        const key = `bot-${bot}|${sessionId}`;
        expected.set(key, [...(expected.get(key) ?? []), delivery.guid]);
      }
    }
    reached(after, false);
    expected.set(`bot-merge-warden|${warden.sessionId}`, []); // drained above, with `closed`
    for (const delivery of failed) reached(redeliveryOf(delivery.guid), true);

    assert.ok(expected.size >= 8, `sessions checked: ${[...expected.keys()].join(', ')}`);
    for (const [key, guids] of expected) {
      const [queue, sessionId] = key.split('|') as [string, string];
      const messages = await drainSession(receiver, queue, sessionId);
      assert.deepEqual(
        messages.map((m) => m.messageId),
        guids,
        `${queue} session ${sessionId}: each delivery once, in the order it reached the queue`,
      );
    }
    // The repository-wide sessions (queues that never went down) kept GitHub's order throughout.
    const spec = [...expected].find(([key]) => key.startsWith('bot-spec-sentinel|'))!;
    assert.deepEqual(
      spec[1],
      [failed[0]!, failed[2]!, failed[3]!, after].map((d) => d.guid),
      'PR 101 opened, synchronize, PR 102 opened, PR 101 closed',
    );

    // A second run finds nothing left to redeliver.
    await timer.handler(timerTick(new Date()), quietContext(REDELIVERY_FUNCTION_NAME).context);
    await github.idle();
    assert.equal(github.attempts.length, failed.length);
  } finally {
    await receiver.close();
    await http.close();
    await app.close();
    await github.close();
    await broker.close();
    await azurite.stop();
  }
});
