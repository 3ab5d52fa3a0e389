// ServerlessScreening on Azure: the entry point `azd up` provisions (see infra/README.md).
//
//   resource group rg-{environment}
//   ├─ user-assigned managed identity          the app's only identity; every connection uses it
//   ├─ Flex Consumption plan (FC1) + function app (dotnet-isolated 10.0)
//   ├─ host storage account                    AzureWebJobsStorage + deployment package + dead-lettered events
//   ├─ data storage account                    uploads, facts, state, reports, verdicts, ... + work queues
//   │  └─ Event Grid system topic              BlobCreated under uploads/ -> blob trigger `ingest`
//   │     (its subscription is created after deploy by infra/upload-events.bicep: it needs the blobs_extension key)
//   ├─ Service Bus namespace (Standard)        topic screening-results + subscriptions by outcome and by site
//   ├─ Key Vault                               the pseudonym key, read by a Key Vault reference
//   ├─ Log Analytics + Application Insights    Entra-authenticated ingestion only
//   └─ site access                             per-site role assignments with ABAC conditions
//
// No keys or connection strings anywhere: shared keys are disabled on both storage accounts, local auth on Service
// Bus and Application Insights; the one secret (the pseudonym key) lives in Key Vault.

targetScope = 'subscription'

import { siteAccess } from 'modules/types.bicep'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer the Flex Consumption plan: az functionapp list-flexconsumption-locations.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create or use; default rg-{environmentName}.')
param resourceGroupName string = ''

@minLength(10)
@maxLength(10)
@description('Screening:DefaultScreeningDate - the screening date (yyyy-MM-dd) for patients whose data carries none. Required on purpose: never "today".')
param defaultScreeningDate string

@secure()
@minLength(44)
@description('Screening:PseudonymKey - base64 of at least 32 random bytes (the azd preprovision hook generates one with openssl). Stored only in Key Vault.')
param pseudonymKey string

@description('Sites: each principal may upload only under uploads/{siteId}/, read only verdicts/{siteId}/ and reports/{siteId}/, and receive only its own result events.')
param sites siteAccess[] = []

@description('.NET version of the isolated worker on Flex Consumption (functionAppConfig.runtime.version).')
@allowed([
  '8.0'
  '9.0'
  '10.0'
])
param dotnetVersion string = '10.0'

@description('Most instances the Flex Consumption app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each Flex Consumption instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Replication of the data storage account. Prefer Standard_ZRS where the region offers it.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param dataStorageSku string = 'Standard_LRS'

@description('Days deleted blobs and containers (and overwritten blob versions) stay recoverable on the data account.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionInDays int = 30

@description('Age in days after which previous blob versions on the data account are deleted.')
@minValue(1)
param noncurrentVersionRetentionInDays int = 90

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 90

@description('Purge protection on the Key Vault (recommended for production; the vault name then stays reserved for 90 days after it is deleted).')
param keyVaultPurgeProtection bool = true

@description('Window in which the results topic drops a repeated message id (the verdict content digest).')
param duplicateDetectionWindow string = 'PT10M'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'serverless-screening'
}
var resultsTopicName = 'screening-results'
var deploymentContainerName = 'deployment-package'
var deadLetterContainerName = 'upload-events-deadletter'
// Names are fixed at compile time (not module outputs), so what-if can predict every resource and role assignment.
var names = {
  identity: 'id-screening-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  dataStorage: 'stdata${resourceToken}'
  uploadEventsTopic: 'evgt-uploads-${resourceToken}'
  hostStorage: 'sthost${resourceToken}'
  keyVault: 'kv-${resourceToken}'
  serviceBus: 'sb-screening-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-screening-${resourceToken}'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
    appIdentityName: names.identity
    appPrincipalId: identity.outputs.principalId
  }
}

module dataStorage 'modules/data-storage.bicep' = {
  name: 'data-storage'
  scope: rg
  params: {
    name: names.dataStorage
    systemTopicName: names.uploadEventsTopic
    location: location
    tags: tags
    skuName: dataStorageSku
    softDeleteRetentionInDays: softDeleteRetentionInDays
    noncurrentVersionRetentionInDays: noncurrentVersionRetentionInDays
    appIdentityName: names.identity
    appPrincipalId: identity.outputs.principalId
  }
}

module hostStorage 'modules/host-storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    name: names.hostStorage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: deadLetterContainerName
    appIdentityName: names.identity
    appPrincipalId: identity.outputs.principalId
    systemTopicName: names.uploadEventsTopic
    systemTopicPrincipalId: dataStorage.outputs.systemTopicPrincipalId
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    enablePurgeProtection: keyVaultPurgeProtection
    pseudonymKeySecretName: 'screening-pseudonym-key'
    pseudonymKey: pseudonymKey
    appIdentityName: names.identity
    appPrincipalId: identity.outputs.principalId
  }
}

module serviceBus 'modules/service-bus.bicep' = {
  name: 'service-bus'
  scope: rg
  params: {
    name: names.serviceBus
    location: location
    tags: tags
    topicName: resultsTopicName
    duplicateDetectionWindow: duplicateDetectionWindow
    sites: sites
    appIdentityName: names.identity
    appPrincipalId: identity.outputs.principalId
  }
}

module siteAccessAssignments 'modules/site-access.bicep' = {
  name: 'site-access'
  scope: rg
  params: {
    dataStorageName: names.dataStorage
    sites: sites
  }
  dependsOn: [
    dataStorage
  ]
}

// Depends (through its parameters) on every module that grants the identity a role, so the app starts once its
// access is in place.
module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hostStorageName: hostStorage.outputs.name
    deploymentContainerUrl: hostStorage.outputs.deploymentContainerUrl
    dataBlobEndpoint: dataStorage.outputs.blobEndpoint
    dataQueueEndpoint: dataStorage.outputs.queueEndpoint
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    resultsTopicName: serviceBus.outputs.topicName
    pseudonymKeySecretUri: keyVault.outputs.pseudonymKeySecretUri
    applicationInsightsName: names.applicationInsights
    defaultScreeningDate: defaultScreeningDate
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    dotnetVersion: dotnetVersion
  }
  dependsOn: [
    monitoring
  ]
}

// azd stores these in the environment (.azure/{env}/.env); the postdeploy hook reads them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_HOST string = functionApp.outputs.defaultHostName
output SCREENING_DATA_STORAGE_ACCOUNT string = dataStorage.outputs.name
output SCREENING_HOST_STORAGE_ACCOUNT string = hostStorage.outputs.name
output SCREENING_UPLOAD_EVENTS_TOPIC string = dataStorage.outputs.systemTopicName
output SCREENING_UPLOAD_EVENTS_DEADLETTER_CONTAINER string = hostStorage.outputs.deadLetterContainerName
output SCREENING_SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output SCREENING_KEY_VAULT string = keyVault.outputs.name
output SCREENING_SITE_UPLOADER_ROLE_ID string = siteAccessAssignments.outputs.uploaderRoleDefinitionId
output SCREENING_APP_IDENTITY_CLIENT_ID string = identity.outputs.clientId
