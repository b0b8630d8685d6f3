import * as path from 'path';

// Every test runs offline: dummy credentials, a fixed region, and CDK's built-in template
// validation off (one construct test turns it back on explicitly).
process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLETESTONLY';
process.env.AWS_SECRET_ACCESS_KEY = 'test-only-secret';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.CDK_VALIDATION = process.env.CDK_VALIDATION ?? 'false';
process.env.NODE_NO_WARNINGS = '1';
delete process.env.AWS_PROFILE;

// Every HTTP exchange the emulator and the CloudFormation stand-in answer is recorded in the
// folder test/global-setup.js made for this jest run, for the check against AWS's API models that
// .ci/run makes after the tests (npm run check:api-model). Not in TMPDIR, which each test file
// gets of its own and loses when it ends. A test file run without that setup records nothing.
if (!process.env.OPENSEARCH_LIFECYCLE_EXCHANGES_DIR?.includes(path.join('node_modules', '.cache', 'api-exchanges'))) {
  delete process.env.OPENSEARCH_LIFECYCLE_EXCHANGES_DIR;
}
