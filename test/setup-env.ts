import * as path from 'path';

// Every test runs offline: dummy credentials, a fixed region, and CDK's built-in template
// validation off (one construct test turns it back on explicitly).
process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLETESTONLY';
process.env.AWS_SECRET_ACCESS_KEY = 'test-only-secret';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.CDK_VALIDATION = process.env.CDK_VALIDATION ?? 'false';
process.env.NODE_NO_WARNINGS = '1';
// The project's machines run Node.js 20 (the lowest Node.js the library supports at synth time);
// the handlers run on Lambda's newest Node.js runtime. The AWS SDK's notice that its releases of
// 2027 on need Node.js 22 is for users (the README recommends 22 or 24), not a test result.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
delete process.env.AWS_PROFILE;

// Every HTTP exchange the emulator and the CloudFormation stand-in answer is recorded in the
// folder test/global-setup.js made for this jest run, for the check against AWS's API models that
// .ci/run makes after the tests (npm run check:api-model). Not in TMPDIR, which each test file
// gets of its own and loses when it ends. A test file run without that setup records nothing.
if (!process.env.OPENSEARCH_LIFECYCLE_EXCHANGES_DIR?.includes(path.join('node_modules', '.cache', 'api-exchanges'))) {
  delete process.env.OPENSEARCH_LIFECYCLE_EXCHANGES_DIR;
}
