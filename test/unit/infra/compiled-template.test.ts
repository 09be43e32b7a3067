import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { botsFileSchema, type BotsFile } from '../../../src/bots/bot-config-schema.js';
import { queueRequiresSession } from '../../../src/bots/queue-requires-session.js';
import { readSettings, settingNames, type Settings } from '../../../src/config/settings.js';
import { WEBHOOK_FUNCTION_NAME } from '../../../src/ingress/define-webhook-function.js';
import {
  findBicep,
  infraWithBots,
  problems,
  repoRoot,
  runBicep,
  snapshot,
  snapshotScope,
  type PredictedResource,
  type Snapshot,
} from '../../support/bicep-cli.js';
import { allKeys, flexDeprecatedAppSettings, flexRejectedSiteProperties } from '../../support/flex-deprecations.js';

// The Bicep templates are checked by compiling them: `bicep build` + `bicep lint` must be clean,
// and `bicep snapshot` (the compiled template evaluated offline) must show what the code needs.

const bicep = findBicep();
const skipReason =
  'SKIPPED: Bicep CLI not found (run `bash tools/scripts/restore-bicep.sh` or set BICEP_PATH); Bicep templates were NOT compiled';
if (bicep === undefined) {
  console.error(`\n${'#'.repeat(100)}\n## ${skipReason}\n${'#'.repeat(100)}\n`);
}

const mainBicep = join(repoRoot, 'infra/main.bicep');

/** Runs `body` with the CLI, or skips loudly: never a silent pass. */
function withBicep(body: (t: TestContext, bicep: string) => Promise<void>) {
  return async (t: TestContext) => {
    if (bicep === undefined) {
      t.skip(skipReason);
      return;
    }
    await body(t, bicep);
  };
}

const once = <T>(make: () => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
};

const defaultSnapshot = once(() => snapshot(bicep!, mainBicep));

async function seedBots(): Promise<unknown> {
  return JSON.parse(await readFile(join(repoRoot, 'src/bots/bots.json'), 'utf8'));
}

const byType = (snap: Snapshot, type: string) => snap.predictedResources.filter((r) => r.type === type);

function single(snap: Snapshot, type: string): PredictedResource {
  const found = byType(snap, type);
  assert.equal(found.length, 1, `expected exactly one ${type}, found ${found.length}`);
  return found[0]!;
}

/** Queue name → the properties Bicep gives it. */
function queuesOf(snap: Snapshot): Map<string, Record<string, unknown>> {
  return new Map(byType(snap, 'Microsoft.ServiceBus/namespaces/queues').map((q) => [q.name.split('/')[1]!, q.properties ?? {}]));
}

function assertQueuesMatchBots(snap: Snapshot, bots: BotsFile) {
  const queues = queuesOf(snap);
  assert.deepEqual([...queues.keys()].sort(), bots.bots.map((b) => b.queue).sort(), 'one queue per bot in bots.json');
  for (const bot of bots.bots) {
    const queue = queues.get(bot.queue)!;
    assert.deepEqual(
      {
        requiresSession: queue.requiresSession,
        requiresDuplicateDetection: queue.requiresDuplicateDetection,
        deadLetteringOnMessageExpiration: queue.deadLetteringOnMessageExpiration,
        maxDeliveryCount: queue.maxDeliveryCount,
        lockDuration: queue.lockDuration,
        duplicateDetectionHistoryTimeWindow: queue.duplicateDetectionHistoryTimeWindow,
      },
      {
        requiresSession: queueRequiresSession(bot),
        requiresDuplicateDetection: true,
        deadLetteringOnMessageExpiration: true,
        maxDeliveryCount: bot.delivery.maxDeliveryCount,
        lockDuration: bot.delivery.lockDuration.iso,
        duplicateDetectionHistoryTimeWindow: bot.delivery.duplicateDetectionWindow.iso,
      },
      `queue ${bot.queue} of bot ${bot.name}`,
    );
  }
}

