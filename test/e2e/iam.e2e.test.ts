/**
 * IAM as AWS enforces it, through the runner: every handler call is evaluated against the
 * handler role's policies as deployed at that moment (tools/local-deploy/iam.ts). CloudFormation
 * updates the policies during UPDATE_IN_PROGRESS and deletes removed or replaced resources
 * afterwards, in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: each Delete below runs with the policies
 * of the new template, and must still hold the grants it needs (lib/private/grants.ts).
 *
 * With the old layout (one policy rebuilt from the template's constructs) the replacement and
 * every removal here ended with an access denial in the cleanup Delete (checked by running them
 * against it). The rollback passed there too: a rollback dissociates nothing, so it calls nothing
 * on the old domain; it stays as the rollback order's regression test.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import {
  AssociatedPackage,
  DomainVpcEndpoint,
  InboundConnectionAcceptance,
  InboundConnectionDeletion,
  InboundConnectionRejection,
  OutboundConnection,
  Package,
  PackageAssociation,
  PackageDissociation,
  PackageSource,
  PackageType,
  RoleMembership,
  SecurityRole,
  VpcEndpointAccess,
} from '../../lib';
import type { World } from '../../emulator';
import { diffWorld, type LocalDeployment } from '../../tools/local-deploy';
import { importedDomain, inbound, mutatingCalls, startRunner, synth } from './helpers';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';

const SYNONYMS = path.join(__dirname, '..', '..', 'bin', 'dictionaries', 'product-synonyms.txt');

const WORLD: World = {
  domains: [
    { domainName: 'search-c', packages: [{ packageId: 'F111111111' }, { packageId: 'F222222222' }] },
    { domainName: 'search-d', packages: [{ packageId: 'F111111111' }] },
    { domainName: 'logs-local' },
    { domainName: 'logs-remote', ownerId: '222222222222', region: 'eu-west-1' },
    { domainName: 'secure-logs' },
  ],
  connections: [
    inbound('cc-delete-0001', 'ACTIVE', 'logs-local'),
    inbound('cc-reject-0001', 'PENDING_ACCEPTANCE', 'logs-local'),
    inbound('cc-accept-0001', 'PENDING_ACCEPTANCE', 'logs-local'),
  ],
};

/** Every handler call the runner denied, as "Operation by LogicalId (RequestType)". */
function denials(run: LocalDeployment): string[] {
  return [
    ...run.serviceCalls
      .filter((call) => call.errorType === 'AccessDeniedException')
      .map((call) => `${call.operation} by ${call.logicalId} (${call.requestType})`),
    ...run.cloudformationCalls.filter((call) => call.answer === 'AccessDenied').map((call) => `${call.action}`),
  ];
}

/**
 * Takes from the synthesized template the actions `drop` matches (in the policies `inPolicy`
 * names), as a provider that forgot those grants would have written it; returns how many it took.
 */
function withoutGrants(
  app: { cdkOut: string; stackName: string },
  drop: (action: string) => boolean,
  inPolicy = (_id: string) => true,
): number {
  const templateFile = path.join(app.cdkOut, `${app.stackName}.template.json`);
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf8'));
  let removed = 0;
  for (const [id, resource] of Object.entries<{ Properties?: { PolicyDocument?: { Statement: Array<{ Action: string | string[] }> } } }>(
    template.Resources,
  )) {
    if (!inPolicy(id)) continue;
    for (const statement of resource.Properties?.PolicyDocument?.Statement ?? []) {
      const actions = [statement.Action].flat();
      statement.Action = actions.filter((action) => !drop(action));
      removed += actions.length - statement.Action.length;
    }
  }
  fs.writeFileSync(templateFile, JSON.stringify(template));
  return removed;
}

/** A construct that keeps the provider in the stack, and grants nothing the removed kinds need. */
type Keeper = 'package' | 'rejection';

function keeper(stack: Stack, kind: Keeper): Construct {
  return kind === 'package'
    ? new Package(stack, 'Keeper', {
        packageName: 'keeper-synonyms',
        packageType: PackageType.TXT_DICTIONARY,
        source: PackageSource.fromAsset(SYNONYMS),
      })
    : new InboundConnectionRejection(stack, 'Keeper', { connectionId: 'cc-reject-0001' });
}

interface Removal {
  /** The kind removed. */
  readonly kind: string;
  readonly keeper: Keeper;
  readonly add: (stack: Stack) => Construct;
  /** What the world needs besides WORLD, set up before the first deployment. */
  readonly prepare?: (run: LocalDeployment) => void;
  /** What its Delete does to the service: a change diffWorld reports, or a mutating call (mutatingCalls). */
  readonly deleted: RegExp;
}

