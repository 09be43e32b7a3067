using 'main.bicep'

// Sane defaults for a first deployment; every parameter is described in main.bicep.
param appName = 'sessrouter'
param serviceBusSku = 'Standard'
param nodeVersion = '22'
param instanceMemoryMB = 2048
// maximumInstanceCount is left out: main.bicep derives it from the regional memory quota.
param httpAlwaysReadyInstances = 1
param messageTimeToLiveDays = 14
param claimCheckExtraDays = 1
param grantServiceBusDataOwner = true
param logRetentionInDays = 30

// The deploy script hands the webhook secret over in the environment, never on a command line;
// empty keeps the secret already in Key Vault.
param webhookSecret = readEnvironmentVariable('SESSION_ROUTER_WEBHOOK_SECRET', '')
