// Two alerts an operator of this app needs on day one:
//  - a message was dead-lettered (a bot gave up on an event, or it expired): metric
//    DeadletteredMessages of the namespace, split by queue (EntityName);
//    https://learn.microsoft.com/azure/service-bus-messaging/monitor-service-bus-reference#message-metrics
//  - the webhook answered 5xx (GitHub does not retry a failed delivery by itself): a log alert on
//    Application Insights `requests` of the webhook function with resultCode >= 500. Not the
//    requests/failed metric: it also counts 4xx, and every forged or misconfigured delivery is a 401.
//    https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule
// Both notify the optional action group (alertEmail); without one they still show in the portal.

param tags object
param location string
param serviceBusNamespaceName string
param applicationInsightsId string
param webhookFunctionName string

@description('Email address notified by both alerts; empty creates no action group.')
param alertEmail string

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${serviceBusNamespaceName}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'sessrouter'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actions = empty(alertEmail) ? [] : [{ actionGroupId: actionGroup.id }]

resource deadLetterAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'dead-lettered-messages-${serviceBusNamespaceName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'A bot queue holds dead-lettered messages: an event was given up on (MaxDeliveryCountExceeded, expiry). See docs/delivery-guarantees.md, "Dead letters".'
    severity: 2
    enabled: true
    scopes: [namespace.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'dead-lettered'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [{ name: 'EntityName', operator: 'Include', values: ['*'] }]
          timeAggregation: 'Average'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    actions: actions
  }
}

resource webhookServerErrorAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'webhook-5xx-${serviceBusNamespaceName}'
  location: location
  tags: tags
  properties: {
    description: 'The GitHub webhook answered 5xx: GitHub shows the delivery as failed and does not retry it; redeliver it once fixed.'
    severity: 1
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: 'requests | where name == "${webhookFunctionName}" | where toint(resultCode) >= 500'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: empty(alertEmail) ? [] : [actionGroup.id] }
  }
}
