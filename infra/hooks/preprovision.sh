#!/bin/sh
# azd preprovision hook: make sure the environment has what infra/main.bicep requires.
#  - SCREENING_PSEUDONYM_KEY: generated once (openssl rand -base64 32) and kept in the azd environment; it reaches
#    Azure only as a Key Vault secret. Never regenerated here: a new key changes every pseudonym (see infra/README.md,
#    "Rotating the pseudonym key").
#  - SCREENING_DEFAULT_SCREENING_DATE: required, yyyy-MM-dd; not defaulted on purpose (the pipeline never uses "today").
set -eu

key="$(azd env get-value SCREENING_PSEUDONYM_KEY 2>/dev/null || true)"
if [ -z "$key" ]; then
  if ! command -v openssl >/dev/null 2>&1; then
    echo "preprovision: openssl is needed to generate SCREENING_PSEUDONYM_KEY (or set it: azd env set SCREENING_PSEUDONYM_KEY <base64 of 32 random bytes>)" >&2
    exit 1
  fi
  azd env set SCREENING_PSEUDONYM_KEY "$(openssl rand -base64 32)" >/dev/null
  echo "preprovision: generated SCREENING_PSEUDONYM_KEY (32 random bytes, base64) in the azd environment."
fi

date="$(azd env get-value SCREENING_DEFAULT_SCREENING_DATE 2>/dev/null || true)"
if ! printf '%s' "$date" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'; then
  echo "preprovision: set the default screening date first, e.g. azd env set SCREENING_DEFAULT_SCREENING_DATE 2025-06-01" >&2
  exit 1
fi
