// The Flex Consumption (FC1) plan and the Function App. It runs as the user-assigned identity
// for everything: host storage, Service Bus triggers, Key Vault references, the deployment package.

param location string
param tags object
param planName string
param name string

@allowed(['22'])
param nodeVersion string

@allowed([512, 2048, 4096])
param instanceMemoryMB int

@description('On-demand instances per scale group (see main.bicep).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Always-ready instances of the HTTP scale group (the webhook and the admin endpoints); 0 lets it scale to zero.')
@minValue(0)
param httpAlwaysReadyInstances int

param identityResourceId string
param deploymentContainerUrl string

@description('App settings, in the identity-based form; the names are the ones src/config/settings.ts reads.')
param appSettings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityResourceId
    // No siteConfig: Flex Consumption rejects the App Service site settings it does not use
    // (ARM error 51021 for ftpsState, linuxFxVersion, ...); the runtime and scale settings
    // live in functionAppConfig instead. Microsoft's Flex samples set no siteConfig either.
    // https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations
    // https://learn.microsoft.com/azure/azure-functions/functions-infrastructure-as-code?pivots=flex-consumption-plan
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // Keeps the webhook warm: a cold start eats into the 10 s GitHub waits for an answer.
        // https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#always-ready-instances
        alwaysReady: httpAlwaysReadyInstances == 0 ? [] : [{ name: 'http', instanceCount: httpAlwaysReadyInstances }]
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
