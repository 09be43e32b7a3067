import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { CustomStrategies } from '../sessions/custom-strategies.js';
import { botsFileSchema, type BotDefinition } from './bot-config-schema.js';
import { createBotRegistry, type BotRegistry } from './bot-registry.js';
import { BotsConfigError, type BotsConfigProblem } from './bots-config-error.js';
// Imported rather than read from disk so tsc copies it into dist and the deployed package carries it.
import shippedBots from './bots.json' with { type: 'json' };

export interface LoadBotsOptions {
  /** A bots file to read instead of the shipped one (the app passes BOTS_CONFIG_PATH). */
  path?: string;
  /** An already-parsed bots file (tests, tools). */
  json?: unknown;
  customs?: CustomStrategies;
  /** Names the file in errors when `json` is given. */
  source?: string;
}

/** A bots file read and checked against the schema, the seed's defaults applied; no strategy compiled yet. */
export interface ReadBots {
  /** Where the definitions came from (a path, or "bots.json" for the shipped file). */
  readonly source: string;
  readonly bots: BotDefinition[];
}

/**
 * The one way to read a bots file, for the app and the tools (development broker, deploy):
 * validates it against the schema (event names included) and applies the seed's defaults.
 * Anything wrong throws BotsConfigError naming the file, the bot and the field.
 * Tools stop here: custom strategies are registered by the app's code, not theirs.
 */
export function readBots(options: Omit<LoadBotsOptions, 'customs'> = {}): ReadBots {
  if (options.path !== undefined && options.json !== undefined) {
    throw new TypeError('readBots: pass either path or json, not both');
  }
  const source = options.path ?? options.source ?? 'bots.json';
  const json = options.path !== undefined ? readBotsFile(options.path) : (options.json ?? shippedBots);
  const parsed = botsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new BotsConfigError(
      source,
      parsed.error.issues.map((issue) => problemAt(json, issue.path, describeIssue(issue, valueAt(json, issue.path)))),
    );
  }
  return { source, bots: parsed.data.bots };
}

/**
 * The bot registry for start-up: readBots, then filters and strategies compiled (custom names
 * resolved now). The app must not start with a half-read config.
 */
export function loadBots(options: LoadBotsOptions = {}): BotRegistry {
  const { source, bots } = readBots(options);
  return createBotRegistry(bots, { customs: options.customs, source });
}

function readBotsFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BotsConfigError(path, [{ field: '', message: `cannot read the bots file: ${(error as Error).message}` }], { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BotsConfigError(path, [{ field: '', message: `not valid JSON: ${(error as Error).message}` }], { cause: error });
  }
}

/** Splits a schema issue's path into the bot (index and, if readable, name) and the field inside it. */
function problemAt(json: unknown, path: readonly PropertyKey[], message: string): BotsConfigProblem {
  const [first, index, ...inside] = path;
  if (first !== 'bots' || typeof index !== 'number') {
    return { field: fieldPath(path), message };
  }
  const raw = (json as { bots?: unknown[] }).bots?.[index];
  const name = typeof raw === 'object' && raw !== null ? (raw as { name?: unknown }).name : undefined;
  return { index, botName: typeof name === 'string' ? name : undefined, field: fieldPath(inside), message };
}

/** `targets[0].url`, as people write paths into JSON. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`),
    '',
  );
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return `is required (a ${issue.expected})`;
  // zod names the allowed values but not the one given (a typo is easier to see next to the list).
  if ((issue.code === 'invalid_union' || issue.code === 'invalid_value') && value !== undefined) {
    return `${issue.message}, got ${JSON.stringify(value)}`;
  }
  return issue.message;
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let value = json;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
