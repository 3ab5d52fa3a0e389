// Service Bus namespace for result events (Results:Transport = ServiceBus). Local (SAS key) authentication is
// disabled: the app sends with its managed identity (Azure Service Bus Data Sender on the topic only) and consumers
// receive with their own identities. The topic detects duplicates by MessageId, which the publisher sets to the
// verdict's content digest, so a verdict published twice by a retried evaluation is delivered once.
// Subscriptions filter on the message's application properties `outcome` and `siteId` (ServiceBusResultPublisher).

import { resourceTags, siteAccess } from 'types.bicep'

@description('Name of the namespace.')
@minLength(6)
@maxLength(50)
param name string

@description('Region of the namespace.')
param location string

@description('Tags applied to the namespace.')
param tags resourceTags

@description('Name of the results topic (Results:TopicName).')
param topicName string

@description('How long the topic remembers message ids for duplicate detection (ISO 8601 duration).')
param duplicateDetectionWindow string

@description('Sites: each gets a subscription of its own results and may receive from it.')
param sites siteAccess[]

@description('Name of the app identity (seeds role-assignment names, so they are known before deployment).')
param appIdentityName string

@description('Principal id of the app identity.')
param appPrincipalId string

var azureServiceBusDataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
var azureServiceBusDataReceiver = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'

// Example subscriptions by outcome (the four outcomes of a verdict: eligible, potentially-eligible, needs-review,
// ineligible). Each replaces the subscription's $Default rule (which would otherwise pass every message).
var outcomeSubscriptions = [
  {
    name: 'ineligible'
    filter: 'outcome = \'ineligible\''
  }
  {
    name: 'needs-review'
    filter: 'outcome = \'needs-review\''
  }
  {
    name: 'potentially-eligible-or-eligible'
    filter: 'outcome IN (\'potentially-eligible\', \'eligible\')'
  }
]

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: topicName
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    defaultMessageTimeToLive: 'P14D'
    enableBatchedOperations: true
    maxSizeInMegabytes: 1024
  }
}

resource outcomeSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = [
  for subscription in outcomeSubscriptions: {
    parent: topic
    name: subscription.name
    properties: {
      lockDuration: 'PT1M'
      maxDeliveryCount: 10
      deadLetteringOnMessageExpiration: true
      deadLetteringOnFilterEvaluationExceptions: true
    }
  }
]

resource outcomeRule 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = [
  for (subscription, i) in outcomeSubscriptions: {
    parent: outcomeSubscription[i]
    name: '$Default'
    properties: {
      filterType: 'SqlFilter'
      sqlFilter: {
        sqlExpression: subscription.filter
      }
    }
  }
]

resource siteSubscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = [
  for site in sites: {
    parent: topic
    name: 'site-${site.siteId}'
    properties: {
      lockDuration: 'PT1M'
      maxDeliveryCount: 10
      deadLetteringOnMessageExpiration: true
      deadLetteringOnFilterEvaluationExceptions: true
    }
  }
]

resource siteRule 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = [
  for (site, i) in sites: {
    parent: siteSubscription[i]
    name: '$Default'
    properties: {
      filterType: 'SqlFilter'
      sqlFilter: {
        sqlExpression: 'siteId = \'${site.siteId}\''
      }
    }
  }
]

resource siteReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (site, i) in sites: {
    name: guid(siteSubscription[i].id, site.principalId, azureServiceBusDataReceiver)
    scope: siteSubscription[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', azureServiceBusDataReceiver)
      principalId: site.principalId
      principalType: site.?principalType ?? 'ServicePrincipal'
      description: 'Site ${site.siteId}: receive its own result events.'
    }
  }
]

resource appSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, appIdentityName, azureServiceBusDataSender)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', azureServiceBusDataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'ServerlessScreening app identity: publish result events to the topic.'
  }
}

@description('Fully qualified namespace, e.g. sb-xyz.servicebus.windows.net (Results:ServiceBusNamespace).')
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]
output name string = namespace.name
output topicName string = topic.name
