using 'main.bicep'

// Sane defaults for a first deployment; every parameter is described in main.bicep.
param appName = 'sessrouter'
param serviceBusSku = 'Standard'
param nodeVersion = '22'
param instanceMemoryMB = 2048
param maximumInstanceCount = 100
param claimCheckRetentionDays = 7
param messageTimeToLive = 'P14D'
param logRetentionInDays = 30

// The deploy script hands the webhook secret over in the environment, never on a command line;
// empty keeps the secret already in Key Vault.
param webhookSecret = readEnvironmentVariable('SESSION_ROUTER_WEBHOOK_SECRET', '')
