import type { SessionKeyGenerator } from './session-key-generator.js';

/** Builds a generator from the bot's `strategy.params` (all of them except `name`). */
export type CustomStrategyFactory = (params: Readonly<Record<string, string>>) => SessionKeyGenerator;

/** A custom strategy: a ready generator, or a factory when bots.json parameterises it. */
export type CustomStrategy = SessionKeyGenerator | CustomStrategyFactory;

export type CustomStrategies = ReadonlyMap<string, CustomStrategy>;

const registered = new Map<string, CustomStrategy>();

/**
 * The app's custom strategies, referenced from bots.json as
 * `"strategy": { "type": "custom", "params": { "name": "<name>" } }`.
 * Register them before the bots are loaded (at start-up); the loader resolves names once.
 */
export const customStrategies: CustomStrategies = registered;

export function registerCustomStrategy(name: string, strategy: CustomStrategy): void {
  if (name.trim() === '') throw new TypeError('a custom strategy needs a name');
  if (registered.has(name)) throw new Error(`a custom strategy named "${name}" is already registered`);
  registered.set(name, strategy);
}

export class UnknownCustomStrategyError extends Error {
  override readonly name = 'UnknownCustomStrategyError';
  constructor(
    readonly strategyName: string,
    readonly known: readonly string[],
  ) {
    super(
      `no custom strategy named "${strategyName}" is registered (registered: ${
        known.length === 0 ? 'none' : known.map((name) => `"${name}"`).join(', ')
      })`,
    );
  }
}

export function resolveCustomStrategy(
  name: string,
  params: Readonly<Record<string, string>>,
  customs: CustomStrategies,
): SessionKeyGenerator {
  const strategy = customs.get(name);
  if (strategy === undefined) throw new UnknownCustomStrategyError(name, [...customs.keys()]);
  return typeof strategy === 'function' ? strategy(params) : strategy;
}