const REMOVALS: Removal[] = [
  {
    kind: 'InboundConnectionDeletion',
    keeper: 'package',
    add: (stack) => new InboundConnectionDeletion(stack, 'Removed', { connectionId: 'cc-delete-0001' }),
    deleted: /^connection cc-delete-0001: ACTIVE -> DELETED$/,
  },
  {
    kind: 'InboundConnectionAcceptance',
    keeper: 'package',
    add: (stack) =>
      new InboundConnectionAcceptance(stack, 'Removed', { connectionId: 'cc-accept-0001', domain: importedDomain(stack, 'logs-local') }),
    deleted: /^connection cc-accept-0001: .*DELETED$/,
  },
  {
    kind: 'OutboundConnection',
    keeper: 'package',
    add: (stack) =>
      new OutboundConnection(stack, 'Removed', {
        localDomain: importedDomain(stack, 'logs-local'),
        remoteDomain: Domain.fromDomainAttributes(stack, 'Remote', {
          domainArn: 'arn:aws:es:eu-west-1:222222222222:domain/logs-remote',
          domainEndpoint: 'https://search-logs-remote-abc123.eu-west-1.es.amazonaws.com',
        }),
        connectionAlias: 'to-remote',
      }),
    deleted: /^connection .*: .*DELETED$/,
  },
  {
    kind: 'Package',
    keeper: 'rejection',
    add: (stack) =>
      new Package(stack, 'Removed', {
        packageName: 'removed-synonyms',
        packageType: PackageType.TXT_DICTIONARY,
        source: PackageSource.fromAsset(SYNONYMS),
      }),
    // The package catalogue is not part of diffWorld: the accepted DeletePackage call shows it.
    deleted: /^DeletePackage \S+$/,
  },
  {
    kind: 'PackageAssociation',
    keeper: 'package',
    add: (stack) =>
      new PackageAssociation(stack, 'Removed', {
        domain: importedDomain(stack, 'search-d'),
        packages: [AssociatedPackage.fromPackageId('F222222222')],
      }),
    deleted: /^package search-d\/F222222222: ACTIVE -> gone$/,
  },
  {
    kind: 'PackageDissociation',
    keeper: 'package',
    add: (stack) => new PackageDissociation(stack, 'Removed', { domain: importedDomain(stack, 'search-c'), packageIds: ['F222222222'] }),
    deleted: /^package search-c\/F222222222: ACTIVE -> gone$/,
  },
  {
    kind: 'DomainVpcEndpoint',
    keeper: 'package',
    prepare: (run) => {
      run.emulator.addSubnet({
        subnetId: 'subnet-iam0001a',
        vpcId: 'vpc-iam0001',
        availabilityZone: 'us-east-1a',
        ownerId: '111111111111',
      });
      run.emulator.addVpcEndpointAccess('logs-local', '111111111111');
    },
    add: (stack) =>
      new DomainVpcEndpoint(stack, 'Removed', {
        domain: importedDomain(stack, 'logs-local'),
        vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
          vpcId: 'vpc-iam0001',
          availabilityZones: ['us-east-1a'],
          privateSubnetIds: ['subnet-iam0001a'],
        }),
      }),
    deleted: /^DeleteVpcEndpoint \S+$/,
  },
  {
    kind: 'VpcEndpointAccess',
    keeper: 'package',
    add: (stack) => new VpcEndpointAccess(stack, 'Removed', { domain: importedDomain(stack, 'logs-local'), account: '333333333333' }),
    deleted: /^RevokeVpcEndpointAccess logs-local$/,
  },
  {
    kind: 'SecurityRole',
    keeper: 'package',
    add: (stack) =>
      new SecurityRole(stack, 'Removed', {
        domain: importedDomain(stack, 'secure-logs'),
        roleName: 'removed-readers',
        indexPermissions: [{ indexPatterns: ['logs-*'], allowedActions: ['read'] }],
      }),
    deleted: /^DeleteSecurityRole removed-readers$/,
  },
  {
    kind: 'RoleMembership',
    keeper: 'package',
    add: (stack) =>
      new RoleMembership(stack, 'Removed', {
        domain: importedDomain(stack, 'secure-logs'),
        role: 'readall',
        backendRoles: ['arn:aws:iam::222222222222:role/removed-reader'],
      }),
    deleted: /^PatchRoleMapping readall$/,
  },
];

