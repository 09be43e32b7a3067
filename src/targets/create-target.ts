import type { BotDefinition } from '../bots/bot-config-schema.js';
import type { BotTarget } from './bot-target.js';
import { createHttpTarget } from './http-target.js';
import { createJournalTarget } from './journal-target.js';
import { botModules, type BotModuleRegistry } from './module-registry.js';
import { createModuleTarget } from './module-target.js';
import { routerUserAgent } from './user-agent.js';

export interface TargetDeps {
  /** App settings, for http targets' `urlSetting` / `secretSetting`. */
  env: Readonly<Record<string, string | undefined>>;
  /** The JOURNAL_PATH setting. */
  journalPath: string;
  now: () => Date;
  modules?: BotModuleRegistry;
  fetch?: typeof globalThis.fetch;
  userAgent?: string;
}

/** The bot's target as `bots.json` describes it; throws at start-up for a setting or module that is not there. */
export function createTarget(bot: BotDefinition, deps: TargetDeps): BotTarget {
  switch (bot.target.type) {
    case 'http':
      return createHttpTarget(bot, { env: deps.env, userAgent: deps.userAgent ?? routerUserAgent(), fetch: deps.fetch });
    case 'module':
      return createModuleTarget(bot, deps.modules ?? botModules);
    case 'journal':
      return createJournalTarget(bot, { journalPath: deps.journalPath, now: deps.now });
  }
}
