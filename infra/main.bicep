// session-router: GitHub webhooks → one session-enabled Service Bus queue per bot → the bots,
// on Azure Functions Flex Consumption. Deploy with `npm run deploy` (see docs/deploy.md).
targetScope = 'resourceGroup'

// Regions that offer Flex Consumption, as Microsoft's Flex templates list them
// (Azure-Samples/functions-quickstart-typescript-azd infra/main.bicep). The live list is
// `az functionapp list-flexconsumption-locations`, which `npm run deploy` checks before it creates
// anything; add a region here when that command lists it and this list does not yet.
// https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#view-currently-supported-regions
@description('Location of every resource: the resource group\'s, and it must offer Flex Consumption.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'eastus2euap'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
// any(): the group's location is only known at deployment; ARM checks it against the list then.
param location string = any(resourceGroup().location)

@description('Prefix of resource names; a hash of the resource group keeps global names unique.')
@minLength(2)
@maxLength(12)
param appName string = 'sessrouter'

param tags object = { app: 'session-router' }

@description('Standard is enough for most; Premium for payloads > 256 KB inline, isolation or throughput.')
@allowed(['Standard', 'Premium'])
param serviceBusSku string = 'Standard'

@description('Messaging units when serviceBusSku is Premium.')
@allowed([1, 2, 4, 8, 16])
param serviceBusPremiumCapacity int = 1

@description('Days a message may wait in a bot queue before it is dead-lettered (the queues\' defaultMessageTimeToLive).')
@minValue(1)
param messageTimeToLiveDays int = 14

@description('Claim-check payloads are kept this many days longer than their message may live, so no queued message outlives its payload.')
@minValue(1)
param claimCheckExtraDays int = 1

// Node 22 only: the production dependency tree needs it (applicationinsights 3.x pulls in
// @azure/monitor-opentelemetry, engines node >= 22). Flex offers Node 20 and 22.
// https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#supported-language-stack-versions
@allowed(['22'])
param nodeVersion string = '22'

@description('Memory of each instance; 2048 MB (1 core) is Microsoft\'s default for most apps.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

// The maximum applies to the on-demand instances of EACH scale group, not to the app: the HTTP
// group (webhook + admin endpoints), one group per bot's Service Bus trigger, the janitor timer.
// https://learn.microsoft.com/azure/azure-functions/event-driven-scaling?pivots=flex-consumption-plan#limit-scale-out
// https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#per-function-scaling
@description('On-demand instances per scale group. Empty: the largest count (at most 100) with which every group at full scale, plus the always-ready instances, fits regionalQuotaMB.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int?

// Every Flex app of a subscription shares one memory quota per region: 512,000 MB (250 cores) by
// default, always-ready instances included; raise this after Microsoft raises the quota.
// https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#regional-subscription-memory-quotas
@description('The subscription\'s Flex Consumption memory quota in this region, in MB.')
@minValue(512)
param regionalQuotaMB int = 512000

@description('Always-ready instances for the HTTP group (webhook + admin): 1 keeps the webhook answering GitHub within its 10 s without a cold start, billed as a baseline; 0 scales to zero.')
@minValue(0)
@maxValue(20)
param httpAlwaysReadyInstances int = 1

// With Listen (Data Receiver) rights only, the Service Bus scale controller cannot read queue
// lengths and scaling reverts to incremental; Data Owner lets target-based scaling work.
// https://learn.microsoft.com/azure/azure-functions/functions-target-based-scaling#service-bus-queues-and-topics
@description('Grant the app\'s identity Azure Service Bus Data Owner on the namespace (target-based scaling); false keeps Data Sender + Data Receiver only, and scaling becomes incremental.')
param grantServiceBusDataOwner bool = true

@description('Email address notified of dead-lettered messages and webhook 5xx answers; empty: the alerts show in the portal only.')
param alertEmail string = ''

@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@secure()
@description('The GitHub webhook secret. Empty keeps the one already in Key Vault (the deploy script generates one on first deployment).')
param webhookSecret string = ''

@description('Object id allowed to read and set the webhook secret in Key Vault (Key Vault Secrets Officer); empty grants nobody.')
param operatorPrincipalId string = deployer().objectId

@description('Extra or overriding app settings, e.g. {"HOT_SESSION_THRESHOLD": "250"}, or a bot\'s http target URL setting.')
param appSettingOverrides object = {}

// ---- names ---------------------------------------------------------------------------------
var token = uniqueString(resourceGroup().id, appName)
var names = {
  identity: 'id-${appName}-${token}'
  logAnalytics: 'log-${appName}-${token}'
  applicationInsights: 'appi-${appName}-${token}'
  storage: take('st${toLower(replace(appName, '-', ''))}${token}', 24)
  serviceBus: 'sb-${appName}-${token}'
  keyVault: take('kv-${appName}-${token}', 24)
  plan: 'plan-${appName}-${token}'
  functionApp: 'func-${appName}-${token}'
}
// Scale groups (per-function scaling): the HTTP functions share one, each bot's queue trigger has
// its own, and so does each timer: session-janitor, deadletter-count and webhook-redelivery
// (src/lifecycle/session-janitor.ts, src/processing/dead-letter-admin.ts, src/redelivery/).
var timerFunctions = 3
var scaleGroups = 1 + length(bots) + timerFunctions
var derivedMaximumInstanceCount = min(100, (regionalQuotaMB - httpAlwaysReadyInstances * instanceMemoryMB) / (instanceMemoryMB * scaleGroups))
var effectiveMaximumInstanceCount = maximumInstanceCount ?? max(1, derivedMaximumInstanceCount)
// Blobs are written just before their message is sent and deleted by a daily lifecycle run.
// https://learn.microsoft.com/azure/storage/blobs/lifecycle-management-overview#rule-actions
var claimCheckRetentionDays = messageTimeToLiveDays + claimCheckExtraDays
var claimCheckContainerName = 'webhook-payloads'
var deploymentContainerName = 'app-package'
var sessionsTableName = 'sessions'
var poisonTableName = 'poisonmessages'
var heldTableName = 'heldmessages'
var webhookSecretName = 'github-webhook-secret'

// ---- bots: src/bots/bots.json is the one source of truth ---------------------------------
// The defaults are the ones src/bots/bot-config-schema.ts applies when a bot omits `delivery`.
var bots = loadJsonContent('../src/bots/bots.json').bots
var botQueues = [
  for bot in bots: {
    name: bot.queue
    // A bot that asks for no order (strategy none) gets a plain queue: src/bots/queue-requires-session.ts.
    requiresSession: (any(bot).?strategy.?type ?? 'entity') != 'none'
    maxDeliveryCount: any(bot).?delivery.?maxDeliveryCount ?? 10
    lockDuration: any(bot).?delivery.?lockDuration ?? 'PT1M'
    // Covers GitHub's manual redelivery window (3 days), so a redelivered event is dropped.
    duplicateDetectionWindow: any(bot).?delivery.?duplicateDetectionWindow ?? 'P3D'
  }
]

// ---- resources -----------------------------------------------------------------------------
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    name: names.storage
    claimCheckContainerName: claimCheckContainerName
    deploymentContainerName: deploymentContainerName
    sessionsTableName: sessionsTableName
    poisonTableName: poisonTableName
    heldTableName: heldTableName
    claimCheckRetentionDays: claimCheckRetentionDays
  }
}

module serviceBus 'modules/service-bus.bicep' = {
  name: 'service-bus'
  params: {
    location: location
    tags: tags
    name: names.serviceBus
    sku: serviceBusSku
    premiumCapacity: serviceBusPremiumCapacity
    messageTimeToLive: 'P${messageTimeToLiveDays}D'
    queues: botQueues
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    location: location
    tags: tags
    name: names.keyVault
    webhookSecretName: webhookSecretName
    webhookSecret: webhookSecret
  }
}

module roles 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  dependsOn: [serviceBus, storage, monitoring, keyVault]
  params: {
    // Names known before deployment (not module outputs), so what-if can predict the assignments.
    // The principal id is only known once the identity exists; what-if shows those names as
    // unknown on a first deployment, a price worth the guid(scope, principal, role) naming.
    #disable-next-line what-if-short-circuiting
    appPrincipalId: identity.properties.principalId
    operatorPrincipalId: operatorPrincipalId
    grantServiceBusDataOwner: grantServiceBusDataOwner
    serviceBusNamespaceName: names.serviceBus
    storageAccountName: names.storage
    applicationInsightsName: names.applicationInsights
    keyVaultName: names.keyVault
  }
}

