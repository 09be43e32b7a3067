// Resource logs and metrics of the namespace, the vault and the storage account go to the Log
// Analytics workspace, so a dead-letter, a denied secret read or a throttled table write can be
// traced next to the app's own telemetry. Not the function app: Flex Consumption does not
// support diagnostic settings (https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#considerations).
// Categories: https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings
// (category groups `allLogs`), https://learn.microsoft.com/azure/storage/blobs/monitor-blob-storage
// (Storage logs live on the blob / table / queue services; the account itself has metrics only).

param workspaceId string
param serviceBusNamespaceName string
param keyVaultName string
param storageAccountName string

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }

  resource tableService 'tableServices' existing = {
    name: 'default'
  }

  // The host's AzureWebJobsStorage queues (timer and scale bookkeeping).
  resource queueService 'queueServices' existing = {
    name: 'default'
  }
}

var allLogs = [{ categoryGroup: 'allLogs', enabled: true }]

resource serviceBusDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: namespace
  properties: {
    workspaceId: workspaceId
    logs: allLogs
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

resource keyVaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: allLogs
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

resource storageDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: storage
  properties: {
    workspaceId: workspaceId
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: storage::blobService
  properties: {
    workspaceId: workspaceId
    logs: allLogs
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: storage::tableService
  properties: {
    workspaceId: workspaceId
    logs: allLogs
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: storage::queueService
  properties: {
    workspaceId: workspaceId
    logs: allLogs
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}