describe('IAM through the runner: a Delete after an update keeps the grants it needs', () => {
  test('a PackageDissociation moved to another domain: the old resource dissociates from the old domain, with the grants of the old one', async () => {
    const build = (domain: string) =>
      synth('IamReplacement', (stack) => ({
        keeper: keeper(stack, 'rejection'),
        packages: new PackageDissociation(stack, 'Packages', { domain: importedDomain(stack, domain), packageIds: ['F111111111'] }),
      }));
    const v1 = build('search-c');
    const v2 = build('search-d');
    // Which domains the policies in force name, when the old resource's cleanup Delete starts.
    const grantedDomains = () =>
      run.iam
        .all()
        .flatMap((policy) => JSON.stringify(policy.document).match(/domain\/search-[cd]/g) ?? [])
        .sort();
    let atCleanupDelete: string[] | undefined;
    const { run } = await startRunner(WORLD, {}, 1, (event) => {
      if (event.logicalId === v1.ids.packages && event.status === 'DELETE_IN_PROGRESS' && atCleanupDelete === undefined) {
        atCleanupDelete = grantedDomains();
      }
    });
    try {
      expect((await run.deploy(v1.cdkOut, v1.stackName)).status).toBe('CREATE_COMPLETE');
      const before = run.emulator.snapshot();
      const update = await run.deploy(v2.cdkOut, v2.stackName);
      expect(denials(run)).toEqual([]);
      expect(update).toMatchObject({ ok: true, status: 'UPDATE_COMPLETE' });
      // The old domain's package went when the old resource was deleted; the new one keeps its own.
      expect(diffWorld(before, run.emulator.snapshot())).toEqual(['package search-c/F111111111: ACTIVE -> gone']);
      // The old domain's policy outlived the old resource, and went after it.
      expect(atCleanupDelete).toEqual(['domain/search-c', 'domain/search-d']);
      expect(grantedDomains()).toEqual(['domain/search-d']);
      expect((await run.destroy()).status).toBe('DELETE_COMPLETE');
      expect(denials(run)).toEqual([]);
    } finally {
      await run.stop();
    }
  });

  test('a rolled-back update that had moved a PackageDissociation to another domain: the rollback and its cleanup keep their grants', async () => {
    const build = (version: 1 | 2) =>
      synth<string>('IamRollback', (stack): Record<string, Construct> => ({
        packages: new PackageDissociation(stack, 'Packages', {
          domain: importedDomain(stack, version === 1 ? 'search-c' : 'search-d'),
          packageIds: ['F111111111'],
        }),
        // v2 adds a rejection of an ACTIVE connection, which cannot be rejected: the update fails after the move.
        ...(version === 2 ? { failing: new InboundConnectionRejection(stack, 'Failing', { connectionId: 'cc-delete-0001' }) } : {}),
      }));
    const [v1, v2] = [build(1), build(2)];
    const { run } = await startRunner(WORLD, {}, 1);
    try {
      expect((await run.deploy(v1.cdkOut, v1.stackName)).status).toBe('CREATE_COMPLETE');
      const update = await run.deploy(v2.cdkOut, v2.stackName);
      expect(update.status).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(denials(run)).toEqual([]);
      expect((await run.destroy()).status).toBe('DELETE_COMPLETE');
      expect(denials(run)).toEqual([]);
    } finally {
      await run.stop();
    }
  });

  test.each(REMOVALS)('$kind removed while another construct keeps the provider: its Delete still may do its job', async (removal) => {
    const build = (withRemoved: boolean) =>
      synth<string>(`IamRemoval${removal.kind}`, (stack): Record<string, Construct> => ({
        keeper: keeper(stack, removal.keeper),
        ...(withRemoved ? { removed: removal.add(stack) } : {}),
      }));
    const v1 = build(true);
    const v2 = build(false);
    const { run } = await startRunner(WORLD, {}, 1);
    try {
      removal.prepare?.(run);
      expect((await run.deploy(v1.cdkOut, v1.stackName)).status).toBe('CREATE_COMPLETE');
      const before = run.emulator.snapshot();
      const update = await run.deploy(v2.cdkOut, v2.stackName);
      expect(denials(run)).toEqual([]);
      expect(update).toMatchObject({ ok: true, status: 'UPDATE_COMPLETE' });
      const changes = [...diffWorld(before, run.emulator.snapshot()), ...mutatingCalls(run)];
      expect(changes).toEqual(expect.arrayContaining([expect.stringMatching(removal.deleted)]));
    } finally {
      await run.stop();
    }
  });
});