test(
  'bicep build compiles infra/main.bicep without a warning',
  withBicep(async (_t, bicep) => {
    const result = await runBicep(bicep, ['build', mainBicep, '--stdout']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(problems(result.stderr), []);
    const template = JSON.parse(result.stdout) as {
      parameters: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[] }>;
      outputs: Record<string, unknown>;
    };
    assert.equal(template.parameters.webhookSecret?.type, 'securestring');
    assert.equal(template.parameters.webhookSecret?.defaultValue, '', 'no secret baked into the template');
    // Node 22 only: the production dependencies declare engines node >= 22.
    assert.deepEqual(template.parameters.nodeVersion?.allowedValues, ['22']);
    assert.equal(template.parameters.nodeVersion?.defaultValue, '22');
    // Only regions that offer Flex Consumption; the group's own location is the default.
    const locations = template.parameters.location?.allowedValues as string[] | undefined;
    assert.ok(locations !== undefined && locations.length > 0, 'location is restricted to the regions that offer Flex Consumption');
    for (const region of locations) assert.match(region, /^[a-z0-9]+$/, 'region names as az spells them');
    assert.ok(locations.includes(snapshotScope.location), `${snapshotScope.location} offers Flex Consumption`);
    assert.deepEqual(template.parameters.serviceBusSku?.allowedValues, ['Standard', 'Premium']);
    assert.equal(template.parameters.serviceBusSku?.defaultValue, 'Standard');
    for (const output of ['functionAppName', 'webhookUrl', 'serviceBusNamespace']) {
      assert.ok(output in template.outputs, `output ${output}`);
    }
  }),
);

test(
  'bicep lint finds nothing in the template, its modules and main.bicepparam',
  withBicep(async (_t, bicep) => {
    for (const file of [mainBicep, join(repoRoot, 'infra/main.bicepparam')]) {
      const result = await runBicep(bicep, ['lint', file]);
      assert.deepEqual(problems(result.stdout + result.stderr), [], `bicep lint ${file}`);
      assert.equal(result.exitCode, 0, result.stdout + result.stderr);
    }
  }),
);

test(
  'one de-duplicating queue per bot in bots.json, session-enabled unless strategy none, with its delivery settings',
  withBicep(async () => {
    assertQueuesMatchBots(await defaultSnapshot(), botsFileSchema.parse(await seedBots()));
  }),
);

/** The seed bots with delivery blocks written in full, in part and not at all, plus a new bot. */
async function variantBots(): Promise<unknown> {
  const file = (await seedBots()) as { bots: Array<Record<string, unknown>> };
  const variants = [
    { maxDeliveryCount: 3, lockDuration: 'PT5M', duplicateDetectionWindow: 'P7D' },
    { lockDuration: 'PT30S' },
    { maxDeliveryCount: 25 },
    { duplicateDetectionWindow: 'PT10M' },
  ];
  variants.forEach((delivery, i) => Object.assign(file.bots[i]!, { delivery }));
  file.bots.push({ ...file.bots[0], name: 'added-bot', queue: 'bot-added', delivery: undefined });
  file.bots.push({ ...file.bots[0], name: 'unordered-bot', queue: 'bot-unordered', delivery: undefined, strategy: { type: 'none' } });
  return file;
}

/** The template built against variantBots(), with a non-default claim-check retention. */
const variantSnapshot = once(async () => {
  const copy = await infraWithBots(await variantBots());
  try {
    return await snapshot(bicep!, copy.mainBicep, { messageTimeToLiveDays: '3', claimCheckExtraDays: '2', httpAlwaysReadyInstances: '0' });
  } finally {
    await copy.remove();
  }
});

test(
  "a bot's delivery block overrides the queue defaults the way the bots.json schema does",
  withBicep(async () => {
    assertQueuesMatchBots(await variantSnapshot(), botsFileSchema.parse(await variantBots()));
  }),
);

