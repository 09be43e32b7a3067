import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TableClient } from '@azure/data-tables';
import { createTableSessionStore } from '../../../src/lifecycle/table-session-store.js';
import { startTestAzurite, type RunningAzurite } from '../../support/shared-azurite.js';
import { createTableHeldMessageStore, type HeldMessage, type HeldMessageStore } from '../../../src/processing/held-message-store.js';
import { keepHeldMessage, type MessageToKeep } from '../../../src/processing/keep-held-message.js';
import { resumeHeldSession } from '../../../src/processing/resume-held-session.js';

const BOT = 'merge-warden';
const SESSION = 'pr-octo/repo-1';
const at = new Date('2026-11-29T10:00:00.000Z');
const message = (id: string): MessageToKeep => ({
  bot: BOT,
  sessionId: SESSION,
  messageId: id,
  body: JSON.stringify({ eventId: id }),
  eventType: 'pull_request',
  payloadBlob: null,
  enqueuedTimeUtc: null,
});

/**
 * The races between the session's lock holder keeping messages and a resume (another instance,
 * an operator's call), on Azurite: whatever interleaving, every message is delivered once, in order.
 */
describe('keeping and resuming race safely', () => {
  let azurite: RunningAzurite;
  before(async () => {
    azurite = await startTestAzurite();
  });
  after(() => azurite.stop());

  async function setUp() {
    const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const table = (name: string) =>
      TableClient.fromConnectionString(azurite.connectionString, `${name}${suffix}`, { allowInsecureConnection: true });
    await table('sessions').createTable();
    const sessions = createTableSessionStore({ tableClient: table('sessions') });
    const held = createTableHeldMessageStore({ tableClient: table('held') });
    const delivered: string[] = [];
    const deliver = async (m: HeldMessage) => {
      delivered.push(m.messageId);
      return { kind: 'delivered' as const };
    };
    assert.equal(await keepHeldMessage({ sessions, held }, message('m1'), undefined, at, { reason: 'TargetRejected' }), 'kept');
    return { sessions, held, delivered, deliver };
  }

  it('a resume that clears the hold before the kept row is written: the message is taken back and processed as usual', async () => {
    const { sessions, held, delivered, deliver } = await setUp();
    const stale = await sessions.get(BOT, SESSION);
    const racing: HeldMessageStore = {
      ...held,
      async put(m) {
        assert.equal((await resumeHeldSession({ sessions, held, deliver, now: () => at }, BOT, SESSION, 'retry')).outcome, 'resumed');
        await held.put(m);
      },
    };
    assert.equal(await keepHeldMessage({ sessions, held: racing }, message('m2'), stale, at), 'notHeld');
    assert.deepEqual(delivered, ['m1']);
    assert.deepEqual(await held.list(BOT, SESSION), [], 'the row was taken back');
    assert.equal((await sessions.get(BOT, SESSION))?.hold, undefined);
  });

  it('a resume that delivers the kept row before the record is moved on: the message counts as done, not processed twice', async () => {
    const { sessions, held, delivered, deliver } = await setUp();
    const stale = await sessions.get(BOT, SESSION);
    const racing: HeldMessageStore = {
      ...held,
      async put(m) {
        await held.put(m);
        assert.equal((await resumeHeldSession({ sessions, held, deliver, now: () => at }, BOT, SESSION, 'retry')).outcome, 'resumed');
      },
    };
    assert.equal(await keepHeldMessage({ sessions, held: racing }, message('m2'), stale, at), 'kept');
    assert.deepEqual(delivered, ['m1', 'm2']);
  });

  it('a message kept after the resume found the line empty fails its clear (If-Match): the next round delivers it', async () => {
    const { sessions, held, delivered, deliver } = await setUp();
    let appended = false;
    const racing: HeldMessageStore = {
      ...held,
      async list(bot, sessionId) {
        const line = await held.list(bot, sessionId);
        if (line.length === 0 && !appended) {
          appended = true;
          const current = await sessions.get(BOT, SESSION);
          assert.equal(await keepHeldMessage({ sessions, held }, message('m3'), current, at), 'kept');
        }
        return line;
      },
    };
    const result = await resumeHeldSession({ sessions, held: racing, deliver, now: () => at }, BOT, SESSION, 'retry');
    assert.equal(result.outcome, 'resumed');
    assert.deepEqual(delivered, ['m1', 'm3']);
    assert.equal((await sessions.get(BOT, SESSION))?.hold, undefined);
    assert.deepEqual(await held.list(BOT, SESSION), []);
  });
});
