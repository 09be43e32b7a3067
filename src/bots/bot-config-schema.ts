import { z } from 'zod';
import { parseIsoDuration } from '../config/parse-iso-duration.js';
import { stringParams, strategyConfigSchema, type StrategyType } from '../sessions/strategy-config-schema.js';

export { strategyConfigSchema, type StrategyConfig, type StrategyType } from '../sessions/strategy-config-schema.js';
import { unknownEventProblem } from './check-event-name.js';

/** An ISO 8601 duration kept as written (Bicep needs the text) and as milliseconds (the code needs a number). */
const isoDuration = () =>
  z.string().transform((text, ctx) => {
    const ms = parseIsoDuration(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be a positive ISO 8601 duration such as PT30M, PT2H or P3D, got "${text}"` });
      return z.NEVER;
    }
    return { iso: text, ms };
  });

export type Duration = { iso: string; ms: number };

const duration = (iso: string) => isoDuration().default({ iso, ms: parseIsoDuration(iso)! });

/** As `duration`, but zero (`PT0S`) allowed: a wait that may be switched off. */
const pauseDuration = (iso: string) =>
  z
    .string()
    .transform((text, ctx) => {
      const ms = parseIsoDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be an ISO 8601 duration such as PT1S or PT0S, got "${text}"` });
        return z.NEVER;
      }
      return { iso: text, ms };
    })
    .default({ iso, ms: parseIsoDuration(iso)! });

const botName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,47}[a-z0-9]$/, 'must be 2-49 lower-case letters, digits or dashes, starting with a letter');

// Service Bus queue names allow more, but these are safe as Bicep resource names, Functions
// trigger names and Table partition keys alike.
const queueName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,48}[a-z0-9]$/, 'must be 2-50 lower-case letters, digits, ".", "_" or "-"');

const EVENT_PATTERN = /^!?(\*|[a-z_]+(\.(\*|[a-z_]+))?)$/;
const eventPattern = z
  .string()
  .regex(EVENT_PATTERN, 'must be "event", "event.action", "event.*" or "*", optionally prefixed with "!" to exclude')
  // A well-formed name GitHub never sends ("pull_requests", "issue.opened") would route nothing, silently.
  .superRefine((pattern, ctx) => {
    const problem = EVENT_PATTERN.test(pattern) ? unknownEventProblem(pattern) : undefined;
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

const repositoryPattern = z
  .string()
  .regex(/^!?[A-Za-z0-9_.*-]+\/[A-Za-z0-9_.*-]+$/, 'must be "owner/name", with "*" wildcards, optionally prefixed with "!"');

/** The seed's BotSessionConfig, with its defaults. */
const sessionConfigSchema = z
  .object({
    maxSessionDuration: duration('PT2H'),
    maxMessagesPerSession: z.number().int().positive().default(1000),
    sessionTimeout: duration('PT30M'),
    /** The seed's custom strategy parameters; handed to a custom strategy under its `strategy.params`. */
    strategyParams: stringParams.default({}),
  })
  .strict();

/** Properties of the bot's Service Bus queue: read by Bicep, the development broker and the janitor. */
const deliveryConfigSchema = z
  .object({
    maxDeliveryCount: z.number().int().min(1).max(2000).default(10),
    lockDuration: duration('PT1M').refine((d) => d.ms >= 5_000 && d.ms <= 300_000, {
      error: 'must be between PT5S and PT5M (a Service Bus limit)',
    }),
    // GitHub lets people redeliver a delivery for 3 days; within the window the broker drops the copy.
    duplicateDetectionWindow: duration('P3D').refine((d) => d.ms >= 20_000 && d.ms <= 7 * 86_400_000, {
      error: 'must be between PT20S and P7D (a Service Bus limit)',
    }),
    // Not queue properties: how the handler retries a transient failure in place, holding the
    // session (its lock renewed by the host) instead of spending a delivery attempt. The first wait
    // is `retryDelay`, doubled per retry with jitter (at most 30 s, or the target's Retry-After),
    // for up to `maxRetryDuration` per delivery; only then is the message abandoned (redelivered,
    // delivery count + 1). PT0S = no retry in place. Outage tolerance = maxDeliveryCount × maxRetryDuration.
    retryDelay: duration('PT1S'),
    maxRetryDuration: pauseDuration('PT4M'),
  })
  .strict();

const settingName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(__[A-Za-z0-9_]+)*$/, 'must be an app setting name');

export const targetConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('journal') }).strict(),
  z.object({ type: z.literal('module'), name: z.string().min(1).optional() }).strict(),
  z
    .object({
      type: z.literal('http'),
      url: z.url({ protocol: /^https?$/ }).optional(),
      urlSetting: settingName.optional(),
      secretSetting: settingName.optional(),
      timeoutMs: z.number().int().positive().max(230_000).default(10_000),
    })
    .strict()
    .refine((t) => (t.url === undefined) !== (t.urlSetting === undefined), {
      error: 'an http target needs exactly one of "url" or "urlSetting"',
    }),
]);

