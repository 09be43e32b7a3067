import assert from 'node:assert/strict';
import { it } from 'node:test';
import { botDefinitionSchema } from '../../../src/bots/bot-config-schema.js';
import type { InlineEventEnvelope } from '../../../src/envelope/event-envelope.js';
import type { SessionContext } from '../../../src/lifecycle/session-context.js';
import { createTarget } from '../../../src/targets/create-target.js';
import { createBotModuleRegistry, isWebhookEvent } from '../../../src/targets/module-registry.js';
import { pullRequestEnvelope } from '../../support/processing/example-envelopes.js';

const moduleBot = (target: Record<string, unknown>) =>
  botDefinitionSchema.parse({ name: 'merge-warden', queue: 'bot-merge-warden', events: ['*'], target: { type: 'module', ...target } });
const deps = (modules: ReturnType<typeof createBotModuleRegistry>) => ({ env: {}, journalPath: '/unused', now: () => new Date(), modules });

it('calls the handler registered under the bot name with the envelope and session', async () => {
  const modules = createBotModuleRegistry();
  const calls: [InlineEventEnvelope, SessionContext | null][] = [];
  modules.register('merge-warden', (envelope, session) => void calls.push([envelope, session]));
  const envelope = pullRequestEnvelope({ deliveryId: 'd-1' });
  const session = { id: 'pr-octo/repo-1', generation: 1, index: 1, isNew: true };
  await createTarget(moduleBot({}), deps(modules)).deliver({ envelope, session, deliveryCount: 1 });
  assert.deepEqual(calls, [[envelope, session]]);
});

it('uses the module name from bots.json when given, and lets the handler error through', async () => {
  const modules = createBotModuleRegistry();
  modules.register('shared-merger', () => {
    throw new Error('not today');
  });
  const target = createTarget(moduleBot({ name: 'shared-merger' }), deps(modules));
  await assert.rejects(
    target.deliver({
      envelope: pullRequestEnvelope({ deliveryId: 'd' }),
      session: { id: 's', generation: 1, index: 1, isNew: true },
      deliveryCount: 1,
    }),
    /not today/,
  );
});

it('stops start-up when no module is registered under the name, listing those that are', () => {
  const modules = createBotModuleRegistry();
  modules.register('other', () => undefined);
  assert.throws(
    () => createTarget(moduleBot({}), deps(modules)),
    /module target "merge-warden", but no module is registered.*registered: other/,
  );
  assert.throws(() => modules.register('other', () => undefined), /already registered/);
});

it("a module handler narrows the envelope to one event and reads its payload with @octokit/webhooks' types", async () => {
  const modules = createBotModuleRegistry();
  const seen: string[] = [];
  modules.register('merge-warden', (envelope) => {
    // Compiles only because the payload is typed: a plain JsonObject has no `pull_request.number`.
    if (isWebhookEvent(envelope, 'pull_request.opened')) {
      const number: number = envelope.payload.pull_request.number;
      const login: string = envelope.payload.sender.login;
      seen.push(`opened #${number} by ${login}`);
    } else if (isWebhookEvent(envelope, 'pull_request')) {
      seen.push(`pull_request ${envelope.payload.action}`);
    }
    if (isWebhookEvent(envelope, 'issues')) seen.push('never: not an issues event');
  });
  const target = createTarget(moduleBot({}), deps(modules));
  const session = { id: 'pr-octo/repo-1', generation: 1, index: 1, isNew: true };
  const opened = pullRequestEnvelope({ deliveryId: 'd-1' });
  await target.deliver({ envelope: opened, session, deliveryCount: 1 });
  const closed = { ...opened, action: 'closed' };
  await target.deliver({ envelope: closed, session, deliveryCount: 1 });
  const payload = opened.payload as { pull_request: { number: number }; sender: { login: string } };
  assert.deepEqual(seen, [
    `opened #${payload.pull_request.number} by ${payload.sender.login}`,
    `pull_request ${String(opened.payload['action'])}`,
  ]);
});
