import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import functions from '@azure/functions';
import { loadBots } from '../../src/bots/load-bots.js';
import { parseEnvelope } from '../../src/envelope/parse-envelope.js';
import type { SessionToucher } from '../../src/lifecycle/session-context.js';
import { createBotMessageHandler } from '../../src/processing/bot-message-handler.js';
import type { HoldDeps } from '../../src/processing/keep-held-message.js';
import type { PoisonStore } from '../../src/processing/poison-record.js';
import { createTarget } from '../../src/targets/create-target.js';
import { noTelemetry } from '../../src/telemetry/telemetry.js';
import { pullRequestEnvelope } from '../../test/support/processing/example-envelopes.js';
import type { Benchmark } from './benchmark.js';

/**
 * The handler's own cost per message, storage aside: parse and validate a real pull_request
 * envelope (≈ 20 KB, as bytes, as the trigger hands it over), touch an in-memory session, call
 * the target. Table round trips (one read + one write per message) come on top.
 */
const bot = loadBots().bots.find((b) => b.name === 'merge-warden')!;
const body = Buffer.from(JSON.stringify(pullRequestEnvelope({ deliveryId: 'bench-1' })));
const context = new functions.InvocationContext({
  functionName: 'bot-merge-warden',
  triggerMetadata: { sessionId: 'pr-octo/repo-1', messageId: 'bench-1', deliveryCount: 1, enqueuedTimeUtc: new Date().toISOString() },
  logHandler: () => undefined,
});
let index = 0;
const sessions: SessionToucher = {
  look: async () => null,
  touch: async (_bot, id) => ({ session: { id, generation: 1, index: ++index, isNew: false }, closed: null }),
};
const poison: PoisonStore = { record: async () => undefined, list: async () => [], get: async () => undefined };
const now = () => new Date();
// merge-warden holds on poison: its hold check (`look`) runs per message; the held store is never reached on the happy path.
const unreached = async (): Promise<never> => {
  throw new Error('the held store is not used on the happy path');
};
const holds: HoldDeps = {
  sessions: { get: unreached, replaceIf: unreached },
  held: { put: unreached, list: unreached, count: unreached, remove: unreached, payloadBlobs: unreached },
};
const handlerWith = (target: ReturnType<typeof createTarget>) =>
  createBotMessageHandler({
    bot,
    parseEnvelope,
    resolvePayload: async () => ({}),
    sessions,
    target,
    poison,
    telemetry: noTelemetry,
    now,
    holds,
  });

const noTarget = handlerWith({ deliver: async () => undefined });
const journalDirectory = mkdtempSync(path.join(tmpdir(), 'bench-journal-'));
process.once('exit', () => rmSync(journalDirectory, { recursive: true, force: true }));
const journal = handlerWith(
  createTarget({ ...bot, target: { type: 'journal' } }, { env: {}, now, journalPath: path.join(journalDirectory, 'journal.jsonl') }),
);

export const benchmarks: Benchmark[] = [
  { name: 'bot message handler: pull_request.opened, no-op target', run: () => noTarget(body, context) },
  { name: 'bot message handler: pull_request.opened, journal target', run: () => journal(body, context) },
];