test(
  'a bot with strategy none gets a queue without sessions; every other bot a session-enabled one',
  withBicep(async () => {
    const queues = queuesOf(await variantSnapshot());
    assert.equal(queues.get('bot-unordered')?.requiresSession, false, 'strategy none: a plain queue');
    for (const name of ['bot-task-tactician', 'bot-merge-warden', 'bot-spec-sentinel', 'bot-added']) {
      assert.equal(queues.get(name)?.requiresSession, true, `${name} keeps its sessions`);
    }
  }),
);

/** Read by the code, but set only on a developer's machine; Azure uses the identity form instead. */
const localOnly: Partial<Record<keyof Settings, string>> = {
  ServiceBusConnection:
    'a connection string for the development broker or emulator; Azure sets ServiceBusConnection__fullyQualifiedNamespace',
  AzureWebJobsStorage: 'a connection string for Azurite; Azure sets AzureWebJobsStorage__blobServiceUri / __tableServiceUri',
  BOTS_CONFIG_PATH: 'Azure runs the bundled src/bots/bots.json, the file the queues are made from',
};

/** Set in Azure to a value of its own, on purpose (the code's default may differ by machine). */
const azureValues: Partial<Record<keyof Settings, string>> = {
  JOURNAL_PATH: 'the package is mounted read-only; the journal goes to /tmp (the default is os.tmpdir(), which is /tmp on Linux only)',
};

