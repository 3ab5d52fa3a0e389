#!/bin/sh
# azd postdeploy hook: subscribe the blob trigger `ingest` to BlobCreated events under uploads/.
# The webhook needs the host's blobs_extension system key, which exists only after the deployed host has started and
# indexed a blob trigger with Source = EventGrid; so wait for it, then deploy infra/upload-events.bicep, which reads the
# key itself (listKeys) so it never passes through this shell. Safe to re-run: the deployment is idempotent.
set -eu

: "${AZURE_RESOURCE_GROUP:?run azd provision first}"
: "${AZURE_FUNCTION_APP_NAME:?run azd provision first}"
: "${AZURE_FUNCTION_APP_HOST:?run azd provision first}"
: "${SCREENING_UPLOAD_EVENTS_TOPIC:?run azd provision first}"
: "${SCREENING_HOST_STORAGE_ACCOUNT:?run azd provision first}"
: "${SCREENING_UPLOAD_EVENTS_DEADLETTER_CONTAINER:?run azd provision first}"

if ! command -v az >/dev/null 2>&1; then
  echo "postdeploy: the Azure CLI (az) is required to create the Event Grid subscription; see infra/README.md" >&2
  exit 1
fi

here="$(cd "$(dirname "$0")" && pwd)"
attempts="${SCREENING_KEY_WAIT_ATTEMPTS:-30}"
interval="${SCREENING_KEY_WAIT_SECONDS:-10}"

echo "postdeploy: waiting for the blobs_extension key of ${AZURE_FUNCTION_APP_NAME}..."
i=0
while :; do
  # Any request wakes the app (Flex Consumption scales from zero); the host creates the key when it indexes `ingest`.
  if command -v curl >/dev/null 2>&1; then curl -s -o /dev/null --max-time 10 "https://${AZURE_FUNCTION_APP_HOST}/" || true; fi
  # shellcheck disable=SC2016 # the backticks are a JMESPath literal, not a command substitution
  present="$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" \
    --query 'systemKeys.blobs_extension != `null`' -o tsv 2>/dev/null || true)"
  [ "$present" = "true" ] && break
  i=$((i + 1))
  if [ "$i" -ge "$attempts" ]; then
    echo "postdeploy: no blobs_extension key after $attempts attempts. Check the app started (Application Insights, or" >&2
    echo "  az functionapp log deployment show), then run: azd hooks run postdeploy" >&2
    exit 1
  fi
  sleep "$interval"
done

az deployment group create \
  --name upload-events \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --template-file "$here/../upload-events.bicep" \
  --parameters functionAppName="$AZURE_FUNCTION_APP_NAME" \
               systemTopicName="$SCREENING_UPLOAD_EVENTS_TOPIC" \
               deadLetterStorageAccountName="$SCREENING_HOST_STORAGE_ACCOUNT" \
               deadLetterContainerName="$SCREENING_UPLOAD_EVENTS_DEADLETTER_CONTAINER" \
  --output none

echo "postdeploy: Event Grid subscription ingest-uploads delivers BlobCreated under uploads/ to ${AZURE_FUNCTION_APP_NAME}."
