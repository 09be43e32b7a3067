import { copyFileSync, existsSync, readFileSync } from 'node:fs';

/**
 * `local.settings.json`, as `func start` reads it: its `Values` become environment variables,
 * and a variable already set in the real environment wins (so `PORT=… npm start` and CI
 * overrides work without editing the file).
 */
export interface LocalSettingsFile {
  IsEncrypted?: boolean;
  Values?: Record<string, string>;
  Host?: { LocalHttpPort?: number };
}

/** Creates the settings file from the sample when missing; true when it did. */
export function ensureLocalSettings(settingsPath: string, samplePath: string): boolean {
  if (existsSync(settingsPath)) return false;
  if (!existsSync(samplePath)) {
    throw new Error(`Neither ${settingsPath} nor its sample ${samplePath} exists: cannot configure the local host`);
  }
  copyFileSync(samplePath, settingsPath);
  return true;
}

export function readLocalSettings(settingsPath: string): LocalSettingsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(settingsPath, 'utf8'));
  } catch (error) {
    throw new Error(`${settingsPath} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${settingsPath} must hold a JSON object with a "Values" object`);
  }
  const file = parsed as LocalSettingsFile;
  if (file.IsEncrypted === true) {
    throw new Error(`${settingsPath} is encrypted ("IsEncrypted": true); the local host reads plain values only`);
  }
  const values = file.Values ?? {};
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new Error(`${settingsPath}: "Values" must be an object of setting names to strings`);
  }
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string') {
      throw new Error(`${settingsPath}: Values.${name} must be a string, got ${JSON.stringify(value)}`);
    }
  }
  return { ...file, Values: values };
}

/**
 * Copies each value into `env` unless the real environment already has it.
 * Returns the names taken from the file and the names the environment overrode.
 */
export function applyLocalSettings(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv,
): { fromFile: string[]; fromEnvironment: string[] } {
  const fromFile: string[] = [];
  const fromEnvironment: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (env[name] !== undefined) {
      fromEnvironment.push(name);
    } else {
      env[name] = value;
      fromFile.push(name);
    }
  }
  return { fromFile, fromEnvironment };
}
