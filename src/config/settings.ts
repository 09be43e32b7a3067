import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { parseHookTarget } from './parse-hook-target.js';
import { parseIsoDuration } from './parse-iso-duration.js';
import { parseTimerSchedule } from './parse-timer-schedule.js';

/**
 * Every app setting session-router reads, parsed once. Names follow the Functions host:
 * `ServiceBusConnection` / `ServiceBusConnection__fullyQualifiedNamespace` and
 * `AzureWebJobsStorage` / `AzureWebJobsStorage__blobServiceUri|__tableServiceUri` are the
 * settings the host's own triggers read, so one configuration serves both.
 * docs/settings.md documents each (test/unit/docs/settings-reference.test.ts holds it to this schema).
 */
/** An optional setting: blank means the default; a value `parse` refuses stops start-up, saying what was expected. */
const setting = <T>(fallback: string, parse: (text: string) => T | undefined, expected: string) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      const value = parse(text?.trim() || fallback);
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be ${expected}, got "${text}"` });
        return z.NEVER;
      }
      return value;
    });

const positiveInt = (fallback: number) =>
  setting(
    String(fallback),
    (text) => (/^\d+$/.test(text) && Number.isSafeInteger(Number(text)) && Number(text) > 0 ? Number(text) : undefined),
    'a positive whole number',
  );

const isoDurationMs = (fallback: string) =>
  setting(
    fallback,
    (text) => {
      const ms = parseIsoDuration(text);
      return ms !== undefined && ms > 0 ? ms : undefined;
    },
    'an ISO 8601 duration such as P7D',
  );

/** Blank = null (the caller's default); `PT0S` = 0 (off). */
const optionalIsoDurationMs = setting(
  '',
  (text) => {
    if (text === '') return null;
    const ms = parseIsoDuration(text);
    return ms !== undefined && ms >= 0 ? ms : undefined;
  },
  'an ISO 8601 duration such as PT10M (PT0S = off)',
);

// Storage rejects a bad name only at the first write, as an opaque 400 on every message; check at start-up.
const tableName = (fallback: string) =>
  setting(
    fallback,
    (text) => (/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(text) ? text : undefined),
    'a Table name: 3-63 letters and digits, starting with a letter',
  );

const containerName = (fallback: string) =>
  setting(
    fallback,
    (text) => (/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(text) ? text : undefined),
    'a Blob container name: 3-63 lower-case letters, digits and single dashes, starting and ending with a letter or digit',
  );

/** A timer trigger's schedule, checked as the host will read it (a bad one would only fail when the host indexes the function). */
const timerSchedule = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      const expression = text?.trim() || fallback;
      try {
        parseTimerSchedule(expression);
        return expression;
      } catch (error) {
        const why = (error as Error).message;
        ctx.addIssue({ code: 'custom', message: `must be a six-field NCRONTAB expression (seconds first) such as "${fallback}": ${why}` });
        return z.NEVER;
      }
    });

const optionalText = z
  .string()
  .optional()
  .transform((text) => (text === undefined || text.trim() === '' ? undefined : text.trim()));

// The secret is used exactly as given, surrounding whitespace included: GitHub signs with the
// secret as typed, so trimming it would make every delivery 401 (webhookSecretWarnings says so
// at start-up instead). Blank means unset. App Service leaves a Key Vault reference it cannot
// resolve (no secret yet, no access) in the setting as written; that text must never become
// an HMAC key, so it counts as "no secret".
const webhookSecret = z
  .string()
  .optional()
  .transform((text) => (text === undefined || text.trim() === '' || isKeyVaultReference(text.trim()) ? undefined : text));

/**
 * A setting App Service left as the Key Vault reference it could not resolve, written as is:
 * https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshoot-key-vault-references
 */
export function isKeyVaultReference(text: string): boolean {
  return /^@Microsoft\.KeyVault\(/i.test(text);
}

/**
 * The journal target's default file: outside the app root, where the Functions host does not
 * look. The host restarts when a folder appears in or disappears from the app root and on any
 * change under node_modules or a host.json `watchDirectories` entry, so a journal in
 * `<app>/.data/` restarted `func start` at its first write (FileMonitoringService in
 * Azure/azure-functions-host; https://learn.microsoft.com/azure/azure-functions/functions-host-json#watchdirectories).
 * In Azure the app root is read-only anyway and os.tmpdir() is /tmp, what infra sets.
 */
export const defaultJournalPath = path.join(tmpdir(), 'session-router', 'journal.jsonl');
// GitHub keeps a hook's deliveries for 3 days and redelivers none older:
// https://docs.github.com/en/webhooks/testing-and-troubleshooting-webhooks/redelivering-webhooks
const GITHUB_DELIVERY_RETENTION_MS = 3 * 86_400_000;

const httpUrl = (fallback: string) =>
  setting(
    fallback,
    (text) => {
      try {
        const url = new URL(text);
        return url.protocol === 'https:' || url.protocol === 'http:' ? text.replace(/\/+$/, '') : undefined;
      } catch {
        return undefined;
      }
    },
    'an http(s) URL such as https://api.github.com (GitHub Enterprise Server: https://HOST/api/v3)',
  );

const optionalPositiveInt = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text.trim() === '') return undefined;
    if (/^\d+$/.test(text.trim()) && Number(text) > 0) return Number(text);
    ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got "${text}"` });
    return z.NEVER;
  });

