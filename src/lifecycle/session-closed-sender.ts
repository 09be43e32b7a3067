import type { ServiceBusClient, ServiceBusSender } from '@azure/service-bus';
import type { BotDefinition } from '../bots/bot-config-schema.js';
import { toSessionClosedMessage, type SessionClosedNotice } from './session-closed-notice.js';

/** Puts session-closed control messages on bots' own queues (one sender per queue, opened on first use). */
export interface SessionClosedSender {
  send: (bot: Pick<BotDefinition, 'name' | 'queue'>, notice: SessionClosedNotice) => Promise<void>;
  close(): Promise<void>;
}

/** `client`: called on first send, so composing the app opens no connection. */
export function createSessionClosedSender(client: () => ServiceBusClient): SessionClosedSender {
  const senders = new Map<string, ServiceBusSender>();
  return {
    async send(bot, notice) {
      let sender = senders.get(bot.queue);
      if (sender === undefined) senders.set(bot.queue, (sender = client().createSender(bot.queue)));
      await sender.sendMessages(toSessionClosedMessage(bot.name, notice));
    },
    async close() {
      await Promise.all([...senders.values()].map((sender) => sender.close()));
      senders.clear();
    },
  };
}
