import type { InlineEventEnvelope } from '../envelope/event-envelope.js';
import type { SessionContext } from '../lifecycle/session-context.js';

/**
 * An in-process bot. Throw a `PermanentError` for a message that can never succeed (it is
 * recorded as poison and the session moves on); anything else thrown is retried in order.
 * `session` is null for a bot with `strategy: none` (its queue has no sessions).
 */
export type BotModuleHandler = (envelope: InlineEventEnvelope, session: SessionContext | null) => Promise<void> | void;

export interface BotModuleRegistry {
  register(name: string, handler: BotModuleHandler): void;
  get(name: string): BotModuleHandler | undefined;
  names(): string[];
}

export function createBotModuleRegistry(): BotModuleRegistry {
  const handlers = new Map<string, BotModuleHandler>();
  return {
    register(name, handler) {
      if (!name.trim()) throw new Error('A bot module needs a non-empty name');
      if (handlers.has(name)) throw new Error(`A bot module named "${name}" is already registered`);
      handlers.set(name, handler);
    },
    get: (name) => handlers.get(name),
    names: () => [...handlers.keys()].sort(),
  };
}

/** The registry `module` targets use unless told otherwise: register before the targets are created. */
export const botModules: BotModuleRegistry = createBotModuleRegistry();

/** Registers an in-process bot under `name` (a `module` target's `name`, by default the bot's name). */
export function registerBotModule(name: string, handler: BotModuleHandler): void {
  botModules.register(name, handler);
}
