// Every test runs offline: dummy credentials, a fixed region, and CDK's built-in template
// validation off (one construct test turns it back on explicitly).
process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLETESTONLY';
process.env.AWS_SECRET_ACCESS_KEY = 'test-only-secret';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.CDK_VALIDATION = process.env.CDK_VALIDATION ?? 'false';
process.env.NODE_NO_WARNINGS = '1';
delete process.env.AWS_PROFILE;
