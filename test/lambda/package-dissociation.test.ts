import { createHash } from 'crypto';
import { SeedDomain, variantCases } from '../../emulator';
import {
  CREATE_FAILED_MARKER,
  PACKAGES,
  STACK_ID,
  aged,
  event,
  mutations,
  releasedAtPoll,
  run,
  seed,
  useEmulator,
  useVariants,
} from './harness';

const { emulator } = useEmulator();
const PHYSICAL_ID = (domain: string, logicalId = 'Resource') =>
  `opensearch-package-dissociation:${domain}:${createHash('sha256').update(`${STACK_ID}/${logicalId}`).digest('hex').slice(0, 16)}`;
const props = (domainName: string, packageIds: string[], extra: Record<string, unknown> = {}) => ({
  DomainName: domainName,
  PackageIds: packageIds,
  TimeoutSeconds: 60,
  ...extra,
});

function products(packageIds: string[], extra: Partial<SeedDomain> = {}): SeedDomain {
  return { domainName: 'search-products', packages: packageIds.map((packageId) => ({ packageId })), ...extra };
}
const remaining = (domain = 'search-products') =>
  emulator()
    .packages(domain)
    ?.map((p) => `${p.packageId} ${p.status}`);
const deleteEvent = (domain: string, packageIds: string[], extra: Record<string, unknown> = {}) =>
  event(PACKAGES, 'Delete', props(domain, packageIds, extra), { physicalResourceId: PHYSICAL_ID(domain) });

