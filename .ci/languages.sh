#!/usr/bin/env bash
# Python and Java, built and used for real: jsii-pacmak builds the Python wheel and the Java
# package from the built library (.jsii and the handler bundle); the wheel is installed with
# aws-cdk-lib for Python in a fresh virtual environment, which synthesizes the README's Python
# quick start app (two stacks; its `from_` argument is jsii's Python name for `from`); a small Java app with all three constructs (test/languages/java) is compiled and synthesized against the
# Java package with Maven. Everything comes from the registries (npm, PyPI, Maven Central) into
# a temporary folder that is removed however the script ends (the Maven cache included).
#
# Pinned here: aws-cdk-lib for Python and Java (newest on PyPI/Maven Central at or above the
# peerDependencies floor). jsii-pacmak pins its own Python build tools (setuptools~=75.3.2,
# build~=1.5.0, twine~=7.0.0) in the build environment it makes.
set -euo pipefail
cd "$(dirname "$0")/.."

AWS_CDK_LIB_PYTHON=2.275.0
JSII_RUNTIME_PYTHON=1.142.0
AWS_CDK_LIB_JAVA=2.263.0
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1

work=$(mktemp -d "${TMPDIR:-/tmp}/languages.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Every JVM (Maven, the javadoc it forks for pacmak, the Java app) unpacks into java.io.tmpdir and
# writes perf data under /tmp: JAVA_TOOL_OPTIONS, which each JVM reads, keeps both out of /tmp.
mkdir -p "$work/java-tmp"
export JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:-} -Djava.io.tmpdir=$work/java-tmp -XX:-UsePerfData"
started=$SECONDS
step() { echo "languages: $1 ($((SECONDS - started)) s)"; }

[ -f .jsii ] && [ -f assets/handler/index.js ] || npm run build
# The release's own packaging (`npm run package`: jsii-pacmak for js, python and java), into the
# temporary folder. pacmak packs the library with `npm pack`; the build above is current, so
# prepack is skipped.
npm_config_ignore_scripts=true npm run package --silent -- --outdir "$work/dist" --maven-local-repository "$work/m2"
step "npm run package built the npm tarball, the wheel and the Java package"

# Python: the wheel in a fresh venv, then the README's Python example app.
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "aws-cdk-lib==$AWS_CDK_LIB_PYTHON" "jsii==$JSII_RUNTIME_PYTHON" "$work"/dist/python/*.whl
mkdir -p "$work/python-app"
node -e '
  const readme = require("fs").readFileSync("README.md", "utf8");
  const block = /```python\n([\s\S]*?)```\n/.exec(readme);
  if (!block) { console.error("README.md has no ```python block"); process.exit(1); }
  process.stdout.write(block[1]);
' > "$work/python-app/app.py"
(cd "$work/python-app" && CDK_OUTDIR="$work/python-app/cdk.out" "$work/venv/bin/python" app.py)
node .ci/check-synth.cjs "$work/python-app/cdk.out" 2 Custom::OpenSearchOutboundConnection Custom::OpenSearchInboundConnectionAcceptance
step "Python: the README's example app synthesized with the wheel"

# Java: a small app against the Java package, with the Maven repository pacmak filled.
jar=$(ls "$work"/dist/java/io/github/example/cdk-opensearch-lifecycle/*/cdk-opensearch-lifecycle-*[0-9].jar)
cp -r test/languages/java "$work/java-app"
(
  cd "$work/java-app"
  mvn --batch-mode --quiet -Dmaven.repo.local="$work/m2" -Dlifecycle.repo="file://$work/dist/java" \
    -Dlifecycle.version="$(basename "$(dirname "$jar")")" -Daws-cdk-lib.version="$AWS_CDK_LIB_JAVA" \
    compile exec:java -Dexec.args="$work/java-app/cdk.out"
)
node .ci/check-synth.cjs "$work/java-app/cdk.out" 1 Custom::OpenSearchInboundConnectionRejection \
  Custom::OpenSearchInboundConnectionDeletion Custom::OpenSearchPackageDissociation
step "Java: the example app synthesized with the Java package"
