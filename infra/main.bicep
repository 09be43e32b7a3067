// session-router: GitHub webhooks → one session-enabled Service Bus queue per bot → the bots,
// on Azure Functions Flex Consumption. Deploy with `npm run deploy` (see README, "Deploy to Azure").
targetScope = 'resourceGroup'

@description('Location of every resource; Flex Consumption must be offered there.')
param location string = resourceGroup().location

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

@description('Messages left unprocessed this long are dead-lettered.')
param messageTimeToLive string = 'P14D'

@allowed(['20', '22'])
param nodeVersion string = '22'

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Claim-check payloads in Blob Storage are deleted after this many days.')
@minValue(1)
param claimCheckRetentionDays int = 7

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
var claimCheckContainerName = 'webhook-payloads'
var deploymentContainerName = 'app-package'
var sessionsTableName = 'sessions'
var poisonTableName = 'poisonmessages'
var webhookSecretName = 'github-webhook-secret'

// ---- bots: src/bots/bots.json is the one source of truth ---------------------------------
// The defaults are the ones src/bots/bot-config-schema.ts applies when a bot omits `delivery`.
var bots = loadJsonContent('../src/bots/bots.json').bots
var botQueues = [
  for bot in bots: {
    name: bot.queue
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
    messageTimeToLive: messageTimeToLive
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
    // The package is mounted read-only; /tmp is the instance's writable disk.
    JOURNAL_PATH: '/tmp/session-router/journal.jsonl'
    JANITOR_SCHEDULE: '0 */1 * * * *'
    SESSION_RETENTION: 'P7D'
    HOT_SESSION_THRESHOLD: '100'
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
    maximumInstanceCount: maximumInstanceCount
    identityResourceId: identity.id
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appSettings: appSettings
  }
}

output functionAppName string = functionApp.outputs.name
output webhookUrl string = 'https://${functionApp.outputs.defaultHostName}/api/github/webhooks'
output serviceBusNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output keyVaultName string = keyVault.outputs.name
output webhookSecretName string = webhookSecretName
output queueNames string[] = serviceBus.outputs.queueNames
