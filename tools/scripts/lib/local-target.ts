import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLocalSettings } from '../../local-host/local-settings.js';

/** The repository root (this file runs as dist/tools/scripts/lib/local-target.js). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A setting as the running local host sees it: the environment first, then local.settings.json, then its sample. */
export function localSetting(name: string): string | undefined {
  if (process.env[name]) return process.env[name];
  for (const file of [process.env.LOCAL_SETTINGS_FILE ?? 'local.settings.json', 'local.settings.sample.json']) {
    const full = path.resolve(projectRoot, file);
    if (existsSync(full)) {
      const value = readLocalSettings(full).Values?.[name];
      if (value) return value;
    }
  }
  return undefined;
}

export function defaultWebhookUrl(): string {
  return `http://localhost:${localSetting('LOCAL_HTTP_PORT') || 7071}/api/github/webhooks`;
}