test(
  "every app setting the code reads is set in Azure, in the identity form, with the code's defaults",
  withBicep(async () => {
    const snap = await defaultSnapshot();
    const site = single(snap, 'Microsoft.Web/sites');
    const appSettings = single(snap, 'Microsoft.Web/sites/config').properties as Record<string, string>;
    const [identityId, ...others] = Object.keys(site.identity?.userAssignedIdentities ?? {});
    assert.equal(site.identity?.type, 'UserAssigned');
    assert.equal(others.length, 0, 'one user-assigned identity');
    const clientId = `[reference('${identityId}', '2023-01-31').clientId]`;

    const missing = settingNames.filter((name) => !(name in localOnly) && !(name in appSettings));
    assert.deepEqual(
      missing,
      [],
      'read by src/config/settings.ts but not set by infra/main.bicep (set it there, or list it here as local-only)',
    );
    for (const name of Object.keys(localOnly)) {
      assert.ok(!(name in appSettings), `${name} is local-only (${localOnly[name as keyof Settings]}) but Azure sets it`);
    }

    // The identity-based connections the Functions host and the code's SDK clients read.
    assert.match(appSettings.ServiceBusConnection__fullyQualifiedNamespace!, /^sb-[a-z0-9-]+\.servicebus\.windows\.net$/);
    for (const prefix of ['AzureWebJobsStorage', 'ServiceBusConnection']) {
      assert.equal(appSettings[`${prefix}__credential`], 'managedidentity', `${prefix}__credential`);
      assert.equal(appSettings[`${prefix}__clientId`], clientId, `${prefix}__clientId is the app's identity`);
    }
    for (const service of ['blob', 'table', 'queue']) {
      assert.match(appSettings[`AzureWebJobsStorage__${service}ServiceUri`]!, new RegExp(`\\.primaryEndpoints\\.${service}\\]$`));
    }
    assert.match(appSettings.APPLICATIONINSIGHTS_CONNECTION_STRING!, /Microsoft\.Insights\/components\/.*\.ConnectionString\]$/);
    assert.match(appSettings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING!, /^\[format\('ClientId=\{0\};Authorization=AAD'/);
    assert.match(appSettings.GITHUB_WEBHOOK_SECRET!, /^\[format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)'.*Microsoft\.KeyVault\/vaults\//);
    assert.equal(site.properties?.keyVaultReferenceIdentity, identityId, 'Key Vault references resolve with the user-assigned identity');
    for (const [name, value] of Object.entries(appSettings)) {
      assert.doesNotMatch(value, /AccountKey=|SharedAccessKey=|listKeys\(/i, `${name} must not carry a key`);
    }

    // Plain values parse, and equal the code's defaults unless Azure needs another on purpose.
    const literal = Object.fromEntries(Object.entries(appSettings).filter(([, v]) => !v.startsWith('[')));
    const inAzure = readSettings(literal);
    const defaults = readSettings({});
    const withDefaults = settingNames.filter((name) => defaults[name] !== undefined);
    assert.deepEqual(
      withDefaults.filter((name) => !(name in literal)),
      [],
      'settings with a default are set to a plain value',
    );
    for (const name of withDefaults) {
      if (name in azureValues) assert.ok(inAzure[name] !== undefined, `${name}: ${azureValues[name]}`);
      else assert.deepEqual(inAzure[name], defaults[name], `${name} in Azure differs from the code's default`);
    }
  }),
);

const roles = [
  { id: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39', role: 'Azure Service Bus Data Sender', on: 'Microsoft.ServiceBus/namespaces' },
  { id: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0', role: 'Azure Service Bus Data Receiver', on: 'Microsoft.ServiceBus/namespaces' },
  // Target-based scaling reads queue lengths; with Listen rights only it reverts to incremental.
  { id: '090c5cfd-751d-490a-894a-3ce6f1109419', role: 'Azure Service Bus Data Owner', on: 'Microsoft.ServiceBus/namespaces' },
  { id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', role: 'Storage Blob Data Owner', on: 'Microsoft.Storage/storageAccounts' },
  { id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', role: 'Storage Table Data Contributor', on: 'Microsoft.Storage/storageAccounts' },
  { id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88', role: 'Storage Queue Data Contributor', on: 'Microsoft.Storage/storageAccounts' },
  { id: '3913510d-42f4-4e42-8a64-420c390055eb', role: 'Monitoring Metrics Publisher', on: 'Microsoft.Insights/components' },
  { id: '4633458b-17de-408a-b874-0445c86b69e6', role: 'Key Vault Secrets User', on: 'Microsoft.KeyVault/vaults' },
];

test(
  "every role the code needs is assigned to the app's identity, named guid(scope, principal, role)",
  withBicep(async () => {
    const snap = await defaultSnapshot();
    const site = single(snap, 'Microsoft.Web/sites');
    const identityId = Object.keys(site.identity?.userAssignedIdentities ?? {})[0]!;
    const principal = `reference('${identityId}', '2023-01-31').principalId`;
    const assignments = byType(snap, 'Microsoft.Authorization/roleAssignments');

    for (const { id, role, on } of roles) {
      const matching = assignments.filter(
        (a) =>
          (a.properties?.roleDefinitionId as string).endsWith(`/roleDefinitions/${id}`) && a.properties?.principalId === `[${principal}]`,
      );
      assert.equal(matching.length, 1, `${role} is assigned once to the function app's identity`);
      const assignment = matching[0]!;
      assert.equal(assignment.condition, undefined, `${role} is unconditional`);
      const scope = /^\[extensionResourceId\('([^']+)'/.exec(assignment.id)?.[1];
      assert.ok(scope?.includes(`/providers/${on}/`), `${role} is scoped to the ${on}, got ${scope}`);
      const scopeExists = snap.predictedResources.some((r) => r.id === scope && r.type === on);
      assert.ok(scopeExists, `${role}'s scope ${scope} is a resource of this template`);
      assert.equal(assignment.name, `[guid('${scope}', ${principal}, '${id}')]`);
      assert.equal(assignment.properties?.principalType, 'ServicePrincipal');
    }
  }),
);

test(
  'Flex Consumption on Node 22 by default, its outputs, and no key-based access anywhere',
  withBicep(async () => {
    const snap = await defaultSnapshot();
    assert.deepEqual(single(snap, 'Microsoft.Web/serverfarms').sku, { name: 'FC1', tier: 'FlexConsumption' });
    const appConfig = single(snap, 'Microsoft.Web/sites').properties?.functionAppConfig as {
      runtime: unknown;
      deployment: { storage: { authentication: { type: string } } };
    };
    assert.deepEqual(appConfig.runtime, { name: 'node', version: '22' });
    assert.equal(appConfig.deployment.storage.authentication.type, 'UserAssignedIdentity');

    assert.equal(single(snap, 'Microsoft.Storage/storageAccounts').properties?.allowSharedKeyAccess, false);
    assert.equal(single(snap, 'Microsoft.ServiceBus/namespaces').properties?.disableLocalAuth, true);
    assert.equal(single(snap, 'Microsoft.Insights/components').properties?.DisableLocalAuth, true);
    assert.equal(single(snap, 'Microsoft.KeyVault/vaults').properties?.enableRbacAuthorization, true);
    assert.deepEqual(
      byType(snap, 'Microsoft.Storage/storageAccounts/tableServices/tables')
        .map((t) => t.name.split('/').pop())
        .sort(),
      [readSettings({}).POISON_TABLE, readSettings({}).SESSIONS_TABLE, readSettings({}).HELD_TABLE].sort(),
    );

    const outputs = snap.outputs as Record<string, string | string[]>;
    assert.match(outputs.functionAppName as string, /^func-/);
    assert.match(outputs.webhookUrl as string, /^\[format\('https:\/\/\{0\}\/api\/github\/webhooks'/);
    assert.match(outputs.serviceBusNamespace as string, /\.servicebus\.windows\.net$/);
  }),
);

test(
  'the claim-check container is emptied by a lifecycle rule after the configured days',
  withBicep(async () => {
    const snap = await variantSnapshot();
    const policy = single(snap, 'Microsoft.Storage/storageAccounts/managementPolicies').properties as {
      policy: {
        rules: Array<{ definition: { filters: { prefixMatch: string[] }; actions: { baseBlob: { delete: Record<string, number> } } } }>;
      };
    };
    const [rule] = policy.policy.rules;
    assert.deepEqual(rule?.definition.filters.prefixMatch, [`${readSettings({}).CLAIM_CHECK_CONTAINER}/`]);
    // messageTimeToLiveDays 3 + claimCheckExtraDays 2
    assert.deepEqual(rule?.definition.actions.baseBlob.delete, { daysAfterModificationGreaterThan: 5 });
  }),
);

test(
  'no site property or app setting that Flex Consumption rejects, ftpsState above all',
  withBicep(async (_t, bicep) => {
    const built = await runBicep(bicep, ['build', mainBicep, '--stdout']);
    assert.equal(built.exitCode, 0, built.stderr);
    assert.doesNotMatch(built.stdout, /ftpsState/i, 'ARM error 51021: Site.SiteConfig.FtpsState is invalid for Flex Consumption sites');

    const snap = await defaultSnapshot();
    const site = single(snap, 'Microsoft.Web/sites');
    const rejected = new Set(flexRejectedSiteProperties.map((name) => name.toLowerCase()));
    const found = allKeys(site.properties).filter((key) => rejected.has(key.toLowerCase()));
    assert.deepEqual(found, [], 'site properties Flex Consumption rejects (functions-app-settings#flex-consumption-plan-deprecations)');
    assert.equal(site.properties?.siteConfig, undefined, 'no siteConfig: Flex takes its runtime and scale from functionAppConfig');

    const appSettings = Object.keys(single(snap, 'Microsoft.Web/sites/config').properties ?? {});
    const deprecated = new Set<string>(flexDeprecatedAppSettings);
    assert.deepEqual(
      appSettings.filter((name) => deprecated.has(name.toUpperCase())),
      [],
      'app settings deprecated on Flex Consumption',
    );
  }),
);

/** Scale groups of per-function scaling: one for all HTTP functions, one per bot queue trigger, one per timer. */
async function scaleGroupsOf(botCount: number): Promise<number> {
  const timers = await countInSources(join(repoRoot, 'src'), /kind: 'timer',/g);
  assert.ok(timers >= 1, 'the janitor timer is defined in src/');
  return 1 + botCount + timers;
}

async function countInSources(dir: string, pattern: RegExp): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      count += await countInSources(path, pattern);
    } else if (entry.name.endsWith('.ts')) {
      count += (await readFile(path, 'utf8')).match(pattern)?.length ?? 0;
    }
  }
  return count;
}

/** The documented default Flex Consumption memory quota of a subscription in one region. */
const regionalQuotaMB = 512_000;

type ScaleAndConcurrency = {
  instanceMemoryMB: number;
  maximumInstanceCount: number;
  alwaysReady?: Array<{ name: string; instanceCount: number }>;
};

function scaleOf(snap: Snapshot): ScaleAndConcurrency {
  const appConfig = single(snap, 'Microsoft.Web/sites').properties?.functionAppConfig as { scaleAndConcurrency: ScaleAndConcurrency };
  return appConfig.scaleAndConcurrency;
}

test(
  'at full scale every group fits the regional memory quota; the maximum applies per scale group',
  withBicep(async () => {
    for (const [snap, bots] of [
      [await defaultSnapshot(), await seedBots()],
      [await variantSnapshot(), await variantBots()],
    ] as const) {
      const scale = scaleOf(snap);
      const groups = await scaleGroupsOf((bots as { bots: unknown[] }).bots.length);
      const alwaysReady = (scale.alwaysReady ?? []).reduce((sum, group) => sum + group.instanceCount, 0);
      const worstCaseMB = (groups * scale.maximumInstanceCount + alwaysReady) * scale.instanceMemoryMB;
      assert.ok(
        worstCaseMB <= regionalQuotaMB,
        `${groups} scale groups × ${scale.maximumInstanceCount} instances (+${alwaysReady} always ready) × ${scale.instanceMemoryMB} MB = ${worstCaseMB} MB exceeds the ${regionalQuotaMB} MB regional quota`,
      );
      assert.ok(scale.maximumInstanceCount >= 1);
    }
  }),
);

test(
  'the HTTP group keeps one always-ready instance by default, none when set to 0',
  withBicep(async () => {
    assert.deepEqual(scaleOf(await defaultSnapshot()).alwaysReady, [{ name: 'http', instanceCount: 1 }]);
    assert.deepEqual(scaleOf(await variantSnapshot()).alwaysReady, []);
  }),
);

/** ISO-8601 days, as the template writes queue TTLs (PnD). */
function days(iso: string): number {
  const match = /^P(\d+)D$/.exec(iso);
  assert.ok(match, `expected a whole-day duration, got ${iso}`);
  return Number(match[1]);
}

test(
  'claim-check payloads outlive the messages that point to them',
  withBicep(async () => {
    for (const snap of [await defaultSnapshot(), await variantSnapshot()]) {
      const policy = single(snap, 'Microsoft.Storage/storageAccounts/managementPolicies').properties as {
        policy: { rules: Array<{ definition: { actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: number } } } } }> };
      };
      const retentionDays = policy.policy.rules[0]!.definition.actions.baseBlob.delete.daysAfterModificationGreaterThan;
      for (const [queue, properties] of queuesOf(snap)) {
        const ttl = days(properties.defaultMessageTimeToLive as string);
        assert.ok(retentionDays >= ttl, `queue ${queue}: messages live ${ttl} days but their payloads are deleted after ${retentionDays}`);
      }
    }
  }),
);

test(
  'Service Bus, Key Vault and Storage (account, blob, table, queue) send logs and metrics to the workspace',
  withBicep(async () => {
    const snap = await defaultSnapshot();
    const workspace = single(snap, 'Microsoft.OperationalInsights/workspaces');
    const settings = byType(snap, 'Microsoft.Insights/diagnosticSettings');
    const scopeOf = (setting: PredictedResource) => setting.id.split('/providers/Microsoft.Insights/diagnosticSettings/')[0]!;
    const expected: Array<{ scope: RegExp; logs: boolean }> = [
      { scope: /\/Microsoft\.ServiceBus\/namespaces\/[^/]+$/, logs: true },
      { scope: /\/Microsoft\.KeyVault\/vaults\/[^/]+$/, logs: true },
      { scope: /\/Microsoft\.Storage\/storageAccounts\/[^/]+$/, logs: false },
      { scope: /\/storageAccounts\/[^/]+\/blobServices\/default$/, logs: true },
      { scope: /\/storageAccounts\/[^/]+\/tableServices\/default$/, logs: true },
      { scope: /\/storageAccounts\/[^/]+\/queueServices\/default$/, logs: true },
    ];
    for (const { scope, logs } of expected) {
      const matching = settings.filter((s) => scope.test(scopeOf(s)));
      assert.equal(matching.length, 1, `one diagnostic setting on ${scope}`);
      const properties = matching[0]!.properties as {
        workspaceId: string;
        logs?: Array<{ categoryGroup?: string; enabled: boolean }>;
        metrics: Array<{ enabled: boolean }>;
      };
      assert.ok(
        properties.workspaceId.includes(workspace.name),
        `${scope} goes to the Log Analytics workspace, got ${properties.workspaceId}`,
      );
      assert.ok(properties.metrics.every((m) => m.enabled));
      if (logs) assert.deepEqual(properties.logs, [{ categoryGroup: 'allLogs', enabled: true }], `${scope} sends all its resource logs`);
    }
  }),
);

test(
  'alerts fire on dead-lettered messages and on webhook 5xx answers',
  withBicep(async () => {
    const snap = await defaultSnapshot();
    const namespace = single(snap, 'Microsoft.ServiceBus/namespaces');
    const deadLetter = single(snap, 'Microsoft.Insights/metricAlerts').properties as {
      scopes: string[];
      criteria: {
        allOf: Array<{ metricName: string; operator: string; threshold: number; dimensions: Array<{ name: string; values: string[] }> }>;
      };
    };
    assert.deepEqual(deadLetter.scopes, [namespace.id]);
    assert.deepEqual(
      deadLetter.criteria.allOf.map((c) => [c.metricName, c.operator, c.threshold, c.dimensions[0]?.name]),
      [['DeadletteredMessages', 'GreaterThan', 0, 'EntityName']],
    );

    const appInsights = single(snap, 'Microsoft.Insights/components');
    const webhook5xx = single(snap, 'Microsoft.Insights/scheduledQueryRules').properties as {
      scopes: string[];
      criteria: { allOf: Array<{ query: string; operator: string; threshold: number }> };
    };
    assert.deepEqual(webhook5xx.scopes, [appInsights.id]);
    const [criterion] = webhook5xx.criteria.allOf;
    assert.match(
      criterion!.query,
      new RegExp(`name == "${WEBHOOK_FUNCTION_NAME}"`),
      'the webhook function, by the name the code registers',
    );
    assert.match(criterion!.query, /toint\(resultCode\) >= 500/);
    assert.deepEqual([criterion!.operator, criterion!.threshold], ['GreaterThan', 0]);
  }),
);

test(
  'an alert email adds an action group both alerts notify',
  withBicep(async () => {
    const snap = await snapshot(bicep!, mainBicep, { alertEmail: "'ops@example.com'" });
    const group = single(snap, 'Microsoft.Insights/actionGroups');
    assert.deepEqual(
      (group.properties as { emailReceivers: Array<{ emailAddress: string }> }).emailReceivers.map((r) => r.emailAddress),
      ['ops@example.com'],
    );
    const metric = single(snap, 'Microsoft.Insights/metricAlerts').properties as { actions: Array<{ actionGroupId: string }> };
    assert.deepEqual(
      metric.actions.map((a) => a.actionGroupId),
      [group.id],
    );
    const log = single(snap, 'Microsoft.Insights/scheduledQueryRules').properties as { actions: { actionGroups: string[] } };
    assert.deepEqual(log.actions.actionGroups, [group.id]);
  }),
);
