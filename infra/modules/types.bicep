// Types shared by the entry point and the modules.

@export()
@description('A site that uploads exports and reads back its own verdicts and reports.')
type siteAccess = {
  @description('The site id: the first path segment of its uploads (uploads/{siteId}/...). Letters, digits, "-" and "_" only; it is written into role-assignment conditions and a Service Bus filter.')
  @minLength(1)
  @maxLength(40)
  siteId: string

  @description('Object id of the Microsoft Entra principal (user, group or service principal) that acts for the site.')
  @minLength(36)
  @maxLength(36)
  principalId: string

  @description('Kind of principal; defaults to ServicePrincipal (a site system uploading with its own identity).')
  principalType: ('User' | 'Group' | 'ServicePrincipal')?
}

@export()
@description('Resource tags: string values by tag name.')
type resourceTags = {
  *: string
}
