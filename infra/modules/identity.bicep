// The one identity the Functions app runs as. Every connection the app makes (host storage, data storage, Service Bus,
// Key Vault references, Application Insights ingestion) authenticates as this user-assigned managed identity.

import { resourceTags } from 'types.bicep'

@description('Name of the user-assigned managed identity.')
param name string

@description('Region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags resourceTags

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
