#!/usr/bin/env bash
# Writes the standard files of a project: tools/new-project.sh <root> <name> <tag>
set -euo pipefail
root=$1 name=$2 tag=$3
depth=$(echo "$root" | awk -F/ '{print NF}')
up=$(printf '../%.0s' $(seq 1 "$depth"))
mkdir -p "$root/src"
cat > "$root/project.json" <<JSON
{
  "name": "$name",
  "\$schema": "${up}node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$root/src",
  "projectType": "$( [[ $tag == type:app ]] && echo application || echo library )",
  "tags": ["$tag"],
  "targets": {
    "typecheck": {
      "command": "tsc --noEmit -p {projectRoot}/tsconfig.json",
      "inputs": ["default", "^default"],
      "cache": true
    },
    "build": {
      "dependsOn": ["^build", "typecheck"],
      "command": "node tools/build.mjs {projectRoot}"
    },
    "lint": {
      "command": "eslint --max-warnings 0 {projectRoot}"
    },
    "test": {
      "command": "jest --passWithNoTests -c {projectRoot}/jest.config.js"
    }
  }
}
JSON
cat > "$root/tsconfig.json" <<JSON
{
  "extends": "${up}tsconfig.base.json",
  "compilerOptions": { "types": ["node", "jest"] },
  "include": ["src/**/*.ts"]
}
JSON
cat > "$root/jest.config.js" <<JS
module.exports = {
  ...require('${up}jest.preset.js'),
  displayName: '$name',
  rootDir: __dirname,
};
JS
