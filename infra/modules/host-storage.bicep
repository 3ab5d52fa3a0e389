// The Functions host's own storage account (AzureWebJobsStorage) - kept apart from the patient data account.
// The host keeps its keys, leases, blob-trigger receipts and internal queues here; the Flex Consumption plan reads the
// deployment package from a container here; Event Grid dead-letters undeliverable upload events here. Nothing in this
// account is patient data, which is why the broader roles the Functions documentation asks for on host storage
// (including the management-plane Storage Account Contributor) are granted on this account only.

import { resourceTags } from 'types.bicep'

@description('Name of the host storage account.')
@minLength(3)
@maxLength(24)
param name string

@description('Region of the account.')
param location string

@description('Tags applied to the account.')
param tags resourceTags

@description('Container the Flex Consumption plan deploys the app package to.')
param deploymentContainerName string

@description('Container Event Grid writes undeliverable upload events to.')
param deadLetterContainerName string

@description('Name of the app identity (seeds role-assignment names, so they are known before deployment).')
param appIdentityName string

@description('Principal id of the app identity.')
param appPrincipalId string

@description('Name of the upload events system topic (seeds its role-assignment name).')
param systemTopicName string

@description('Principal id of the upload events system topic (it writes dead letters).')
param systemTopicPrincipalId string

// Roles for host storage with an identity, from "Connecting to host storage with an identity" (Azure Functions developer
// guide): Storage Blob Data Owner for the host itself; Storage Table Data Contributor so diagnostic events are kept;
// for the blob trigger, all of Storage Account Contributor, Storage Blob Data Owner and Storage Queue Data Contributor,
// because the trigger writes receipts and uses internal queues on this connection whatever connection it triggers on.
var hostRoles = [
  {
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
    role: 'Storage Blob Data Owner'
  }
  {
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
    role: 'Storage Queue Data Contributor'
  }
  {
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
    role: 'Storage Table Data Contributor'
  }
  {
    id: '17d1049b-9a84-46fb-8f53-869881c3d3ab'
    role: 'Storage Account Contributor'
  }
]

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
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
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource appHostAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in hostRoles: {
    name: guid(account.id, appIdentityName, role.id)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
      description: 'ServerlessScreening app identity: ${role.role} on Functions host storage (AzureWebJobsStorage).'
    }
  }
]

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, systemTopicName, storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: systemTopicPrincipalId
    principalType: 'ServicePrincipal'
    description: 'Upload events system topic: write undeliverable events to the dead-letter container.'
  }
}

output name string = account.name
output id string = account.id
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
output deadLetterContainerName string = deadLetterContainer.name
