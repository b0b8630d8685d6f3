/**
 * `npm run demo`: the example app (bin/app.ts) deployed, updated and destroyed on this machine.
 *
 * Synthesizes the app twice with the real CDK CLI (the initial version and `-c variant=next`),
 * then plays CloudFormation for its two stacks in two accounts: the source stack creates a
 * cross-account connection, the destination stack accepts it (found by its source) next to the
 * three inbound constructs and ships a synonyms dictionary from this repository (Package) to a
 * domain (PackageAssociation); then both are updated (a changed dictionary file is a new package
 * version) and destroyed. Everything runs through the
 * Provider framework from cdk.out against the embedded OpenSearch emulator, printing the stack
 * events and, after each phase, the service calls made (and by which account) and the emulator's
 * state. Exits non-zero when a resource fails or the service does not end up exactly as expected.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { RecordedRequest } from '../../emulator';
import { EXAMPLE_PACKAGE_TIMING, EXAMPLE_TIMING, EXAMPLE_WORLD, seedExampleNetwork } from './example-world';
import { LocalDeployment, describeWorld, diffWorld } from './index';

const ROOT = path.resolve(__dirname, '..', '..');
const STACK = 'OpenSearchLifecycleExample';
const SOURCE_STACK = 'OpenSearchLifecycleSource';
const CONSUMER_STACK = 'OpenSearchLifecycleConsumer';

/** The VPC endpoints (owner, VPC, security groups, status) and the authorizations expected after each phase. */
const EXPECTED_VPC_ENDPOINTS = {
  source: [] as string[],
  initial: [
    'authorized on logs-destination: 222222222222',
    'endpoint of 222222222222 to logs-destination in vpc-0c0ffee000000001 (sg-0c0ffee000000001) ACTIVE',
  ],
  next: [
    'authorized on logs-destination: 222222222222',
    'endpoint of 222222222222 to logs-destination in vpc-0c0ffee000000001 (sg-0c0ffee000000002) ACTIVE',
  ],
  destroy: [] as string[],
};

/** The id the emulator gives the first package made with CreatePackage: the synonyms dictionary. */
const SYNONYMS_ID = 'F1000000001';

/** The package catalog expected after each phase: the dictionary, its version, the version the domain runs. */
const EXPECTED_PACKAGES = {
  source: [] as string[],
  initial: [`product-synonyms ${SYNONYMS_ID} AVAILABLE v1; search-products runs v1`],
  next: [`product-synonyms ${SYNONYMS_ID} AVAILABLE v2; search-products runs v2`],
  destroy: [] as string[],
};

/** The cross-cluster search role on logs-destination, and its members, expected after each phase. */
const SEARCH_MEMBER = 'arn:aws:iam::222222222222:role/shop-logs-search';
const EXPECTED_SECURITY = {
  source: ['shop-logs-search: no role; no members'],
  initial: [`shop-logs-search: indexes logs-*; members ${SEARCH_MEMBER}`],
  next: [`shop-logs-search: indexes logs-*, audit-*; members ${SEARCH_MEMBER}`],
  destroy: ['shop-logs-search: no role; no members'],
};

/** Changes from EXAMPLE_WORLD expected after each phase, cumulative, in diffWorld's order. */
const EXPECTED = {
  source: ['connection cc-out-000001: added (PENDING_ACCEPTANCE)'],
  initial: [
    'connection cc-out-000001: added (ACTIVE)',
    'connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED',
    `package search-products/${SYNONYMS_ID}: added (ACTIVE)`,
  ],
  next: [
    'connection cc-out-000001: added (ACTIVE)',
    'connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED',
    'connection cc-pending-0002: PENDING_ACCEPTANCE -> REJECTED',
    `package search-products/${SYNONYMS_ID}: added (ACTIVE)`,
    'package search-products/F222222222: ACTIVE -> gone',
  ],
  destroy: [
    'connection cc-active-0001: ACTIVE -> DELETED',
    'connection cc-out-000001: added (DELETED)',
    'connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED',
    'connection cc-pending-0002: PENDING_ACCEPTANCE -> REJECTED',
    'package search-products/F111111111: ACTIVE -> gone',
    'package search-products/F222222222: ACTIVE -> gone',
    'package search-products/pkg-0a1b2c3d: ACTIVE -> gone',
  ],
};

