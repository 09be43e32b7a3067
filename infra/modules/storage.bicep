// The app's storage account, reached only through Entra ID (no shared keys): the host's
// AzureWebJobsStorage, claim-check payloads, the Flex Consumption deployment package and
// the session / poison tables.

param location string
param tags object
param name string
param claimCheckContainerName string
param deploymentContainerName string
param sessionsTableName string
param poisonTableName string
param heldTableName string

@description('Claim-check payloads are deleted this many days after they were written.')
@minValue(1)
param claimCheckRetentionDays int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource claimCheck 'containers' = {
      name: claimCheckContainerName
      properties: { publicAccess: 'None' }
    }

    resource deployment 'containers' = {
      name: deploymentContainerName
      properties: { publicAccess: 'None' }
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource sessions 'tables' = {
      name: sessionsTableName
    }

    resource poison 'tables' = {
      name: poisonTableName
    }

    resource held 'tables' = {
      name: heldTableName
    }
  }

  // Payloads only matter while their messages are in a queue; bound what a backlog can cost.
  resource lifecycle 'managementPolicies' = {
    name: 'default'
    properties: {
      policy: {
        rules: [
          {
            name: 'delete-claim-check-payloads'
            enabled: true
            type: 'Lifecycle'
            definition: {
              filters: {
                blobTypes: ['blockBlob']
                prefixMatch: ['${claimCheckContainerName}/']
              }
              actions: {
                baseBlob: {
                  delete: { daysAfterModificationGreaterThan: claimCheckRetentionDays }
                }
              }
            }
          }
        ]
      }
    }
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output tableEndpoint string = storage.properties.primaryEndpoints.table
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
