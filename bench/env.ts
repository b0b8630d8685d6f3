/**
 * The bench runs offline, like the tests: dummy credentials, a fixed region, no metadata service.
 * Imported first by bench/index.ts, before any SDK or aws-cdk-lib module loads.
 */
process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLEBENCHONLY';
process.env.AWS_SECRET_ACCESS_KEY = 'bench-only-secret';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.CDK_DISABLE_VERSION_CHECK = '1';
process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';
process.env.JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION = '20';
process.env.NODE_NO_WARNINGS = '1';
delete process.env.AWS_PROFILE;

export {};
