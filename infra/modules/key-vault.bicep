// Key Vault holding the pseudonym key (Screening:PseudonymKey): the keyed-hash key that turns patient ids into the
// pseudonymous keys used in logs and telemetry. The app never sees it as a plain app setting: the setting is a Key
// Vault reference resolved by the platform with the app's user-assigned identity, which may read this one secret only.

import { resourceTags } from 'types.bicep'

@description('Name of the vault.')
@minLength(3)
@maxLength(24)
param name string

@description('Region of the vault.')
param location string

@description('Tags applied to the vault.')
param tags resourceTags

@description('Turn on purge protection (a deleted vault or secret cannot be purged before its retention ends). Recommended for production; it also means the vault name stays taken for the retention period after `azd down`.')
param enablePurgeProtection bool

@description('Name of the secret holding the pseudonym key.')
param pseudonymKeySecretName string

@secure()
@description('The pseudonym key (base64 of at least 32 random bytes).')
param pseudonymKey string

@description('Name of the app identity (seeds role-assignment names, so they are known before deployment).')
param appIdentityName string

@description('Principal id of the app identity.')
param appPrincipalId string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource pseudonymKeySecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: pseudonymKeySecretName
  properties: {
    value: pseudonymKey
    contentType: 'base64; HMAC key for patient pseudonyms'
  }
}

// Scoped to the one secret, not the vault.
resource secretReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(pseudonymKeySecret.id, appIdentityName, keyVaultSecretsUser)
  scope: pseudonymKeySecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'ServerlessScreening app identity: resolve the Screening__PseudonymKey Key Vault reference.'
  }
}

output name string = vault.name
@description('Versionless URI of the secret, so the Key Vault reference follows rotations.')
output pseudonymKeySecretUri string = pseudonymKeySecret.properties.secretUri