// Names as the Functions host and src/config/settings.ts read them: identity-based connections
// (`<connection>__fullyQualifiedNamespace`, `__serviceUri`s, `__credential`, `__clientId`), never keys.
var appSettings = union(
  {
    // Host storage and the code's blob / table clients.
    AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
    AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
    AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId
    // The Service Bus triggers and the webhook's sender.
    ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    ServiceBusConnection__credential: 'managedidentity'
    ServiceBusConnection__clientId: identity.properties.clientId
    // Telemetry with Entra ID auth (the component has local auth off).
    APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
    // Resolved by the platform with keyVaultReferenceIdentity; the value never lands here.
    GITHUB_WEBHOOK_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.webhookSecretUri})'
    // Set to a second Key Vault reference while rotating the secret in GitHub.
    GITHUB_WEBHOOK_SECRET_PREVIOUS: ''
    WEBHOOK_MAX_BODY_BYTES: '26214400'
    WEBHOOK_SEND_BUDGET_MS: '8000'
    // Under the Standard tier's 256 KB message limit, leaving room for the envelope.
    CLAIM_CHECK_THRESHOLD_BYTES: '196608'
    CLAIM_CHECK_CONTAINER: claimCheckContainerName
    // Blank = the longest duplicate-detection window of the bots' queues; PT0S = no replay check.
    WEBHOOK_REPLAY_WINDOW: ''
    WEBHOOK_REPLAY_TABLE: 'webhookreplays'
    SESSIONS_TABLE: sessionsTableName
    POISON_TABLE: poisonTableName
    HELD_TABLE: heldTableName
    // The package is mounted read-only; /tmp is the instance's writable disk.
    JOURNAL_PATH: '/tmp/session-router/journal.jsonl'
    JANITOR_SCHEDULE: '0 */1 * * * *'
    SESSION_RETENTION: 'P7D'
    HOT_SESSION_THRESHOLD: '100'
    // Catch-up redelivery, off until set through appSettingOverrides (docs/delivery-guarantees.md, "Catch-up redelivery"):
    // GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY as a Key Vault reference, or GITHUB_HOOK_TOKEN + REDELIVERY_HOOK.
    GITHUB_API_URL: 'https://api.github.com'
    GITHUB_APP_ID: ''
    GITHUB_APP_PRIVATE_KEY: ''
    GITHUB_HOOK_TOKEN: ''
    REDELIVERY_HOOK: ''
    REDELIVERY_SCHEDULE: '0 */10 * * * *'
    REDELIVERY_LOOKBACK: 'P3D'
    REDELIVERY_COOLDOWN: 'PT5M'
  },
  appSettingOverrides
)

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  // The app's triggers start as soon as it exists: grant its roles first.
  dependsOn: [roles]
  params: {
    location: location
    tags: tags
    planName: names.plan
    name: names.functionApp
    nodeVersion: nodeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: effectiveMaximumInstanceCount
    httpAlwaysReadyInstances: httpAlwaysReadyInstances
    identityResourceId: identity.id
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appSettings: appSettings
  }
}

module diagnostics 'modules/diagnostic-settings.bicep' = {
  name: 'diagnostic-settings'
  dependsOn: [serviceBus, keyVault, storage]
  params: {
    workspaceId: monitoring.outputs.workspaceId
    serviceBusNamespaceName: names.serviceBus
    keyVaultName: names.keyVault
    storageAccountName: names.storage
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  dependsOn: [serviceBus]
  params: {
    location: location
    tags: tags
    serviceBusNamespaceName: names.serviceBus
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    // WEBHOOK_FUNCTION_NAME in src/ingress/define-webhook-function.ts
    webhookFunctionName: 'github-webhook'
    alertEmail: alertEmail
  }
}

output functionAppName string = functionApp.outputs.name
output webhookUrl string = 'https://${functionApp.outputs.defaultHostName}/api/github/webhooks'
output serviceBusNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output keyVaultName string = keyVault.outputs.name
output webhookSecretName string = webhookSecretName
output queueNames string[] = serviceBus.outputs.queueNames
