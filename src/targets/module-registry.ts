import type { InlineEventEnvelope } from '../envelope/event-envelope.js';
import type { SessionContext } from '../lifecycle/session-context.js';
import type { SessionClosedNotice } from '../lifecycle/session-closed-notice.js';

/**
 * An in-process bot. Throw a `PermanentError` for a message that can never succeed (it is
 * recorded as poison, then skipped or its session held, per the bot's `onPoison`); anything else
 * thrown is retried in order.
 * `session` is null for a bot with `strategy: none` (its queue has no sessions).
 */
export type BotModuleHandler = (envelope: InlineEventEnvelope, session: SessionContext | null) => Promise<void> | void;

/** Optional hooks of an in-process bot besides its event handler. */
export interface BotModuleHooks {
  /** A generation of one of the bot's sessions closed (at least once; key: sessionId + generation). */
  onSessionClosed?: (notice: SessionClosedNotice) => Promise<void> | void;
}

export interface BotModuleRegistry {
  register(name: string, handler: BotModuleHandler, hooks?: BotModuleHooks): void;
  get(name: string): BotModuleHandler | undefined;
  hooks(name: string): BotModuleHooks;
  names(): string[];
}

export function createBotModuleRegistry(): BotModuleRegistry {
  const handlers = new Map<string, BotModuleHandler>();
  const hooksOf = new Map<string, BotModuleHooks>();
  return {
    register(name, handler, hooks = {}) {
      if (!name.trim()) throw new Error('A bot module needs a non-empty name');
      if (handlers.has(name)) throw new Error(`A bot module named "${name}" is already registered`);
      handlers.set(name, handler);
      hooksOf.set(name, hooks);
    },
    get: (name) => handlers.get(name),
    hooks: (name) => hooksOf.get(name) ?? {},
    names: () => [...handlers.keys()].sort(),
  };
}

/** The registry `module` targets use unless told otherwise: register before the targets are created. */
export const botModules: BotModuleRegistry = createBotModuleRegistry();

/** Registers an in-process bot under `name` (a `module` target's `name`, by default the bot's name). */
export function registerBotModule(name: string, handler: BotModuleHandler, hooks?: BotModuleHooks): void {
  botModules.register(name, handler, hooks);
}

export { isWebhookEvent, type WebhookEnvelope } from './is-webhook-event.js';