// Secrets are kept as written (a Key Vault reference App Service could not resolve included: the
// redelivery timer then names it at each run instead of stopping the webhook); never echoed.

const settingsSchema = z
  .object({
    GITHUB_WEBHOOK_SECRET: webhookSecret,
    GITHUB_WEBHOOK_SECRET_PREVIOUS: webhookSecret,
    WEBHOOK_MAX_BODY_BYTES: positiveInt(25 * 1024 * 1024),
    WEBHOOK_SEND_BUDGET_MS: positiveInt(8_000),
    CLAIM_CHECK_THRESHOLD_BYTES: positiveInt(192 * 1024),
    CLAIM_CHECK_CONTAINER: containerName('webhook-payloads'),
    WEBHOOK_REPLAY_WINDOW: optionalIsoDurationMs,
    WEBHOOK_REPLAY_TABLE: tableName('webhookreplays'),
    ServiceBusConnection: optionalText,
    ServiceBusConnection__fullyQualifiedNamespace: optionalText,
    ServiceBusConnection__credential: optionalText,
    ServiceBusConnection__clientId: optionalText,
    AzureWebJobsStorage: optionalText,
    AzureWebJobsStorage__blobServiceUri: optionalText,
    AzureWebJobsStorage__tableServiceUri: optionalText,
    AzureWebJobsStorage__credential: optionalText,
    AzureWebJobsStorage__clientId: optionalText,
    APPLICATIONINSIGHTS_CONNECTION_STRING: optionalText,
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: optionalText,
    BOTS_CONFIG_PATH: optionalText,
    SESSIONS_TABLE: tableName('sessions'),
    POISON_TABLE: tableName('poisonmessages'),
    HELD_TABLE: tableName('heldmessages'),
    JOURNAL_PATH: setting(defaultJournalPath, (text) => text, 'a file path'),
    JANITOR_SCHEDULE: timerSchedule('0 */1 * * * *'),
    SESSION_RETENTION: isoDurationMs('P7D'),
    HOT_SESSION_THRESHOLD: positiveInt(100),
    // Catch-up redelivery (src/redelivery): off unless GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY or GITHUB_HOOK_TOKEN are set.
    GITHUB_API_URL: httpUrl('https://api.github.com'),
    GITHUB_APP_ID: optionalPositiveInt,
    GITHUB_APP_PRIVATE_KEY: optionalText,
    GITHUB_HOOK_TOKEN: optionalText,
    REDELIVERY_HOOK: optionalText,
    REDELIVERY_SCHEDULE: timerSchedule('0 */10 * * * *'),
    REDELIVERY_LOOKBACK: setting(
      'P3D',
      (text) => {
        const ms = parseIsoDuration(text);
        return ms !== undefined && ms > 0 && ms <= GITHUB_DELIVERY_RETENTION_MS ? ms : undefined;
      },
      'a positive ISO 8601 duration up to P3D (GitHub keeps deliveries for 3 days)',
    ),
    REDELIVERY_COOLDOWN: setting('PT5M', (text) => parseIsoDuration(text), 'an ISO 8601 duration such as PT5M (PT0S for none)'),
  })
  .superRefine((settings, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const key = settings.GITHUB_APP_PRIVATE_KEY;
    if (settings.GITHUB_APP_ID !== undefined && key === undefined) {
      problem('GITHUB_APP_PRIVATE_KEY', "is required with GITHUB_APP_ID (the app's private key, PEM; in Azure a Key Vault reference)");
    }
    if (key !== undefined && settings.GITHUB_APP_ID === undefined) {
      problem(
        'GITHUB_APP_ID',
        "is required with GITHUB_APP_PRIVATE_KEY (the numeric App ID from the app's settings page, not the client ID)",
      );
    }
    if (key !== undefined && !isKeyVaultReference(key)) {
      try {
        createPrivateKey(key.replace(/\\n/g, '\n'));
      } catch {
        problem(
          'GITHUB_APP_PRIVATE_KEY',
          'is not a PEM private key (expected the whole .pem file GitHub generated for the app, header and footer lines included); the value is not shown',
        );
      }
    }
    const hook = settings.REDELIVERY_HOOK === undefined ? undefined : parseHookTarget(settings.REDELIVERY_HOOK);
    if (settings.REDELIVERY_HOOK !== undefined && hook === undefined) {
      problem('REDELIVERY_HOOK', `must be "app", "repos/OWNER/REPO/hooks/ID" or "orgs/ORG/hooks/ID", got "${settings.REDELIVERY_HOOK}"`);
    }
    if (settings.GITHUB_HOOK_TOKEN !== undefined && key !== undefined) {
      problem(
        'GITHUB_HOOK_TOKEN',
        "and GITHUB_APP_PRIVATE_KEY are both set: use the app credentials for the app's webhook, a token for a repository or organization hook, not both",
      );
    }
    if (settings.GITHUB_HOOK_TOKEN !== undefined && (settings.REDELIVERY_HOOK === undefined || hook?.kind === 'app')) {
      problem(
        'REDELIVERY_HOOK',
        'must name the repository or organization hook GITHUB_HOOK_TOKEN is for: "repos/OWNER/REPO/hooks/ID" or "orgs/ORG/hooks/ID" (the app\'s webhook needs GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY)',
      );
    }
    if (key === undefined && settings.GITHUB_HOOK_TOKEN === undefined && hook !== undefined && hook.kind !== 'app') {
      problem(
        'GITHUB_HOOK_TOKEN',
        `is required with REDELIVERY_HOOK "${settings.REDELIVERY_HOOK}" (a token allowed to read and redeliver that hook's deliveries)`,
      );
    }
    if (key !== undefined && hook !== undefined && hook.kind !== 'app') {
      problem(
        'REDELIVERY_HOOK',
        'must be "app" with GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY (repository and organization hooks take GITHUB_HOOK_TOKEN)',
      );
    }
  });

