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

/** The local host's webhook URL, on the port it picks: LOCAL_HTTP_PORT, else local.settings.json's Host.LocalHttpPort, else 7071. */
export function defaultWebhookUrl(): string {
  const settingsFile = path.resolve(projectRoot, process.env.LOCAL_SETTINGS_FILE ?? 'local.settings.json');
  const filePort = existsSync(settingsFile) ? readLocalSettings(settingsFile).Host?.LocalHttpPort : undefined;
  return `http://localhost:${localSetting('LOCAL_HTTP_PORT') || filePort || 7071}/api/github/webhooks`;
}
