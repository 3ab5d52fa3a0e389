// The Event Grid subscription that feeds the Event Grid-sourced blob trigger `ingest`: every BlobCreated event under
// uploads/ goes to the Functions host's blobs extension webhook. Deployed after the code (azd postdeploy hook,
// infra/hooks/postdeploy.sh), because the webhook URL carries the host's `blobs_extension` system key, which the host
// creates only once it is running with a blob trigger whose source is EventGrid.
//
//   az deployment group create -g <resource group> -f infra/upload-events.bicep \
//     -p functionAppName=<app> systemTopicName=<topic> deadLetterStorageAccountName=<host storage> \
//        deadLetterContainerName=upload-events-deadletter
//
// The key is read at deployment time with listKeys on the app's host and stored only in the event subscription
// (Event Grid does not return the full endpoint URL once it is set). Re-run after rotating the blobs_extension key.

targetScope = 'resourceGroup'

@description('Name of the function app.')
param functionAppName string

@description('Name of the Event Grid system topic on the data storage account.')
param systemTopicName string

@description('Storage account Event Grid dead-letters undeliverable events to (the host storage account).')
param deadLetterStorageAccountName string

@description('Container for dead-lettered events.')
param deadLetterContainerName string

@description('Name of the blob-triggered function (ScreeningFunctions.IngestAsync).')
param functionName string = 'ingest'

@description('Container the trigger watches (StorageLayout.UploadsContainer).')
param uploadsContainerName string = 'uploads'

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource uploadEvents 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource deadLetterStorage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: deadLetterStorageAccountName
}

var blobsExtensionKey = listKeys('${functionApp.id}/host/default', '2024-11-01').systemKeys.blobs_extension

resource ingestSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: uploadEvents
  name: 'ingest-uploads'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${blobsExtensionKey}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${uploadsContainerName}/'
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output subscriptionName string = ingestSubscription.name
