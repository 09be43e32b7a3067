import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The emulator settings of the repository's local.settings.sample.json (Azurite, the development broker). */
export const EMULATOR_SETTINGS = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  ServiceBusConnection:
    'Endpoint=sb://localhost:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true',
};

/**
 * A temporary project folder for the local host: the repository's host.json and a
 * local.settings.sample.json with `values` (a function of the folder for paths inside it). The
 * caller removes it.
 */
export function makeLocalProject(prefix: string, values: Record<string, string> | ((project: string) => Record<string, string>)): string {
  const project = mkdtempSync(path.join(tmpdir(), prefix));
  copyFileSync(path.join(root, 'host.json'), path.join(project, 'host.json'));
  const Values = typeof values === 'function' ? values(project) : values;
  writeFileSync(path.join(project, 'local.settings.sample.json'), JSON.stringify({ IsEncrypted: false, Values }));
  return project;
}
