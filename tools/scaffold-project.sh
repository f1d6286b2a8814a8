#!/usr/bin/env bash
# Creates the skeleton of one Nx project: project.json with tags, jest config, tsconfig.spec.json.
# usage: tools/scaffold-project.sh <root> <name> <type-tag> <scope-tag>
set -euo pipefail
root=$1 name=$2 type=$3 scope=$4
depth=$(awk -F/ '{print NF}' <<<"$root"); up=$(printf '../%.0s' $(seq 1 "$depth"))
mkdir -p "$root/src"
[ -f "$root/project.json" ] || cat > "$root/project.json" <<JSON
{
  "name": "$name",
  "\$schema": "${up}node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$root/src",
  "projectType": "$( [[ $type == type:app ]] && echo application || echo library )",
  "tags": ["$type", "$scope"]
}
JSON
[ -f "$root/tsconfig.spec.json" ] || cat > "$root/tsconfig.spec.json" <<JSON
{
  "extends": "${up}tsconfig.base.json",
  "compilerOptions": { "types": ["node", "jest"], "isolatedModules": true },
  "include": ["src/**/*.ts"]
}
JSON
[ -f "$root/jest.config.cjs" ] || cat > "$root/jest.config.cjs" <<JS
module.exports = {
  displayName: '$name',
  preset: '${up}jest.preset.cjs',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
};
JS
[ -f "$root/src/index.ts" ] || echo "export {};" > "$root/src/index.ts"