export type TargetConfig = z.infer<typeof targetConfigSchema>;

export const botDefinitionSchema = z
  .object({
    name: botName,
    description: z.string().optional(),
    queue: queueName,
    events: z.array(eventPattern).min(1, 'must list at least one event pattern'),
    repositories: z.array(repositoryPattern).min(1).optional(),
    strategy: strategyConfigSchema.default({ type: 'entity', params: {} }),
    session: sessionConfigSchema.default(() => sessionConfigSchema.parse({})),
    delivery: deliveryConfigSchema.default(() => deliveryConfigSchema.parse({})),
    target: targetConfigSchema.default({ type: 'journal' }),
    /**
     * What a message that can never succeed does to its session: `skip` records it as poison and
     * the session goes on; `hold` records it and stops that session (later messages kept in order,
     * not processed) until an operator resumes it. Default per strategy: `defaultPoisonPolicy`.
     */
    onPoison: z.enum(['skip', 'hold']).optional(),
    /**
     * The queue trigger's cardinality, as the host names it: `one` hands the handler one message per
     * invocation; `many` a batch of one session's messages in order (host.json
     * `extensions.serviceBus.maxMessageBatchSize`), so the session touch is one Table write per batch.
     * https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger#configuration
     */
    cardinality: z.enum(['one', 'many']).default('one'),
  })
  .strict()
  .superRefine((bot, ctx) => {
    if (bot.onPoison === 'hold' && bot.strategy.type === 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['onPoison'],
        message: '"hold" stops a session, but strategy "none" has no sessions to stop: use "skip"',
      });
    }
  })
  .transform((bot) => ({ ...bot, onPoison: bot.onPoison ?? defaultPoisonPolicy(bot.strategy.type) }));

export type PoisonPolicy = 'skip' | 'hold';

/**
 * `hold` where a session carries one thing's state, so a later event acted on without an earlier
 * one would be wrong (entity, repository, the hybrid of the two, a time partition of an entity,
 * and a custom key, which a bot author chose for its ordering); `skip` where order is only a
 * convenience: `none` (no sessions) and `user` (one user's events across many unrelated entities,
 * which one poison message should not stall).
 */
function defaultPoisonPolicy(strategy: StrategyType): PoisonPolicy {
  return strategy === 'none' || strategy === 'user' ? 'skip' : 'hold';
}

export type BotDefinition = z.infer<typeof botDefinitionSchema>;

export const botsFileSchema = z
  .object({
    $schema: z.string().optional(),
    bots: z.array(botDefinitionSchema).min(1, 'must define at least one bot'),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.bots.forEach((bot, index) => {
      for (const [key, value] of [
        ['name', bot.name],
        ['queue', bot.queue],
      ] as const) {
        const first = seen.get(`${key}:${value}`);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['bots', index, key], message: `duplicates the ${key} of bots[${first}] ("${value}")` });
        } else {
          seen.set(`${key}:${value}`, index);
        }
      }
    });
  });

export type BotsFile = z.infer<typeof botsFileSchema>;
