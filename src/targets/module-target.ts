import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { BotTarget } from './bot-target.js';
import type { BotModuleRegistry } from './module-registry.js';

/** Resolves the module at start-up, so a bot pointing at a module nobody registered stops the app, not its messages. */
export function createModuleTarget(bot: BotDefinition, modules: BotModuleRegistry): BotTarget {
  const name = (bot.target.type === 'module' ? bot.target.name : undefined) ?? bot.name;
  const handler = modules.get(name);
  if (!handler) {
    const known = modules.names();
    throw new Error(
      `Bot "${bot.name}" has a module target "${name}", but no module is registered under that name ` +
        `(registered: ${known.length ? known.join(', ') : 'none'}). Call registerBotModule("${name}", handler) before start-up.`,
    );
  }
  const { onSessionClosed } = modules.hooks(name);
  return {
    async deliver({ envelope, session }) {
      await handler(envelope, session);
    },
    async sessionClosed(notice) {
      await onSessionClosed?.(notice);
    },
  };
}
