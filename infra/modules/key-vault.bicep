// Holds the GitHub webhook secret; the app reads it through a Key Vault reference with its
// user-assigned identity (Key Vault Secrets User), so the value never sits in app settings.

param location string
param tags object
param name string
param webhookSecretName string

@secure()
@description('Written to the vault only when given, so a redeployment keeps the secret that GitHub already has.')
param webhookSecret string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(webhookSecret)) {
  parent: vault
  name: webhookSecretName
  properties: {
    value: webhookSecret
    contentType: 'GitHub webhook secret'
  }
}

output name string = vault.name
// Versionless, so a rotated secret is picked up without redeploying.
output webhookSecretUri string = '${vault.properties.vaultUri}secrets/${webhookSecretName}'
