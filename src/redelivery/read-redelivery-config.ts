import { isKeyVaultReference, type Settings } from '../config/settings.js';
import { parseHookTarget, type HookTarget } from '../config/parse-hook-target.js';

export type RedeliveryCredentials = { kind: 'app'; appId: number; privateKey: string } | { kind: 'token'; token: string };

export interface RedeliveryConfig {
  apiUrl: string;
  hook: HookTarget;
  credentials: RedeliveryCredentials;
  schedule: string;
  lookbackMs: number;
  cooldownMs: number;
}

type RedeliverySettings = Pick<
  Settings,
  | 'GITHUB_API_URL'
  | 'GITHUB_APP_ID'
  | 'GITHUB_APP_PRIVATE_KEY'
  | 'GITHUB_HOOK_TOKEN'
  | 'REDELIVERY_HOOK'
  | 'REDELIVERY_SCHEDULE'
  | 'REDELIVERY_LOOKBACK'
  | 'REDELIVERY_COOLDOWN'
>;

/**
 * The redelivery timer's configuration, or undefined when it is off (no GitHub credentials set).
 * readSettings has already refused inconsistent combinations, naming the setting.
 */
export function readRedeliveryConfig(settings: RedeliverySettings): RedeliveryConfig | undefined {
  const common = {
    apiUrl: settings.GITHUB_API_URL,
    schedule: settings.REDELIVERY_SCHEDULE,
    lookbackMs: settings.REDELIVERY_LOOKBACK,
    cooldownMs: settings.REDELIVERY_COOLDOWN,
  };
  if (settings.GITHUB_APP_ID !== undefined && settings.GITHUB_APP_PRIVATE_KEY !== undefined) {
    return {
      ...common,
      hook: { kind: 'app' },
      // A key pasted into a single-line setting often carries literal "\n"s; PEM needs real ones.
      credentials: { kind: 'app', appId: settings.GITHUB_APP_ID, privateKey: settings.GITHUB_APP_PRIVATE_KEY.replace(/\\n/g, '\n') },
    };
  }
  if (settings.GITHUB_HOOK_TOKEN !== undefined && settings.REDELIVERY_HOOK !== undefined) {
    const hook = parseHookTarget(settings.REDELIVERY_HOOK);
    if (hook === undefined || hook.kind === 'app') return undefined;
    return { ...common, hook, credentials: { kind: 'token', token: settings.GITHUB_HOOK_TOKEN } };
  }
  return undefined;
}

/** App Service leaves a Key Vault reference it could not resolve in the setting as written. */
export function unresolvedKeyVaultSetting(credentials: RedeliveryCredentials): string | undefined {
  if (credentials.kind === 'app' && isKeyVaultReference(credentials.privateKey)) return 'GITHUB_APP_PRIVATE_KEY';
  if (credentials.kind === 'token' && isKeyVaultReference(credentials.token)) return 'GITHUB_HOOK_TOKEN';
  return undefined;
}
