// Site isolation on the data storage account with Azure role-assignment conditions (ABAC, conditionVersion 2.0).
// Each site principal gets two assignments on the account:
//   - uploader: may read, create and overwrite blobs only in container 'uploads' under '{siteId}/', and list only
//     with a prefix under '{siteId}/' there;
//   - reader:   may read blobs only in containers 'verdicts' and 'reports' under '{siteId}/', and list only with a
//     prefix under '{siteId}/' there.
// Conditions follow "Example Azure role assignment conditions for Blob Storage" ("Read or list blobs in named
// containers with a path", "Write blobs in named containers with a path"): each clause is "not this action, or the
// attributes match", so a clause can only narrow what the role grants.
//
// The uploader role is a custom role with data actions only. The built-in Storage Blob Data Contributor also carries
// control-plane actions (containers/write and containers/delete through Azure Resource Manager) that conditions do not
// restrict: with it, a site could delete a container that holds every site's data. The custom role grants exactly the
// blob data actions a site needs to upload, and no delete: a site corrects an upload by uploading again (blob
// versioning keeps what it replaced). The reader uses the built-in Storage Blob Data Reader, whose only control-plane
// actions are read-only.

import { siteAccess } from 'types.bicep'

@description('Name of the data storage account.')
param dataStorageName string

@description('Sites and the principals that act for them.')
param sites siteAccess[]

var storageBlobDataReader = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'

var blobRead = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'
var blobWrite = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'
var blobAdd = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'

// Multi-line strings are not interpolated: {siteId} is replaced per site below.
// Clause 1: reading, writing or creating a blob (not listing) only under uploads/{siteId}/.
// Clause 2: listing only in uploads, with a prefix under {siteId}/.
var uploaderCondition = '''
(
 (
  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND NOT SubOperationMatches{'Blob.List'})
  AND
  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'})
  AND
  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'})
 )
 OR
 (
  @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'uploads'
  AND
  @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith '{siteId}/'
 )
)
AND
(
 (
  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND SubOperationMatches{'Blob.List'})
 )
 OR
 (
  @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'uploads'
  AND
  @Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix] StringStartsWith '{siteId}/'
 )
)
'''

// Clause 1: reading a blob (not listing) only under verdicts/{siteId}/ or reports/{siteId}/.
// Clause 2: listing only in those containers, with a prefix under {siteId}/.
var readerCondition = '''
(
 (
  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND NOT SubOperationMatches{'Blob.List'})
 )
 OR
 (
  (
   @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'verdicts'
   OR
   @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'reports'
  )
  AND
  @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith '{siteId}/'
 )
)
AND
(
 (
  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND SubOperationMatches{'Blob.List'})
 )
 OR
 (
  (
   @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'verdicts'
   OR
   @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'reports'
  )
  AND
  @Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix] StringStartsWith '{siteId}/'
 )
)
'''

resource dataStorage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: dataStorageName
}

resource siteUploaderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'serverless-screening-site-uploader')
  properties: {
    roleName: 'ServerlessScreening site uploader ${uniqueString(resourceGroup().id)}'
    description: 'Read, create and overwrite blobs; no delete and no container management. Assigned with a condition that limits it to one site\'s upload folder (resource group ${resourceGroup().name}).'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action'
        ]
        notActions: []
        dataActions: [
          blobRead
          blobWrite
          blobAdd
        ]
        notDataActions: []
      }
    ]
  }
}

resource uploader 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for site in sites: {
    name: guid(dataStorage.id, site.siteId, site.principalId, 'uploader')
    scope: dataStorage
    properties: {
      roleDefinitionId: siteUploaderRole.id
      principalId: site.principalId
      principalType: site.?principalType ?? 'ServicePrincipal'
      description: 'Site ${site.siteId}: upload only under uploads/${site.siteId}/.'
      conditionVersion: '2.0'
      condition: replace(uploaderCondition, '{siteId}', site.siteId)
    }
  }
]

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for site in sites: {
    name: guid(dataStorage.id, site.siteId, site.principalId, 'reader')
    scope: dataStorage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReader)
      principalId: site.principalId
      principalType: site.?principalType ?? 'ServicePrincipal'
      description: 'Site ${site.siteId}: read only verdicts/${site.siteId}/ and reports/${site.siteId}/.'
      conditionVersion: '2.0'
      condition: replace(readerCondition, '{siteId}', site.siteId)
    }
  }
]

output uploaderRoleDefinitionId string = siteUploaderRole.id
