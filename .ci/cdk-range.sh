#!/usr/bin/env bash
# The construct and handler tests (test/lib, test/lambda) against both ends of the supported
# aws-cdk-lib range: the floor (peerDependencies' minimum) and the newest 2.x release in the range.
# Each end runs in a temporary copy of the working tree with a clean install from the lock file,
# then `npm install aws-cdk-lib@<end> --no-save`; the copy is removed however the script ends.
# At each end the library itself is compiled (jsii's tsconfig, lib/ only) against that release.
#
# cdk-nag runs at both ends with the major its users have there: cdk-nag 3 needs aws-cdk-lib
# >= 2.257.0, so the floor installs the newest cdk-nag 2 (an Aspect instead of a validation
# plugin; test/lib/nag.ts runs either). Two suites test features of aws-cdk-lib newer than the
# floor, not ours, and are left out there: test/lib/template-validation.test.ts (the CloudFormation
# validator built into aws-cdk-lib; cfn-lint checks the templates instead) and
# test/lib/control-tower.test.ts (it plugs the Control Tower rules in with `Validations.of(app)`,
# which the floor does not have: aws-cdk-lib plugin API, not ours).
#
# A failing end says in one line which aws-cdk-lib release failed and which suites.
#
# CDK_RANGE_NEWEST_TESTED_BY_NPM_TEST=1 (set by .ci/run, which runs `npm test` beside this script):
# when the newest release is the one the lock file installs, `npm test` already runs every suite
# against it from a clean install, so that end is not installed a second time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

floor=$(node -p 'require("./package.json").peerDependencies["aws-cdk-lib"].replace(/^\^/, "")')
range=$(node -p 'require("./package.json").peerDependencies["aws-cdk-lib"]')
newest=$(npm view "aws-cdk-lib@$range" version --json 2>/dev/null |
  node -e 'const v=[].concat(JSON.parse(require("fs").readFileSync(0,"utf8"))); v.sort((a,b)=>{const x=a.split(".").map(Number),y=b.split(".").map(Number);return x[0]-y[0]||x[1]-y[1]||x[2]-y[2]}); console.log(v.at(-1))')

work=$(mktemp -d "${TMPDIR:-/tmp}/cdk-range.XXXXXX")
trap 'rm -rf "$work"' EXIT

run_end() {
  local label=$1 version=$2 nag=$3; shift 3
  local copy="$work/$label" started=$SECONDS
  mkdir -p "$copy"
  # The working tree as git sees it (tracked and new files, nothing ignored): no build output.
  git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -cf - -T - 2>/dev/null | tar -xf - -C "$copy"
  (
    cd "$copy"
    npm ci --no-audit --no-fund --prefer-offline --loglevel=error
    npm install --no-save --no-audit --no-fund --prefer-offline --loglevel=error --legacy-peer-deps "aws-cdk-lib@$version" "cdk-nag@$nag"
    installed=$(node -p 'require("aws-cdk-lib/package.json").version')
    [ "$installed" = "$version" ] || { echo "cdk-range: wanted aws-cdk-lib $version, got $installed"; exit 1; }
    nag_installed=$(node -p 'require("cdk-nag/package.json").version')
    npx tsc -p tsconfig.json --noEmit || { echo "cdk-range: FAILED at aws-cdk-lib $version ($label): lib/ does not compile against it"; exit 1; }
    npm run bundle --silent
    if ! npx jest --ci --silent --json --outputFile="$copy/jest.json" test/lib test/lambda "$@"; then
      failed=$(node -e '
        const r = require(process.argv[1]);
        console.log(r.testResults.filter((t) => t.status !== "passed").map((t) => require("path").relative(process.argv[2], t.name)).join(", ") || "none reported");
      ' "$copy/jest.json" "$copy" 2>/dev/null || echo "see jest's output above")
      echo "cdk-range: FAILED at aws-cdk-lib $version ($label, cdk-nag $nag_installed): $failed"
      exit 1
    fi
    echo "cdk-range: aws-cdk-lib $version ($label, cdk-nag $nag_installed) passed in $((SECONDS - started)) s"
  )
}

run_end oldest "$floor" 2 --testPathIgnorePatterns 'test/lib/(template-validation|control-tower)\.test\.ts'
locked=$(node -p 'require("./node_modules/aws-cdk-lib/package.json").version' 2>/dev/null || true)
if [ "${CDK_RANGE_NEWEST_TESTED_BY_NPM_TEST:-}" = 1 ] && [ "$locked" = "$newest" ]; then
  echo "cdk-range: aws-cdk-lib $newest (newest) is the lock file's: npm test runs every suite against it"
else
  run_end newest "$newest" 3
fi
echo "cdk-range: aws-cdk-lib $range proven at both ends ($floor and $newest)"
