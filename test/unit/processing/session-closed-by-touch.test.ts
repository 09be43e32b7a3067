import assert from 'node:assert/strict';
import { test } from 'node:test';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import { createBotMessageHandler } from '../../../src/processing/bot-message-handler.js';
import type { TargetInput } from '../../../src/targets/bot-target.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';
import { memoryPoisonStore, queueContext, recordingTelemetry } from '../../support/processing/fakes.js';

test('a generation the touch closed is reported like a janitor close, and the target sees only the new place', async () => {
  const t0 = new Date('2026-11-26T17:00:00.000Z');
  const closed = {
    generation: 3,
    reason: 'maxMessagesPerSession' as const,
    messageCount: 7,
    openedAt: t0,
    lastActivityAt: new Date(t0.getTime() + 60_000),
    closedAt: new Date(t0.getTime() + 90_000),
  };
  const delivered: TargetInput[] = [];
  const telemetry = recordingTelemetry();
  const handler = createBotMessageHandler({
    bot: botDefinitionSchema.parse({ name: 'merge-warden', queue: 'bot-merge-warden', events: ['*'], onPoison: 'skip' }),
    parseEnvelope,
    resolvePayload: async () => ({}),
    sessions: { look: async () => null, touch: async (_bot, id) => ({ session: { id, generation: 4, index: 1, isNew: true }, closed }) },
    target: { deliver: async (input) => void delivered.push(input) },
    poison: memoryPoisonStore(),
    telemetry,
    now: () => closed.closedAt,
  });
  await handler(
    pullRequestEnvelope({ deliveryId: 'd-8', number: 7 }),
    queueContext({ sessionId: 'pr-octo/repo-7', messageId: 'd-8', eventType: 'pull_request' }),
  );

  assert.deepEqual(delivered[0]!.session, { id: 'pr-octo/repo-7', generation: 4, index: 1, isNew: true });
  const event = telemetry.events.find((e) => e.name === 'SessionClosed');
  assert.deepEqual(event?.properties, {
    bot: 'merge-warden',
    reason: 'maxMessagesPerSession',
    sessionId: 'pr-octo/repo-7',
    generation: 3,
    durationMs: 90_000,
    activeMs: 60_000,
    messageCount: 7,
    closedBy: 'touch',
  });
  assert.ok(telemetry.metrics.some((m) => m.name === 'session.messageCount' && m.value === 7));
});