test('one grant fewer in the synthesized template: the Delete that needs it is denied, and the stack event says so', async () => {
  const v1 = synth('IamOneGrantFewer', (stack) => ({
    packages: new PackageDissociation(stack, 'Packages', { domain: importedDomain(stack, 'search-c'), packageIds: ['F222222222'] }),
  }));
  // Take es:DissociatePackages out of the domain policy, as a provider that forgot it would.
  expect(
    withoutGrants(
      v1,
      (action) => action === 'es:DissociatePackages',
      (id) => id.startsWith('DomainGrants'),
    ),
  ).toBe(1);
  const { run } = await startRunner(WORLD, {}, 1);
  try {
    expect((await run.deploy(v1.cdkOut, v1.stackName)).status).toBe('CREATE_COMPLETE');
    const destroyed = await run.destroy();
    expect(destroyed.status).toBe('DELETE_FAILED');
    expect(denials(run)).toContain(`DissociatePackages by ${v1.ids.packages} (Delete)`);
    const failure = run.events.find((event) => event.logicalId === v1.ids.packages && event.status === 'DELETE_FAILED');
    // Retried for the first minute (IAM may be propagating), then it names what should grant it.
    expect(failure?.reason).toMatch(
      /AccessDeniedException: User: arn:aws:sts::111111111111:assumed-role\/\S+ is not authorized to perform: es:DissociatePackages on resource: arn:aws:es:us-east-1:111111111111:domain\/search-c .* es:DissociatePackages on arn:aws:es:us-east-1:111111111111:domain\/search-c should be granted by the policy …DomainGrants… of the provider's role/,
    );
    const denied = run.serviceCalls.filter((call) => call.errorType === 'AccessDeniedException');
    expect(denied.length).toBeGreaterThan(1);
    expect(denied[denied.length - 1].at - denied[0].at).toBeGreaterThanOrEqual(60_000);
  } finally {
    await run.stop();
  }
});

test("a request to a domain's own REST API is evaluated too: without its es:ESHttp* grant a SecurityRole's Create is denied at the domain", async () => {
  const v1 = synth('IamDataPlane', (stack) => ({
    role: new SecurityRole(stack, 'Readers', {
      domain: Domain.fromDomainAttributes(stack, 'Secured', {
        domainArn: 'arn:aws:es:us-east-1:111111111111:domain/secure-logs',
        domainEndpoint: 'https://search-secure-logs-abc123.us-east-1.es.amazonaws.com',
      }),
      roleName: 'log-readers',
    }),
  }));
  // Take the HTTP grants out of the template, as a provider that forgot them would.
  expect(withoutGrants(v1, (action) => action.startsWith('es:ESHttp'))).toBe(4);
  const { run } = await startRunner({ domains: [{ domainName: 'secure-logs' }] }, {}, 1);
  try {
    const deployed = await run.deploy(v1.cdkOut, v1.stackName);
    expect(deployed.ok).toBe(false);
    const denied = run.serviceCalls.filter((call) => call.status === 403 && call.path.startsWith('/domain-endpoints/'));
    expect(denied.length).toBeGreaterThan(0);
    expect(denied[0].method).toBe('GET');
    expect(run.emulator.security('secure-logs')!.roles['log-readers']).toBeUndefined();
  } finally {
    await run.stop();
  }
});

test('S3 requests are evaluated too: without the grant on the copy bucket a Package from a file asset cannot copy it, and nothing is imported', async () => {
  const v1 = synth('IamS3Copy', (stack) => ({
    pkg: new Package(stack, 'Synonyms', {
      packageName: 'iam-s3-synonyms',
      packageType: PackageType.TXT_DICTIONARY,
      source: PackageSource.fromAsset(SYNONYMS),
    }),
  }));
  // Take s3:PutObject (the copy's target) out of the template, as a provider that forgot it would.
  expect(withoutGrants(v1, (action) => action === 's3:PutObject')).toBe(1);
  const { run } = await startRunner(WORLD, {}, 1);
  try {
    expect((await run.deploy(v1.cdkOut, v1.stackName)).ok).toBe(false);
    const copies = run.serviceCalls.filter((call) => call.operation === 'CopyObject');
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.every((call) => call.status === 403 && call.errorType === 'AccessDenied')).toBe(true);
    expect(run.serviceCalls.some((call) => call.operation === 'CreatePackage')).toBe(false);
  } finally {
    await run.stop();
  }
});

test('the fixture the Package scenarios import exists', () => {
  expect(fs.existsSync(SYNONYMS)).toBe(true);
});