function synth(outdir: string, context: string[]): Promise<void> {
  const args = ['cdk', 'synth', '-q', '--no-notices', ...context, '-o', outdir];
  return new Promise((resolve, reject) => {
    execFile(
      'npx',
      args,
      {
        cwd: ROOT,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, _stdout, stderr) => (error ? reject(new Error(`npx ${args.join(' ')} failed:\n${stderr}`)) : resolve()),
    );
  });
}

/**
 * "RejectInboundConnection cc-pending-0002", "DissociatePackages search-products [F222222222]",
 * "CreateOutboundConnection central-logs", "CreatePackage product-synonyms from s3://...", each with
 * the account that made it.
 */
function describeCall(request: RecordedRequest): string {
  const body = request.body as
    | {
        DomainName?: string;
        PackageList?: Array<string | { PackageID?: string }>;
        PackageName?: string;
        PackageID?: string;
        PackageSource?: { S3BucketName?: string; S3Key?: string };
        ConnectionAlias?: string;
      }
    | undefined;
  const by = request.caller ? ` (by ${request.caller.account})` : '';
  const source = body?.PackageSource ? ` from s3://${body.PackageSource.S3BucketName}/${body.PackageSource.S3Key}` : '';
  switch (request.operation) {
    case 'DissociatePackages':
    case 'AssociatePackages':
      return `${request.operation} ${body?.DomainName} [${(body?.PackageList ?? []).map((p) => (typeof p === 'string' ? p : p.PackageID)).join(', ')}]${by}`;
    case 'CreatePackage':
      return `CreatePackage ${body?.PackageName}${source}${by}`;
    case 'UpdatePackage':
      return `UpdatePackage ${body?.PackageID}${source}${by}`;
    case 'DeletePackage':
      return `DeletePackage ${request.path.split('/').pop()}${by}`;
    case 'CreateOutboundConnection':
      return `CreateOutboundConnection ${body?.ConnectionAlias}${by}`;
    case 'CreateVpcEndpoint':
      return `CreateVpcEndpoint to ${String((body as { DomainArn?: string } | undefined)?.DomainArn)
        .split('/')
        .pop()}${by}`;
    case 'UpdateVpcEndpoint':
      return `UpdateVpcEndpoint ${String((body as { VpcEndpointId?: string } | undefined)?.VpcEndpointId)}${by}`;
    case 'DeleteVpcEndpoint':
      return `DeleteVpcEndpoint ${request.path.split('/').pop()}${by}`;
    case 'AuthorizeVpcEndpointAccess':
    case 'RevokeVpcEndpointAccess':
      return `${request.operation} ${String((body as { Account?: string } | undefined)?.Account)} on ${request.path.split('/')[4]}${by}`;
    case 'PutSecurityRole':
    case 'DeleteSecurityRole':
    case 'PutRoleMapping':
    case 'PatchRoleMapping':
    case 'DeleteRoleMapping': {
      // /domain-endpoints/<host>/_plugins/_security/api/<kind>/<name>
      const [, , host, , , , , name] = request.path.split('/');
      return `${request.operation} ${decodeURIComponent(name ?? '')} on ${host.split('.')[0]}${by}`;
    }
    default: {
      const id = decodeURIComponent(request.path.split(/\/(?:in|out)boundConnection\//)[1]?.split('/')[0] ?? '');
      return `${request.operation} ${id}`.trim() + by;
    }
  }
}

/** The authorizations and the VPC endpoints, one line each. */
function describeVpcEndpoints(run: LocalDeployment): string[] {
  return [
    ...run.emulator.vpcEndpointAccess().map((a) => `authorized on ${a.domainName}: ${a.principal}`),
    ...run.emulator
      .vpcEndpoints()
      .map(
        (e) => `endpoint of ${e.ownerId} to ${e.domainArn.split('/').pop()} in ${e.vpcId} (${e.securityGroupIds.join(', ')}) ${e.status}`,
      ),
  ];
}

/** The package catalog, one line per package, with the version each domain runs. */
function describePackages(run: LocalDeployment): string[] {
  return run.emulator.managedPackages().map((p) => {
    const domains = (run.emulator.snapshot().domains ?? [])
      .map((d) => ({ name: d.domainName, on: run.emulator.packages(d.domainName)?.find((a) => a.packageId === p.packageId) }))
      .filter((d) => d.on !== undefined)
      .map((d) => `${d.name} runs ${d.on!.packageVersion ?? '?'}`);
    return `${p.packageName} ${p.packageId} ${p.status} ${p.availableVersion ?? '-'}${domains.length ? `; ${domains.join(', ')}` : ''}`;
  });
}

/** The cross-cluster search role of logs-destination: its index patterns and its members. */
function describeSecurity(run: LocalDeployment): string[] {
  const security = run.emulator.security('logs-destination');
  const role = security?.roles['shop-logs-search'] as { index_permissions?: Array<{ index_patterns?: string[] }> } | undefined;
  const mapping = security?.rolesMapping['shop-logs-search'] as
    { backend_roles?: string[]; users?: string[]; hosts?: string[] } | undefined;
  const members = [...(mapping?.backend_roles ?? []), ...(mapping?.users ?? []), ...(mapping?.hosts ?? [])];
  const indexes = (role?.index_permissions ?? []).flatMap((entry) => entry.index_patterns ?? []);
  return [
    `shop-logs-search: ${role ? `indexes ${indexes.join(', ')}` : 'no role'}; ${members.length ? `members ${members.join(', ')}` : 'no members'}`,
  ];
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(ROOT, 'assets', 'handler', 'index.js'))) {
    console.error('The handler bundle is missing: run "npm run build" first (npm run demo does).');
    return 1;
  }
  const initial = path.join(ROOT, 'cdk.out', 'demo-initial');
  const next = path.join(ROOT, 'cdk.out', 'demo-next');
  console.log('Synthesizing bin/app.ts twice with the CDK CLI (initial, and -c variant=next) ...');
  await Promise.all([synth(path.relative(ROOT, initial), []), synth(path.relative(ROOT, next), ['-c', 'variant=next'])]);
  console.log('OpenSearchLifecycleGovernedExample is synthesized only: the runner does not run the provider in a VPC, which it uses.');

  const run = await LocalDeployment.start({ world: EXAMPLE_WORLD, timing: EXAMPLE_TIMING });
  run.emulator.setPackageTiming(EXAMPLE_PACKAGE_TIMING);
  seedExampleNetwork(run.emulator);
  const seed = run.emulator.snapshot();
  let healthy = true;
  let calls = 0;
  /** One phase: stack operations one after the other, then what they did. */
  const phase = async (
    title: string,
    actions: Array<[string, () => ReturnType<LocalDeployment['deploy']>]>,
    expected: string[],
    expectedPackages: string[],
    expectedVpcEndpoints: string[],
    expectedSecurity: string[],
  ) => {
    run.print('');
    run.print(`== ${title}`);
    const results: Array<[string, Awaited<ReturnType<LocalDeployment['deploy']>>]> = [];
    for (const [stack, action] of actions) results.push([stack, await action()]);
    const newCalls = run.emulator.mutatingRequests().slice(calls);
    calls += newCalls.length;
    run.print('');
    for (const [stack, result] of results) {
      run.print(`   ${stack} ${result.status}${result.ok ? '' : `; FAILED: ${result.failed.join(', ')}`}`);
      for (const [name, value] of Object.entries(result.outputs)) run.print(`     output ${name} = ${String(value)}`);
    }
    const accepted = newCalls.filter((request) => request.status === 200 || request.status === 201);
    run.print(`   service calls that changed something: ${accepted.map(describeCall).join('; ') || 'none'}`);
    run.print('   emulator now:');
    for (const line of describeWorld(run.emulator.snapshot())) run.print(`   ${line}`);
    const packages = describePackages(run);
    run.print(`   package catalog: ${packages.join(' | ') || 'empty'}`);
    const endpoints = describeVpcEndpoints(run);
    run.print(`   VPC endpoints: ${endpoints.join(' | ') || 'none'}`);
    const security = describeSecurity(run);
    run.print(`   fine-grained access control on logs-destination: ${security.join(' | ')}`);
    const changes = diffWorld(seed, run.emulator.snapshot());
    const matches =
      JSON.stringify(changes) === JSON.stringify(expected) &&
      JSON.stringify(packages) === JSON.stringify(expectedPackages) &&
      JSON.stringify(endpoints) === JSON.stringify(expectedVpcEndpoints) &&
      JSON.stringify(security) === JSON.stringify(expectedSecurity);
    run.print(
      matches
        ? '   ✔ exactly the expected connections, packages, VPC endpoints and role mappings changed since the start'
        : `   ✘ unexpected state; changed since the start:\n     ${changes.join('\n     ')}\n   expected:\n     ${expected.join('\n     ')}\n   packages expected: ${expectedPackages.join(' | ') || 'none'}\n   VPC endpoints expected: ${expectedVpcEndpoints.join(' | ') || 'none'}\n   security expected: ${expectedSecurity.join(' | ')}`,
    );
    healthy &&= results.every(([, result]) => result.ok) && matches;
  };

  try {
    run.print('');
    run.print(`Local deploy of ${SOURCE_STACK} (account 222222222222, eu-west-1), ${STACK} (account 111111111111,`);
    run.print(
      `us-east-1) and ${CONSUMER_STACK} (account 222222222222, us-east-1): CloudFormation played by tools/local-deploy, the Provider framework from cdk.out, the OpenSearch`,
    );
    run.print("emulator as the service, each stack's handlers signing as their own account. No AWS account, no network.");
    run.print('Times are virtual (UTC): waits take no real time, only the processes in them do.');
    run.print('   emulator at start:');
    for (const line of describeWorld(seed)) run.print(`   ${line}`);
    await phase(
      `1/4  deploy ${SOURCE_STACK} from cdk.out/demo-initial: Create (the outbound connection to logs-destination)`,
      [[SOURCE_STACK, () => run.deploy(initial, SOURCE_STACK)]],
      EXPECTED.source,
      EXPECTED_PACKAGES.source,
      EXPECTED_VPC_ENDPOINTS.source,
      EXPECTED_SECURITY.source,
    );
    await phase(
      `2/4  deploy ${STACK}, then ${CONSUMER_STACK}, from cdk.out/demo-initial: Create (accepts the connection from shop-logs, no id passed; rejects cc-pending-0001; cc-active-0001 is only looked up, it is deleted at 4/4; ships the synonyms dictionary; maps the source side's search role on logs-destination; authorizes account 222222222222 on logs-destination, whose stack then makes a VPC endpoint to it)`,
      [
        [STACK, () => run.deploy(initial, STACK)],
        [CONSUMER_STACK, () => run.deploy(initial, CONSUMER_STACK)],
      ],
      EXPECTED.initial,
      EXPECTED_PACKAGES.initial,
      EXPECTED_VPC_ENDPOINTS.initial,
      EXPECTED_SECURITY.initial,
    );
    await phase(
      '3/4  deploy all three from cdk.out/demo-next: Update (waitFor ACTIVE: no call; rejection moves to cc-pending-0002, F222222222 leaves the list, the synonyms file changed, the search role also reads audit-*; the VPC endpoint gets another security group, in place)',
      [
        [SOURCE_STACK, () => run.deploy(next, SOURCE_STACK)],
        [STACK, () => run.deploy(next, STACK)],
        [CONSUMER_STACK, () => run.deploy(next, CONSUMER_STACK)],
      ],
      EXPECTED.next,
      EXPECTED_PACKAGES.next,
      EXPECTED_VPC_ENDPOINTS.next,
      EXPECTED_SECURITY.next,
    );
    await phase(
      "4/4  destroy all three: Delete (the VPC endpoint is deleted, then the authorization revoked: the owner's stack first would be refused while the endpoint lives; cc-active-0001 and the accepted connection are deleted, the listed packages dissociated, the dictionary deleted, the member of the search role and the role removed; a rejection cannot be undone; the source then finds its connection DELETED)",
      [
        [CONSUMER_STACK, () => run.destroy(CONSUMER_STACK)],
        [STACK, () => run.destroy(STACK)],
        [SOURCE_STACK, () => run.destroy(SOURCE_STACK)],
      ],
      EXPECTED.destroy,
      EXPECTED_PACKAGES.destroy,
      EXPECTED_VPC_ENDPOINTS.destroy,
      EXPECTED_SECURITY.destroy,
    );
  } finally {
    await run.stop();
  }
  console.log('');
  console.log(healthy ? 'Demo finished: every resource succeeded and the service ended as expected.' : 'Demo FAILED (see above).');
  return healthy ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);