describe('PackageDissociation handler', () => {
  describe.each(variantCases('packageInUse'))('a dictionary an index still uses, %s', (_label, variants) => {
    useVariants(emulator, variants);

    test("fails at once with the service's words and the advice, instead of waiting until the timeout", async () => {
      seed(emulator(), { domains: [products(['F111111111', 'F222222222'])] });
      emulator().markInUse('search-products', 'F111111111');
      let polls = 0;
      await expect(
        run(deleteEvent('search-products', ['F111111111', 'F222222222']), {
          beforePoll: (e, poll) => {
            polls = poll + 1;
            return e;
          },
        }),
      ).rejects.toThrow(
        `DissociatePackages on domain search-products failed: ${variants.packageInUse}: Package F111111111 is currently in use by one or more indices of domain search-products. Remove the packages from every index that uses them, then retry.`,
      );
      expect(polls).toBe(0);
      expect(remaining()).toEqual(['F111111111 ACTIVE', 'F222222222 ACTIVE']);
    });

    test('a busy domain (ConflictException without "in use") is still waited out', async () => {
      seed(emulator(), { domains: [products(['F111111111'])] });
      emulator().injectFault({ operation: 'DissociatePackages', kind: 'conflict', times: 2 });
      await run(deleteEvent('search-products', ['F111111111']));
      expect(remaining()).toEqual([]);
    });
  });

  describe.each(variantCases('dissociateAssociationFailed'))('an entry that never became ACTIVE, %s', (_label, variants) => {
    useVariants(emulator, variants);
    const refused = variants.dissociateAssociationFailed !== 'accepted';
    const refusalStatus = variants.dissociateAssociationFailed === 'ConflictException' ? 409 : 400;

    test('Delete: the ACTIVE one is dissociated; the ASSOCIATION_FAILED one too, or left and named in the Note: never stuck', async () => {
      seed(emulator(), {
        domains: [
          products([], {
            packages: [
              { packageId: 'F111111111' },
              { packageId: 'F222222222', status: 'ASSOCIATION_FAILED', errorType: 'PluginConflict', errorMessage: 'clash' },
            ],
          }),
        ],
      });
      const outcome = await run(deleteEvent('search-products', ['F111111111', 'F222222222']));
      expect(remaining()).toEqual(refused ? ['F222222222 ASSOCIATION_FAILED'] : []);
      expect(outcome.data.Note).toBe(
        refused
          ? 'packages F222222222 never became ACTIVE on domain search-products (ASSOCIATION_FAILED) and the service refused to dissociate them: ' +
              'they are left there, without effect; remove them in the OpenSearch console if you want the entries gone'
          : undefined,
      );
      // Accepted: one call. Refused: the call of both, then the ACTIVE one alone; never asked again.
      expect(
        emulator()
          .mutatingRequests()
          .map((r) => `${r.operation} ${r.status}`),
      ).toEqual(refused ? [`DissociatePackages ${refusalStatus}`, 'DissociatePackages 200'] : ['DissociatePackages 200']);
    });

    test('Delete of the ASSOCIATION_FAILED entry alone: done at once either way', async () => {
      seed(emulator(), {
        domains: [products([], { packages: [{ packageId: 'F222222222', status: 'ASSOCIATION_FAILED' }] })],
      });
      const outcome = await run(deleteEvent('search-products', ['F222222222']));
      expect(remaining()).toEqual(refused ? ['F222222222 ASSOCIATION_FAILED'] : []);
      expect(outcome.data.Note !== undefined).toBe(refused);
    });
  });

  describe('Create', () => {
    test('an existing domain: no change', async () => {
      seed(emulator(), { domains: [products(['F111111111'])] });
      const outcome = await run(event(PACKAGES, 'Create', props('search-products', ['F111111111'])));
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('search-products'));
      expect(mutations(emulator())).toEqual([]);
      expect(remaining()).toEqual(['F111111111 ACTIVE']);
    });

    test('a missing domain: fails naming it and where we looked', async () => {
      seed(emulator(), { domains: [products(['F111111111'])] });
      await expect(run(event(PACKAGES, 'Create', props('search-prodcuts', ['F111111111'])))).rejects.toThrow(
        'Domain search-prodcuts not found in account 111111111111 in us-east-1; nothing was changed.',
      );
    });

    test('physical ids differ between resources on one domain, and are stable', async () => {
      seed(emulator(), { domains: [products(['F1'])] });
      const a = await run(event(PACKAGES, 'Create', props('search-products', ['F1']), { logicalResourceId: 'A' }));
      const b = await run(event(PACKAGES, 'Create', props('search-products', ['F1']), { logicalResourceId: 'B' }));
      const again = await run(event(PACKAGES, 'Create', props('search-products', ['F1']), { logicalResourceId: 'A' }));
      expect(a.physicalResourceId).not.toBe(b.physicalResourceId);
      expect(again.physicalResourceId).toBe(a.physicalResourceId);
    });
  });

  describe('Update', () => {
    test('packages removed from the list: exactly those are dissociated, in one call, and waited for', async () => {
      seed(emulator(), { domains: [products(['F1', 'F2', 'F3', 'pkg-0a1b', 'F9'])] }, { dissociateMs: 60_000 });
      const outcome = await run(
        event(PACKAGES, 'Update', props('search-products', ['F1', 'F3']), {
          physicalResourceId: PHYSICAL_ID('search-products'),
          oldProperties: props('search-products', ['F1', 'F2', 'F3', 'pkg-0a1b']),
        }),
        { beforePoll: releasedAtPoll(emulator(), 1, { dissociateMs: 0 }) },
      );
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('search-products'));
      expect(outcome.polls).toBe(1);
      expect(mutations(emulator())).toEqual(['DissociatePackages search-products [F2, pkg-0a1b]']);
      expect(remaining()).toEqual(['F1 ACTIVE', 'F3 ACTIVE', 'F9 ACTIVE']);
    });

    test('packages only added, or the timeout changed: no call', async () => {
      seed(emulator(), { domains: [products(['F1', 'F2'])] });
      await run(
        event(PACKAGES, 'Update', props('search-products', ['F1', 'F2'], { TimeoutSeconds: 900 }), {
          physicalResourceId: PHYSICAL_ID('search-products'),
          oldProperties: props('search-products', ['F1']),
        }),
      );
      expect(mutations(emulator())).toEqual([]);
    });

    test("a new domain: a replacement that checks the new domain; the old resource's Delete empties the old domain", async () => {
      seed(emulator(), { domains: [products(['F1', 'F2', 'F9']), { domainName: 'search-next', packages: [{ packageId: 'F1' }] }] });
      const outcome = await run(
        event(PACKAGES, 'Update', props('search-next', ['F1']), {
          physicalResourceId: PHYSICAL_ID('search-products'),
          oldProperties: props('search-products', ['F1', 'F2']),
        }),
      );
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('search-next'));
      expect(mutations(emulator())).toEqual([]);
      await run(deleteEvent('search-products', ['F1', 'F2']));
      expect(mutations(emulator())).toEqual(['DissociatePackages search-products [F1, F2]']);
      expect(remaining()).toEqual(['F9 ACTIVE']);
      expect(remaining('search-next')).toEqual(['F1 ACTIVE']);
    });

    test('rollback: after a failed removal, the swapped update adds the package back to the list with no call', async () => {
      seed(emulator(), { domains: [products(['F1', 'F2'])] });
      emulator().failDissociation('search-products', 'F2', 'PluginInUse', 'The plugin is used by index products');
      const forward = { physicalResourceId: PHYSICAL_ID('search-products'), oldProperties: props('search-products', ['F1', 'F2']) };
      await expect(run(event(PACKAGES, 'Update', props('search-products', ['F1']), forward))).rejects.toThrow(/PluginInUse/);
      emulator().clearRequests();
      const rollback = await run(
        event(PACKAGES, 'Update', props('search-products', ['F1', 'F2']), {
          physicalResourceId: PHYSICAL_ID('search-products'),
          oldProperties: props('search-products', ['F1']),
        }),
      );
      expect(rollback.physicalResourceId).toBe(PHYSICAL_ID('search-products'));
      expect(mutations(emulator())).toEqual([]);
    });
  });

  describe('Delete', () => {
    test('one call for every listed package still associated; others skipped; unnamed ones untouched', async () => {
      seed(emulator(), { domains: [products(['F1', 'F2', 'pkg-0a1b', 'F9'])] }, { dissociateMs: 30 });
      const outcome = await run(deleteEvent('search-products', ['F1', 'F2', 'F3', 'pkg-0a1b']));
      expect(outcome.physicalResourceId).toBe(PHYSICAL_ID('search-products'));
      expect(mutations(emulator())).toEqual(['DissociatePackages search-products [F1, F2, pkg-0a1b]']);
      expect(remaining()).toEqual(['F9 ACTIVE']);
    });

    test('associations past the first page (250 of them, 100 a page): the SDK paginator reads them all', async () => {
      const many = Array.from({ length: 250 }, (_, index) => `G${String(1_000_000_000 + index)}`);
      seed(emulator(), { domains: [products(many)] });
      await run(deleteEvent('search-products', ['G1000000120', 'G1000000249']));
      expect(mutations(emulator())).toEqual(['DissociatePackages search-products [G1000000120, G1000000249]']);
      expect(remaining()).toHaveLength(248);
      // Three pages at each read: the handler followed every NextToken.
      const lists = emulator().requests.filter((request) => request.operation === 'ListPackagesForDomain');
      expect(lists.length % 3).toBe(0);
      expect(lists.filter((request) => request.query?.nextToken !== undefined).length).toBe((lists.length / 3) * 2);
    });

    test('nothing listed is associated any more: succeeds at once, no call', async () => {
      seed(emulator(), { domains: [products(['F9'])] });
      const outcome = await run(deleteEvent('search-products', ['F1', 'F2']));
      expect(outcome.handover.Done).toBe(true);
      expect(mutations(emulator())).toEqual([]);
    });

    test('the domain is gone: succeeds at once, no call', async () => {
      seed(emulator(), { domains: [] });
      const outcome = await run(deleteEvent('search-products', ['F1']));
      expect(outcome.handover.Done).toBe(true);
      expect(mutations(emulator())).toEqual([]);
    });

    test('a package already DISSOCIATING is waited for, not dissociated again', async () => {
      seed(
        emulator(),
        { domains: [{ domainName: 'search-products', packages: [{ packageId: 'F1', status: 'DISSOCIATING' }, { packageId: 'F2' }] }] },
        { dissociateMs: 30 },
      );
      await run(deleteEvent('search-products', ['F1']));
      expect(mutations(emulator())).toEqual([]);
      expect(remaining()).toEqual(['F2 ACTIVE']);
    });

    test("DISSOCIATION_FAILED: fails with the service's ErrorType and ErrorMessage", async () => {
      seed(emulator(), { domains: [products(['F1', 'F2'])] }, { dissociateMs: 20 });
      emulator().failDissociation('search-products', 'F2', 'PluginInUse', 'The plugin is used by index products');
      await expect(run(deleteEvent('search-products', ['F1', 'F2']))).rejects.toThrow(
        'DissociatePackages on domain search-products failed: F2: PluginInUse: The plugin is used by index products. Remove the packages from every index that uses them, then retry.',
      );
      expect(mutations(emulator())).toEqual(['DissociatePackages search-products [F1, F2]']);
    });

    test('a retried Delete after DISSOCIATION_FAILED asks again for the failed package', async () => {
      seed(emulator(), { domains: [{ domainName: 'search-products', packages: [{ packageId: 'F2', status: 'DISSOCIATION_FAILED' }] }] });
      await run(deleteEvent('search-products', ['F1', 'F2']));
      expect(mutations(emulator())).toEqual(['DissociatePackages search-products [F2]']);
      expect(remaining()).toEqual([]);
    });

    test('another package operation in progress (ConflictException): retried at the next polls until it clears', async () => {
      seed(emulator(), { domains: [products(['F1', 'F9'])] }, { dissociateMs: 60, associateMs: 60 });
      emulator().injectFault({ operation: 'DissociatePackages', kind: 'conflict', times: 2 });
      await run(deleteEvent('search-products', ['F1']));
      expect(remaining()).toEqual(['F9 ACTIVE']);
      const calls = emulator()
        .requests.filter((r) => r.operation === 'DissociatePackages')
        .map((r) => r.status);
      expect(calls).toEqual([409, 409, 200]);
    });

    test('the domain is processing a change (ValidationException "in progress"): retried until it clears', async () => {
      seed(emulator(), { domains: [products(['F1'], { processing: true })] });
      let polls = 0;
      await run(deleteEvent('search-products', ['F1']), {
        beforePoll: (e) => {
          if (++polls === 3) emulator().setProcessing('search-products', false);
          return e;
        },
      });
      expect(remaining()).toEqual([]);
      expect(
        emulator()
          .requests.filter((r) => r.operation === 'DissociatePackages')
          .map((r) => r.errorType ?? 'ok'),
      ).toEqual(['ValidationException', 'ValidationException', 'ValidationException', 'ok']);
    });

    test('a dissociation that never settles fails at its deadline, naming the packages and their last status', async () => {
      seed(emulator(), { domains: [products(['F1', 'F2'])] }, { dissociateMs: Infinity });
      await expect(
        run(deleteEvent('search-products', ['F1', 'F2'], { TimeoutSeconds: 300 }), {
          beforePoll: (e, poll) => (poll < 2 ? e : aged(300_000)(e)),
        }),
      ).rejects.toThrow(
        /^Timed out after 5 minutes waiting for packages F1, F2 to be dissociated from domain search-products; last status: F1 DISSOCIATING, F2 DISSOCIATING\./,
      );
      expect(mutations(emulator())).toEqual(['DissociatePackages search-products [F1, F2]']);
    });

    test('after a failed Create (framework marker): no call', async () => {
      seed(emulator(), { domains: [products(['F1'])] });
      await run(event(PACKAGES, 'Delete', props('search-products', ['F1']), { physicalResourceId: CREATE_FAILED_MARKER }));
      expect(emulator().requests).toEqual([]);
      expect(remaining()).toEqual(['F1 ACTIVE']);
    });

    test('invalid package ids: nothing was created, nothing to do', async () => {
      seed(emulator(), { domains: [products(['F1'])] });
      await run(event(PACKAGES, 'Delete', props('search-products', ['F1', 'F1']), { physicalResourceId: PHYSICAL_ID('search-products') }));
      expect(emulator().requests).toEqual([]);
    });
  });
});
