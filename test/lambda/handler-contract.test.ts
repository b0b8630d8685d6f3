import { isComplete, onEvent } from '../../lambda';
import { IAM_PROPAGATION_MS, grantingPolicy } from '../../lambda/lifecycle';
import { inboundConnectionDeletionPhysicalId } from '../../lib/private/contracts/inbound-connection-deletion';
import { packageDissociationPhysicalId } from '../../lib/private/contracts/package-dissociation';
import { DELETION, PACKAGES, REJECTION, STACK_ID, aged, connection, event, mutations, run, seed, useEmulator } from './harness';

const { emulator } = useEmulator();

describe('what every handler response promises', () => {
  test('an unknown resource type fails, naming the types this provider serves', async () => {
    await expect(onEvent(event('Custom::Other', 'Create', {}))).rejects.toThrow(
      'Unknown resource type "Custom::Other"; this provider serves Custom::OpenSearchInboundConnectionRejection, Custom::OpenSearchInboundConnectionDeletion, Custom::OpenSearchPackageDissociation',
    );
  });

  test('a failure is one short line with no stack frames, even when the service says a lot', async () => {
    seed(emulator(), { domains: [{ domainName: 'search-products', packages: [{ packageId: 'F1' }] }] });
    emulator().failDissociation('search-products', 'F1', 'PluginInUse', `line one\nline two ${'x'.repeat(5000)}`);
    const properties = { DomainName: 'search-products', PackageIds: ['F1'] };
    const created = await run(event(PACKAGES, 'Create', properties));
    const failure = await run(event(PACKAGES, 'Delete', properties, { physicalResourceId: created.physicalResourceId })).catch(
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    const { message, stack } = failure as Error;
    expect(message).toMatch(/^DissociatePackages on domain search-products failed: F1: PluginInUse: line one line two x+\.\.\.$/);
    expect(message.length).toBeLessThanOrEqual(900);
    expect(message).not.toContain('\n');
    expect(stack).toBe(message);
  });

  test.each([
    [REJECTION, 'Create', { ConnectionId: 'cc-pending-0001' }, 'DescribeInboundConnections', 'DescribeInboundConnections cc-pending-0001'],
    [DELETION, 'Delete', { ConnectionId: 'cc-pending-0001' }, 'DescribeInboundConnections', 'DescribeInboundConnections cc-pending-0001'],
    [PACKAGES, 'Create', { DomainName: 'search-products', PackageIds: ['F1'] }, 'DescribeDomain', 'DescribeDomain search-products'],
    [
      PACKAGES,
      'Delete',
      { DomainName: 'search-products', PackageIds: ['F1'] },
      'ListPackagesForDomain',
      'ListPackagesForDomain search-products',
    ],
  ] as const)(
    '%s %s: a denied %s fails at once, naming the call and what to check',
    async (type, requestType, properties, operation, call) => {
      seed(emulator(), {
        connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')],
        domains: [{ domainName: 'search-products', packages: [{ packageId: 'F1' }] }],
      });
      emulator().injectFault({ operation, kind: 'access-denied', times: Infinity });
      // A Delete must be for a resource this handler made.
      const physicalResourceId =
        requestType !== 'Delete'
          ? undefined
          : type === PACKAGES
            ? packageDissociationPhysicalId('search-products', STACK_ID, 'Resource')
            : inboundConnectionDeletionPhysicalId('cc-pending-0001');
      const request = event(type, requestType, properties, { physicalResourceId });
      // Retried while IAM may still be propagating (the first minute of the request), then it fails.
      await expect(run(request, { beforePoll: aged(IAM_PROPAGATION_MS) })).rejects.toThrow(
        `${call} failed: AccessDeniedException: User is not authorized to perform this action with an explicit deny. es:${operation} should be granted by the policy`,
      );
      expect(mutations(emulator())).toEqual([]);
    },
  );

  test('an access denial in the first minute of a request is retried at the next poll, as while IAM propagates a policy the stack just changed', async () => {
    seed(emulator(), { connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')] });
    emulator().injectFault({ operation: 'RejectInboundConnection', kind: 'access-denied', times: 2 });
    const outcome = await run(event(REJECTION, 'Create', { ConnectionId: 'cc-pending-0001' }));
    expect(outcome.polls).toBeGreaterThanOrEqual(2);
    expect(mutations(emulator())).toEqual(['RejectInboundConnection cc-pending-0001']);
  });

  test('a denial after the first minute fails, naming the action and the policy that should grant it', async () => {
    seed(emulator(), { domains: [{ domainName: 'search-products', packages: [{ packageId: 'F1' }] }] });
    emulator().injectFault({ operation: 'ListPackagesForDomain', kind: 'access-denied', times: Infinity });
    const physicalResourceId = packageDissociationPhysicalId('search-products', STACK_ID, 'Resource');
    const request = event(PACKAGES, 'Delete', { DomainName: 'search-products', PackageIds: ['F1'] }, { physicalResourceId });
    await expect(run(request, { beforePoll: aged(IAM_PROPAGATION_MS) })).rejects.toThrow(
      "ListPackagesForDomain search-products failed: AccessDeniedException: User is not authorized to perform this action with an explicit deny. es:ListPackagesForDomain should be granted by the policy LifecycleGrantsPackageDissociation… (on a domain, …DomainGrants…) of the provider's role; if it does, look for a permissions boundary, an SCP or a domain policy that denies it.",
    );
  });

  test("with AWS's wording of a denial, the failure names the resource and the one policy that should grant it", () => {
    const denied = (message: string) => Object.assign(new Error(message), { name: 'AccessDeniedException' });
    const onDomain = denied(
      'User: arn:aws:sts::111111111111:assumed-role/HandlerRole/OnEvent is not authorized to perform: es:ListPackagesForDomain on resource: arn:aws:es:us-east-1:111111111111:domain/search-products because no identity-based policy allows the es:ListPackagesForDomain action',
    );
    expect(grantingPolicy(onDomain, PACKAGES)).toBe(
      "es:ListPackagesForDomain on arn:aws:es:us-east-1:111111111111:domain/search-products should be granted by the policy …DomainGrants… of the provider's role",
    );
    const onStar = denied(
      'User: arn:aws:sts::111111111111:assumed-role/HandlerRole/OnEvent is not authorized to perform: es:DeleteInboundConnection on resource: * because no identity-based policy allows the es:DeleteInboundConnection action',
    );
    expect(grantingPolicy(onStar, DELETION)).toBe(
      "es:DeleteInboundConnection on * should be granted by the policy LifecycleGrantsInboundConnectionDeletion… of the provider's role",
    );
    // The one resource type not named after its construct: its grants are DomainVpcEndpoint's.
    const endpointDenied = denied(
      'User: arn:aws:sts::111111111111:assumed-role/HandlerRole/OnEvent is not authorized to perform: es:CreateVpcEndpoint on resource: * because no identity-based policy allows the es:CreateVpcEndpoint action',
    );
    expect(grantingPolicy(endpointDenied, 'Custom::OpenSearchVpcEndpoint')).toBe(
      "es:CreateVpcEndpoint on * should be granted by the policy LifecycleGrantsDomainVpcEndpoint… of the provider's role",
    );
  });

  test('isComplete without a deadline is refused instead of waiting forever', async () => {
    const request = event(REJECTION, 'Create', { ConnectionId: 'cc-pending-0001' });
    await expect(
      isComplete({ ...request, PhysicalResourceId: 'x', Task: { kind: 'reject', connectionId: 'cc-pending-0001' } }),
    ).rejects.toThrow(/received no deadline/);
  });

  test('the ResponseURL never reaches the logs, through a whole lifecycle of every kind', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    try {
      seed(emulator(), {
        connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE'), connection('cc-active-0001', 'ACTIVE')],
        domains: [{ domainName: 'search-products', packages: [{ packageId: 'F1' }, { packageId: 'F2' }] }],
      });
      const rejection = { ConnectionId: 'cc-pending-0001' };
      const r = await run(event(REJECTION, 'Create', rejection));
      await run(event(REJECTION, 'Delete', rejection, { physicalResourceId: r.physicalResourceId }));
      const deletion = { ConnectionId: 'cc-active-0001' };
      const d = await run(event(DELETION, 'Create', deletion));
      await run(
        event(
          DELETION,
          'Update',
          { ...deletion, TimeoutSeconds: 90 },
          { physicalResourceId: d.physicalResourceId, oldProperties: deletion },
        ),
      );
      await run(event(DELETION, 'Delete', deletion, { physicalResourceId: d.physicalResourceId }));
      const packages = { DomainName: 'search-products', PackageIds: ['F1', 'F2'] };
      const p = await run(event(PACKAGES, 'Create', packages));
      await run(
        event(
          PACKAGES,
          'Update',
          { ...packages, PackageIds: ['F1'] },
          { physicalResourceId: p.physicalResourceId, oldProperties: packages },
        ),
      );
      await run(event(PACKAGES, 'Delete', { ...packages, PackageIds: ['F1'] }, { physicalResourceId: p.physicalResourceId }));
    } finally {
      spy.mockRestore();
    }
    expect(mutations(emulator())).toHaveLength(4);
    expect(lines.length).toBeGreaterThan(10);
    const logged = lines.join('\n');
    expect(logged).toContain('RejectInboundConnection cc-pending-0001');
    for (const secret of [
      'ResponseURL',
      'cloudformation-custom-resource-response',
      'X-Amz-Signature',
      'do-not-log-me',
      'test-only-secret',
    ]) {
      expect(logged).not.toContain(secret);
    }
  });
});
