// The namespace and one queue per bot: session-enabled, except for a bot whose strategy is `none`.
// Sessions cannot be switched on or off after a queue exists, so they are part of the queue's
// definition here, never a later change:
// https://learn.microsoft.com/azure/service-bus-messaging/enable-message-sessions

param location string
param tags object
param name string

@allowed(['Standard', 'Premium'])
param sku string

@description('Messaging units; used only by the Premium tier.')
@allowed([1, 2, 4, 8, 16])
param premiumCapacity int

@description('Messages left unprocessed this long are dead-lettered.')
param messageTimeToLive string

@description('One entry per bot: the queue name and its delivery settings (defaults already applied).')
param queues {
  name: string
  requiresSession: bool
  maxDeliveryCount: int
  lockDuration: string
  duplicateDetectionWindow: string
}[]

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
    tier: sku
    capacity: sku == 'Premium' ? premiumCapacity : null
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource botQueues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for queue in queues: {
    parent: namespace
    name: queue.name
    properties: {
      requiresSession: queue.requiresSession
      // The message id is GitHub's delivery id: a redelivery or an ingress retry is dropped.
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: queue.duplicateDetectionWindow
      maxDeliveryCount: queue.maxDeliveryCount
      lockDuration: queue.lockDuration
      defaultMessageTimeToLive: messageTimeToLive
      deadLetteringOnMessageExpiration: true
      enableBatchedOperations: true
    }
  }
]

output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output queueNames string[] = [for (queue, i) in queues: botQueues[i].name]
