import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import { parseEnvelope } from '../../../src/envelope/parse-envelope.js';
import {
  readSessionClosedNotice,
  sessionClosedMessageId,
  toSessionClosedMessage,
  type SessionClosedNotice,
} from '../../../src/lifecycle/session-closed-notice.js';
import { createBotMessageHandler } from '../../../src/processing/bot-message-handler.js';
import { createTarget } from '../../../src/targets/create-target.js';
import { createBotModuleRegistry } from '../../../src/targets/module-registry.js';
import { memoryPoisonStore, memorySessions, queueContext, recordingTelemetry } from '../../support/processing/fakes.js';

const directory = await mkdtemp(path.join(tmpdir(), 'notice-'));
after(() => rm(directory, { recursive: true, force: true }));

const notice: SessionClosedNotice = {
  sessionId: 'pr-octo/repo-7',
  generation: 3,
  reason: 'sessionTimeout',
  messageCount: 12,
  openedAt: '2026-11-26T17:00:00.000Z',
  closedAt: '2026-11-26T18:00:00.000Z',
};
const bot = (fields: Record<string, unknown>) =>
  botDefinitionSchema.parse({ name: 'merge-warden', queue: 'bot-merge-warden', events: ['*'], onPoison: 'skip', ...fields });

it('the control message round-trips its notice, with a MessageId of at most 128 characters per session and generation', () => {
  const message = toSessionClosedMessage('merge-warden', { ...notice, sessionId: 'x'.repeat(128) });
  assert.equal(message.sessionId, 'x'.repeat(128));
  assert.ok(String(message.messageId).length <= 128);
  assert.equal(message.messageId, sessionClosedMessageId('x'.repeat(128), 3));
  assert.notEqual(sessionClosedMessageId('a', 3), sessionClosedMessageId('a', 4));
  assert.deepEqual(readSessionClosedNotice(message.body), { ...notice, sessionId: 'x'.repeat(128) });
  assert.equal(readSessionClosedNotice(Buffer.from(JSON.stringify({ eventId: 'd-1', kind: 'other' }))), undefined);
});

it('a module target calls its onSessionClosed hook; the journal writes a line', async () => {
  const modules = createBotModuleRegistry();
  const told: SessionClosedNotice[] = [];
  modules.register('merge-warden', () => {}, { onSessionClosed: (n) => void told.push(n) });
  await createTarget(bot({ target: { type: 'module' } }), { env: {}, journalPath: '/unused', now: () => new Date(), modules })
    .sessionClosed!(notice);
  assert.deepEqual(told, [notice]);

  const journalPath = path.join(directory, 'journal.jsonl');
  await createTarget(bot({}), { env: {}, journalPath, now: () => new Date('2026-11-26T18:00:01.000Z') }).sessionClosed!(notice);
  assert.deepEqual(JSON.parse((await readFile(journalPath, 'utf8')).trim()), {
    bot: 'merge-warden',
    event: 'session-closed',
    ...notice,
    processedAt: '2026-11-26T18:00:01.000Z',
  });
});

it('the handler tells the target of a control message without touching the session; a bot without sessions is not told', async () => {
  for (const [strategy, expected] of [
    [{ type: 'entity' }, 1],
    [{ type: 'none' }, 0],
  ] as const) {
    const told: SessionClosedNotice[] = [];
    const sessions = memorySessions();
    const handler = createBotMessageHandler({
      bot: bot({ strategy }),
      parseEnvelope,
      resolvePayload: async () => ({}),
      sessions,
      target: { deliver: async () => assert.fail('not an event'), sessionClosed: async (n) => void told.push(n) },
      poison: memoryPoisonStore(),
      telemetry: recordingTelemetry(),
      now: () => new Date(),
    });
    const message = toSessionClosedMessage('merge-warden', notice);
    await handler(message.body, queueContext({ sessionId: notice.sessionId, messageId: String(message.messageId) }));
    assert.equal(told.length, expected, `strategy ${strategy.type}`);
    assert.deepEqual(sessions.touches, [], 'a notice is not a session message');
  }
});

it('onPoison defaults by strategy, and "hold" without sessions stops start-up naming the field', () => {
  const policy = (type: string, params: Record<string, unknown> = {}) =>
    botDefinitionSchema.parse({ name: 'b1', queue: 'q1', events: ['*'], strategy: { type, params } }).onPoison;
  assert.deepEqual(
    [
      policy('none'),
      policy('entity'),
      policy('repository'),
      policy('user'),
      policy('entity-repository-hybrid'),
      policy('time-partitioned-entity', { partitionMinutes: 5 }),
      policy('custom', { name: 'x' }),
    ],
    ['skip', 'hold', 'hold', 'skip', 'hold', 'hold', 'hold'],
  );
  const result = botDefinitionSchema.safeParse({ name: 'b1', queue: 'q1', events: ['*'], strategy: { type: 'none' }, onPoison: 'hold' });
  assert.equal(result.success, false);
  assert.deepEqual(result.error?.issues[0]?.path, ['onPoison']);
});

it('a bot that rejects a notice for good is not poisoned or held for it', async () => {
  const { PermanentError } = await import('../../../src/errors/delivery-errors.js');
  const poison = memoryPoisonStore();
  const telemetry = recordingTelemetry();
  const handler = createBotMessageHandler({
    bot: bot({}),
    parseEnvelope,
    resolvePayload: async () => ({}),
    sessions: memorySessions(),
    target: {
      deliver: async () => {},
      sessionClosed: async () => {
        throw new PermanentError('TargetRejected', 'Bot answered 400: missing x-github-event');
      },
    },
    poison,
    telemetry,
    now: () => new Date(),
  });
  const message = toSessionClosedMessage('merge-warden', notice);
  await handler(message.body, queueContext({ sessionId: notice.sessionId, messageId: String(message.messageId) }));
  assert.deepEqual(poison.records, []);
  assert.ok(telemetry.events.some((e) => e.name === 'SessionClosedNoticeRejected'));
});
