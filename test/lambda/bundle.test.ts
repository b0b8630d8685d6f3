import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { OpenSearchEmulator } from '../../emulator';
import { CloudFormationService } from '../../tools/local-deploy/cloudformation-service';
import { PACKAGES, STACK_ID } from './harness';

const BUNDLE = path.join(__dirname, '..', '..', 'assets', 'handler', 'index.js');
const run = promisify(execFile);

// The Lambda runs the bundle, not the sources: check what `npm run build` produced.
describe('the handler bundle', () => {
  test('carries its own pinned OpenSearch client, including DissociatePackages', () => {
    const code = fs.readFileSync(BUNDLE, 'utf8');
    expect(code.includes('/2021-01-01/packages/dissociateMultiple')).toBe(true);
    const pinned = JSON.parse(fs.readFileSync(require.resolve('@aws-sdk/client-opensearch/package.json'), 'utf8')).version;
    expect(pinned).toBe('3.1138.0');
  });

  test('carries its own pinned CloudFormation client, for DescribeStacks, and stays under 1 MB', () => {
    const code = fs.readFileSync(BUNDLE, 'utf8');
    expect(code.includes('DescribeStacks')).toBe(true);
    const pinned = JSON.parse(fs.readFileSync(require.resolve('@aws-sdk/client-cloudformation/package.json'), 'utf8')).version;
    expect(pinned).toBe('3.1138.0');
    expect(fs.statSync(BUNDLE).size).toBeLessThan(1024 * 1024);
  });

  test('carries its own pinned OpenSearch client, for the security API of a domain', () => {
    const code = fs.readFileSync(BUNDLE, 'utf8');
    expect(code.includes('/_plugins/_security/api')).toBe(true);
    expect(code.includes('/_opendistro/_security/api')).toBe(true);
    const pinned = (name: string) => JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
    expect(pinned('@opensearch-project/opensearch')).toBe('3.9.0');
    expect(pinned('@aws-sdk/credential-provider-node')).toBe('3.972.97');
  });

  test('runs a SecurityRole alone, signing with the default credential chain, against a domain endpoint of the emulator', async () => {
    const alone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-')), 'index.js');
    fs.copyFileSync(BUNDLE, alone);
    const emulator = await OpenSearchEmulator.start({ world: { domains: [{ domainName: 'logs' }] } });
    try {
      const event = {
        RequestType: 'Create',
        ResourceType: 'Custom::OpenSearchSecurityRole',
        LogicalResourceId: 'Resource',
        StackId: STACK_ID,
        RequestId: 'r',
        ResourceProperties: {
          DomainArn: 'arn:aws:es:us-east-1:111111111111:domain/logs',
          DomainEndpoint: 'search-logs-abc123.us-east-1.es.amazonaws.com',
          RoleName: 'log-readers',
          ClusterPermissions: ['cluster_monitor'],
        },
      };
      const script = `
        const handler = require(${JSON.stringify(alone)});
        handler.onEvent(${JSON.stringify(event)}).then((r) => process.stdout.write(JSON.stringify(r)));`;
      const { stdout } = await run(process.execPath, ['-e', script], {
        cwd: path.dirname(alone),
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_EC2_METADATA_DISABLED: 'true',
          OPENSEARCH_LIFECYCLE_DOMAIN_URL_PREFIX: emulator.domainUrlPrefix,
          NODE_NO_WARNINGS: '1',
        },
      });
      expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({ Done: true });
      expect(emulator.security('logs')!.roles['log-readers']).toMatchObject({ cluster_permissions: ['cluster_monitor'] });
      expect(emulator.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 404', 'PUT 201']);
    } finally {
      await emulator.stop();
      fs.rmSync(path.dirname(alone), { recursive: true, force: true });
    }
  });

  test('carries its own pinned S3 client, for the copy of a package file (CopyObject)', () => {
    const code = fs.readFileSync(BUNDLE, 'utf8');
    expect(code.includes('x-amz-copy-source')).toBe(true);
    const pinned = JSON.parse(fs.readFileSync(require.resolve('@aws-sdk/client-s3/package.json'), 'utf8')).version;
    expect(pinned).toBe('3.1138.0');
  });

  test('runs alone, away from any node_modules, in a fresh node process against the emulator', async () => {
    // A copy outside the repository: any require of a package the bundle does not carry would fail.
    const alone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-')), 'index.js');
    fs.copyFileSync(BUNDLE, alone);
    const emulator = await OpenSearchEmulator.start({
      world: { domains: [{ domainName: 'search-products', packages: [{ packageId: 'F1' }] }] },
    });
    // The Delete reads the stack status: the stack is being deleted, so the packages go.
    const cloudformation = await CloudFormationService.start({
      describe: (name) =>
        name === STACK_ID ? { stackId: STACK_ID, stackName: 'HandlerTest', stackStatus: 'DELETE_IN_PROGRESS', creationTime: 0 } : undefined,
    });
    try {
      const event = {
        RequestType: 'Delete',
        ResourceType: PACKAGES,
        LogicalResourceId: 'Resource',
        StackId: STACK_ID,
        RequestId: 'r',
        ResourceProperties: { DomainName: 'search-products', PackageIds: ['F1'], TimeoutSeconds: '60' },
      };
      const script = `
        const handler = require(${JSON.stringify(alone)});
        const event = ${JSON.stringify(event)};
        (async () => {
          const create = await handler.onEvent({ ...event, RequestType: 'Create' });
          const handover = await handler.onEvent({ ...event, PhysicalResourceId: create.PhysicalResourceId });
          let result = { IsComplete: false };
          for (let i = 0; i < 20 && !result.IsComplete; i++) result = await handler.isComplete({ ...event, ...handover });
          process.stdout.write(JSON.stringify(result));
        })();`;
      const { stdout } = await run(process.execPath, ['-e', script], {
        cwd: path.dirname(alone),
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_ENDPOINT_URL_OPENSEARCH: emulator.endpoint,
          AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.endpoint,
          NODE_NO_WARNINGS: '1',
        },
      });
      const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
      expect(result).toEqual({
        IsComplete: true,
        PhysicalResourceId: expect.stringMatching(/^opensearch-package-dissociation:search-products:[0-9a-f]{16}$/),
      });
      expect(emulator.packages('search-products')).toEqual([]);
      expect(emulator.mutatingRequests().map((r) => r.operation)).toEqual(['DissociatePackages']);
      expect(cloudformation.calls).toEqual([{ action: 'DescribeStacks', stackName: STACK_ID, answer: 'DELETE_IN_PROGRESS' }]);
    } finally {
      await emulator.stop();
      await cloudformation.stop();
      fs.rmSync(path.dirname(alone), { recursive: true, force: true });
    }
  });
});
