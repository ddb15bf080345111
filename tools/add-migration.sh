#!/usr/bin/env bash
# Adds a migration with the same name to both providers' migration sets.
set -euo pipefail
name=${1:?usage: tools/add-migration.sh <Name>}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$name" --project src/Vigil.Server --context "${provider}VigilDb" \
    --output-dir "Platform/Data/Migrations/$provider" --namespace "Vigil.Server.Platform.Data.Migrations.$provider"
done
