import { z } from 'zod';

/**
 * A bot's `strategy` in bots.json: which session key generator orders its messages, with its
 * parameters. Defined here, with the strategies, so sessions/ does not import the bots.json
 * schema that embeds it (src/bots/bot-config-schema.ts).
 */
export const stringParams = z.record(z.string(), z.string());

export const strategyConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none'), params: stringParams.default({}) }).strict(),
  z.object({ type: z.literal('entity'), params: stringParams.default({}) }).strict(),
  z.object({ type: z.literal('repository'), params: stringParams.default({}) }).strict(),
  z.object({ type: z.literal('user'), params: stringParams.default({}) }).strict(),
  z.object({ type: z.literal('entity-repository-hybrid'), params: stringParams.default({}) }).strict(),
  z
    .object({
      type: z.literal('time-partitioned-entity'),
      params: z.object({ partitionMinutes: z.number().int().positive() }).strict(),
    })
    .strict(),
  z
    .object({
      type: z.literal('custom'),
      params: z.object({ name: z.string().min(1) }).catchall(z.string()),
    })
    .strict(),
]);

export type StrategyConfig = z.infer<typeof strategyConfigSchema>;
export type StrategyType = StrategyConfig['type'];
