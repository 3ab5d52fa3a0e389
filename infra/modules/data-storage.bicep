// The storage account that holds patient data: uploads, facts, state, reports, verdicts and their history
// (StorageLayout.cs). Shared keys are disabled, so every caller - the app, site principals, operators - authenticates
// with Microsoft Entra ID and is held to its role assignments (and their conditions, see site-access.bicep).
// Blob versioning and soft delete keep overwritten and deleted blobs recoverable. The Event Grid system topic on this
// account is the source of the Event Grid-sourced blob trigger `ingest`; its subscription is created after the code is
// deployed (upload-events.bicep), because its webhook needs the blobs_extension key that only exists by then.

import { resourceTags } from 'types.bicep'

@description('Name of the data storage account.')
@minLength(3)
@maxLength(24)
param name string

@description('Name of the Event Grid system topic for the account.')
param systemTopicName string

@description('Region of the account and its system topic.')
param location string

@description('Tags applied to the account and its system topic.')
param tags resourceTags

@description('Replication of the account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string

@description('Days a deleted blob, container or overwritten version stays recoverable.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionInDays int

@description('Age in days (counted from when a version was written) after which a previous blob version is deleted by the lifecycle policy. Current blobs are never deleted by it.')
@minValue(1)
param noncurrentVersionRetentionInDays int

@description('Name of the app identity (seeds role-assignment names, so they are known before deployment).')
param appIdentityName string

@description('Principal id of the app identity.')
param appPrincipalId string

// StorageLayout.Containers (src/ServerlessScreening.Pipeline/Storage/StorageLayout.cs).
var containerNames = [
  'uploads'
  'facts'
  'state'
  'reports'
  'verdicts'
  'verdict-history'
  'quarantine'
  'config'
]

// StorageLayout.Queues, their poison queues (host.json maxDequeueCount), the results queue (Results:QueueName, used
// when Results:Transport is StorageQueue) and the blob trigger's own poison queue, which the blobs extension writes
// to on the trigger's account.
var queueNames = [
  'evaluate'
  'ingest-requests'
  'site-reports'
  'evaluate-poison'
  'ingest-requests-poison'
  'site-reports-poison'
  'screening-results'
  'webjobs-blobtrigger-poison'
]

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionInDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionInDays
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

// Versioning keeps every overwrite (facts shards and the site catalog are rewritten on each upload); old versions are
// deleted after a while so the account does not grow without bound. Current blobs are never touched.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-noncurrent-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
            }
            actions: {
              version: {
                delete: {
                  daysAfterCreationGreaterThan: noncurrentVersionRetentionInDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

resource uploadEvents 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// The app reads and writes every container and deletes pending markers: Storage Blob Data Contributor. It does not
// need Storage Blob Data Owner, whose extra actions (ACLs, ownership, super-user) serve hierarchical-namespace accounts,
// which this is not. Queues: the app sends to and receives from its work queues, and the blobs extension writes
// poison messages here.
resource appBlobAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appIdentityName, storageBlobDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'ServerlessScreening app identity: read and write pipeline blobs (ScreeningStorage connection).'
  }
}

resource appQueueAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appIdentityName, storageQueueDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'ServerlessScreening app identity: pipeline work queues and trigger poison queues (ScreeningStorage connection).'
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output systemTopicName string = uploadEvents.name
output systemTopicPrincipalId string = uploadEvents.identity.principalId
