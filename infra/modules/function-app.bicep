// The Functions app (isolated worker, .NET 10) on the Flex Consumption plan (FC1, Linux).
// Flex Consumption takes the runtime from functionAppConfig and rejects FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION as app settings; it reads the deployment package from a blob container with the app's
// user-assigned identity. Every connection is identity-based: no key or connection string is an app setting
// (APPLICATIONINSIGHTS_CONNECTION_STRING names the component; with local auth disabled it grants nothing without the
// Entra token that APPLICATIONINSIGHTS_AUTHENTICATION_STRING tells the host to get).

import { resourceTags } from 'types.bicep'

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app (the app also gets azd-service-name).')
param tags resourceTags

@description('Resource id of the app\'s user-assigned identity.')
param identityId string

@description('Client id of the app\'s user-assigned identity.')
param identityClientId string

@description('Name of the host storage account (AzureWebJobsStorage).')
param hostStorageName string

@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string

@description('Blob endpoint of the data storage account (ScreeningStorage).')
param dataBlobEndpoint string

@description('Queue endpoint of the data storage account (ScreeningStorage).')
param dataQueueEndpoint string

@description('Fully qualified Service Bus namespace (Results:ServiceBusNamespace).')
param serviceBusNamespace string

@description('Results topic (Results:TopicName).')
param resultsTopicName string

@description('Versionless URI of the Key Vault secret holding the pseudonym key.')
param pseudonymKeySecretUri string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Screening:DefaultScreeningDate (yyyy-MM-dd).')
param defaultScreeningDate string

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('.NET version of the isolated worker (functionAppConfig.runtime.version).')
param dotnetVersion string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
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

// Names are the configuration keys the code reads (ScreeningOptions, ResultsOptions, StorageLayout.ConnectionName)
// with "__" for ":"; tests/ServerlessScreening.Infra.Tests checks them against the code and local.settings.sample.json.
var appSettings = [
  // Host storage: identity-based (Connecting to host storage with an identity).
  {
    name: 'AzureWebJobsStorage__accountName'
    value: hostStorageName
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identityClientId
  }
  // Pipeline data and trigger connection (StorageLayout.ConnectionName = ScreeningStorage).
  {
    name: 'ScreeningStorage__blobServiceUri'
    value: dataBlobEndpoint
  }
  {
    name: 'ScreeningStorage__queueServiceUri'
    value: dataQueueEndpoint
  }
  {
    name: 'ScreeningStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'ScreeningStorage__clientId'
    value: identityClientId
  }
  // ScreeningOptions (section Screening).
  {
    name: 'Screening__ProtocolPath'
    value: 'protocols/lupus-nephritis-ucmsc-il2.protocol.json'
  }
  {
    name: 'Screening__DefaultScreeningDate'
    value: defaultScreeningDate
  }
  {
    name: 'Screening__FlushThreshold'
    value: '50000'
  }
  {
    name: 'Screening__EvaluationDelay'
    value: '00:00:30'
  }
  {
    name: 'Screening__PendingMarkerTimeout'
    value: '00:02:00'
  }
  {
    name: 'Screening__SiteReportDelay'
    value: '00:00:30'
  }
  {
    name: 'Screening__PseudonymKey'
    value: '@Microsoft.KeyVault(SecretUri=${pseudonymKeySecretUri})'
  }
  // ResultsOptions (section Results).
  {
    name: 'Results__Transport'
    value: 'ServiceBus'
  }
  {
    name: 'Results__ServiceBusNamespace'
    value: serviceBusNamespace
  }
  {
    name: 'Results__TopicName'
    value: resultsTopicName
  }
  {
    name: 'Results__QueueName'
    value: 'screening-results'
  }
  // Application Insights with Microsoft Entra authentication (local auth is disabled on the component).
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: applicationInsights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identityClientId};Authorization=AAD'
  }
]

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: appSettings
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }
}

// No publishing passwords: deployments (azd, az functionapp deployment) authenticate with Microsoft Entra ID.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
