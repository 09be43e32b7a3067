import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { botsFileSchema, type BotDefinition } from '../bots/bot-config-schema.js';
import type { Settings } from '../config/settings.js';

/** Temporary: the bots the local host announces and makes queues for, until core's loader lands. */
export function readBots(settings: Settings): BotDefinition[] {
  const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const file = settings.BOTS_CONFIG_PATH ?? path.join(projectRoot, 'src/bots/bots.json');
  const parsed = botsFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data.bots;
}
