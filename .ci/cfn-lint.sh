#!/usr/bin/env bash
# AWS's own template linter over every template the example app (both variants: initial, and
# -c variant=next) and the integration test synthesize: cfn-lint, pinned, from PyPI, in a venv in
# a temporary folder that is removed however the script ends. Any error, and any warning not
# explained below, fails.
#
# Suppressed, with the reason:
# - W3005 (a DependsOn already enforced by a GetAtt): aws-cdk-lib writes it. Every lambda.Function
#   and the Provider framework's state machine depend on their role *and* its default policy, so
#   that the policy exists before the function can be invoked; the role half is redundant (the
#   Role property's GetAtt implies it) and harmless. The integ-tests-alpha assertion functions do
#   the same. Nothing of ours writes a DependsOn.
# - W3010 (hard-coded availability zones): only the governed example's own VPC has subnets. A
#   stack whose env names an account gets its availability zones from a context lookup, and CDK
#   writes them into the template as names (here cdk.json's context, as the CLI would pass it).
#   The library itself makes no subnet.
set -euo pipefail
cd "$(dirname "$0")/.."

CFN_LINT=1.58.0
IGNORED=W3005,W3010

work=$(mktemp -d "${TMPDIR:-/tmp}/cfn-lint.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT"

[ -f assets/handler/index.js ] || npm run bundle
export CDK_VALIDATION=false
# The app's context from cdk.json, as `cdk synth` passes it (the availability zones of the VPC).
context=$(node -p 'JSON.stringify(require("./cdk.json").context ?? {})')
CDK_OUTDIR="$work/app" CDK_CONTEXT_JSON="$context" npx tsx bin/app.ts
CDK_OUTDIR="$work/app-next" CDK_CONTEXT_JSON=$(node -p "JSON.stringify({ ...$context, variant: 'next' })") npx tsx bin/app.ts
CDK_OUTDIR="$work/integ" npx tsx test/integ.lifecycle.ts
# The integration test again with every opt-in probe on (VPC endpoints in this account and across
# two, the security API), with made-up names: only synthesis, to lint the probes' templates too.
env CDK_OUTDIR="$work/integ-probes" CDK_DEFAULT_ACCOUNT=111111111111 CDK_DEFAULT_REGION=us-east-1 \
  INTEG_VPC_ENDPOINT_DOMAIN=orders INTEG_VPC_ENDPOINT_ACCOUNT=333333333333 \
  INTEG_VPC_ENDPOINT_VPC_ID=vpc-0a1b2c3d INTEG_VPC_ENDPOINT_SUBNETS=subnet-0aaa1111,subnet-0bbb2222 \
  INTEG_VPC_ENDPOINT_CONSUMER_ACCOUNT=222222222222 INTEG_VPC_ENDPOINT_CONSUMER_VPC_ID=vpc-0c1d2e3f \
  INTEG_VPC_ENDPOINT_CONSUMER_SUBNETS=subnet-0ccc3333,subnet-0ddd4444 \
  INTEG_SECURED_DOMAIN=secure-logs INTEG_SECURED_DOMAIN_ENDPOINT=https://search-secure-logs-abc123.us-east-1.es.amazonaws.com \
  npx tsx test/integ.lifecycle.ts

templates=("$work"/app/*.template.json "$work"/app-next/*.template.json "$work"/integ/*.template.json "$work"/integ-probes/*.template.json)
"$work/venv/bin/cfn-lint" --format parseable --ignore-checks "$IGNORED" -- "${templates[@]}"
echo "cfn-lint $CFN_LINT: ${#templates[@]} templates clean (ignoring $IGNORED, see this script) in $((SECONDS - started)) s"
