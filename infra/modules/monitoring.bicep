// Log Analytics workspace and a workspace-based Application Insights component with local (key) authentication
// disabled: telemetry is accepted only from Microsoft Entra identities holding Monitoring Metrics Publisher, which the
// app's identity is granted here (APPLICATIONINSIGHTS_AUTHENTICATION_STRING tells the host to use it).

import { resourceTags } from 'types.bicep'

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Region of both resources.')
param location string

@description('Tags applied to both resources.')
param tags resourceTags

@description('Days the workspace keeps logs.')
@minValue(30)
@maxValue(730)
param retentionInDays int

@description('Name of the app identity (seeds role-assignment names, so they are known before deployment).')
param appIdentityName string

@description('Principal id of the app identity that publishes telemetry.')
param appPrincipalId string

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appIdentityName, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'ServerlessScreening app identity: send telemetry to Application Insights (local auth is disabled).'
  }
}

output applicationInsightsName string = applicationInsights.name
output workspaceName string = workspace.name
