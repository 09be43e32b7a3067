// Every data-plane role the app's identity needs, at the narrowest scope that works, named
// guid(scope, principal, role) so a redeployment finds the same assignment instead of failing.

@description('Principal (object) id of the function app\'s user-assigned identity; not its resource id, since a recreated identity is a new principal.')
param appPrincipalId string

@description('Object id of a person or pipeline that may read and set the webhook secret; empty grants nothing.')
param operatorPrincipalId string

param serviceBusNamespaceName string

@description('Also grant Azure Service Bus Data Owner on the namespace, so target-based scaling can read queue lengths (see main.bicep).')
param grantServiceBusDataOwner bool
param storageAccountName string
param applicationInsightsName string
param keyVaultName string

var serviceBusRoles = [
  '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender: the webhook sends to bot queues
  '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver: the bot queue triggers
]
// Azure Service Bus Data Owner: the scale controller reads each queue's length with the app's
// identity; with Listen (Receiver) rights only it cannot, and scaling reverts to incremental.
// https://learn.microsoft.com/azure/azure-functions/functions-target-based-scaling#service-bus-queues-and-topics
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#grant-permission-to-the-identity
// Role id: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/integration#azure-service-bus-data-owner
var serviceBusDataOwner = '090c5cfd-751d-490a-894a-3ce6f1109419'
var storageRoles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner: host storage, claim checks, deployment package
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor: session and poison tables
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor: the host's AzureWebJobsStorage queues
]
var monitoringRoles = [
  '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher: telemetry with local auth off
]
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6' // resolves the webhook secret reference
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // an operator sets and reads the secret

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource serviceBusAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in serviceBusRoles: {
    name: guid(namespace.id, appPrincipalId, roleId)
    scope: namespace
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource serviceBusOwnerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantServiceBusDataOwner) {
  name: guid(namespace.id, appPrincipalId, serviceBusDataOwner)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource storageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoles: {
    name: guid(storage.id, appPrincipalId, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource monitoringAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in monitoringRoles: {
    name: guid(applicationInsights.id, appPrincipalId, roleId)
    scope: applicationInsights
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource secretsUserAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsOfficerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: operatorPrincipalId
  }
}