export type Settings = z.infer<typeof settingsSchema>;

/** Every setting name readSettings looks at; infra's consistency test checks that Azure sets each. */
export const settingNames = Object.keys(settingsSchema.shape) as ReadonlyArray<keyof Settings>;

/** Reads settings from the environment; a bad value stops start-up with the setting's name. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid app settings:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}

/**
 * The configured webhook secrets, current first; empty means the webhook must fail closed.
 * The previous secret is only ever a second chance during a rotation: without a current
 * secret (missing, blank, an unresolved Key Vault reference) nothing verifies, so a half-done
 * rotation or a broken reference fails closed instead of accepting only the old secret.
 */
export function webhookSecrets(settings: Settings): string[] {
  if (settings.GITHUB_WEBHOOK_SECRET === undefined) return [];
  return settings.GITHUB_WEBHOOK_SECRET_PREVIOUS === undefined
    ? [settings.GITHUB_WEBHOOK_SECRET]
    : [settings.GITHUB_WEBHOOK_SECRET, settings.GITHUB_WEBHOOK_SECRET_PREVIOUS];
}

/** Start-up warnings about the secrets' configuration (never their values). */
export function webhookSecretWarnings(settings: Settings): string[] {
  const warnings: string[] = [];
  for (const name of ['GITHUB_WEBHOOK_SECRET', 'GITHUB_WEBHOOK_SECRET_PREVIOUS'] as const) {
    const secret = settings[name];
    if (secret !== undefined && secret !== secret.trim()) {
      warnings.push(
        `${name} begins or ends with whitespace; it is used exactly as given (GitHub signs with the secret as typed), so check that GitHub's copy has it too`,
      );
    }
  }
  if (settings.GITHUB_WEBHOOK_SECRET === undefined && settings.GITHUB_WEBHOOK_SECRET_PREVIOUS !== undefined) {
    warnings.push(
      'GITHUB_WEBHOOK_SECRET is not set but GITHUB_WEBHOOK_SECRET_PREVIOUS is: every delivery is refused until the current secret is set',
    );
  }
  return warnings;
}
