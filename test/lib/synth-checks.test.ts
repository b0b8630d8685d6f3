import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import * as path from 'path';
import {
  AssociatedPackage,
  InboundConnectionAcceptance,
  InboundConnectionDeletion,
  InboundConnectionRejection,
  OutboundConnection,
  Package,
  PackageAssociation,
  PackageDissociation,
  PackageSource,
  PackageType,
} from '../../lib';
import { ENV, importedDomain, newStack, ownDomain } from './helpers';

const ELSEWHERE = (account: string, region: string, name = 'logs') => `arn:aws:es:${region}:${account}:domain/${name}`;

function warnings(stack: Stack): Array<{ path: string; message: string }> {
  return Annotations.fromStack(stack)
    .findWarning('*', Match.anyValue())
    .map((entry) => ({ path: entry.id, message: String(entry.entry.data) }));
}

describe('synth-time checks of the domain', () => {
  const constructs = {
    InboundConnectionDeletion: (stack: Stack, domainArn: string) =>
      new InboundConnectionDeletion(stack, 'Subject', {
        connectionId: 'cc-active-0001',
        domain: Domain.fromDomainAttributes(stack, 'Domain', { domainArn, domainEndpoint: 'https://search-logs-abc123.example.com' }),
      }),
    InboundConnectionRejection: (stack: Stack, domainArn: string) =>
      new InboundConnectionRejection(stack, 'Subject', {
        connectionId: 'cc-pending-0001',
        domain: Domain.fromDomainAttributes(stack, 'Domain', { domainArn, domainEndpoint: 'https://search-logs-abc123.example.com' }),
      }),
    PackageDissociation: (stack: Stack, domainArn: string) =>
      new PackageDissociation(stack, 'Subject', {
        packageIds: ['F1'],
        domain: Domain.fromDomainAttributes(stack, 'Domain', { domainArn, domainEndpoint: 'https://search-logs-abc123.example.com' }),
      }),
  };

  describe.each(Object.entries(constructs))('%s', (name, build) => {
    test('fails when the domain ARN names another account', () => {
      expect(() => build(newStack(), ELSEWHERE('999999999999', ENV.region))).toThrow(
        `domain logs is in account 999999999999, region us-east-1 (ARN arn:aws:es:us-east-1:999999999999:domain/logs), ` +
          `but stack TestStack deploys to account 111111111111, region us-east-1. ${name} acts in its stack's account and region: ` +
          `deploy it in a stack with env: { account: '999999999999', region: 'us-east-1' }.`,
      );
    });

    test('fails when the domain ARN names another region', () => {
      expect(() => build(newStack(), ELSEWHERE(ENV.account, 'eu-west-1'))).toThrow(
        /region eu-west-1 .* deploy it in a stack with env: \{ account: '111111111111', region: 'eu-west-1' \}\.$/,
      );
    });

    test('accepts a domain of its own account and region, without a warning', () => {
      const stack = newStack();
      build(stack, ELSEWHERE(ENV.account, ENV.region));
      expect(warnings(stack)).toEqual([]);
    });

    test('skips the check when the stack is environment-agnostic', () => {
      const stack = new Stack(new App(), 'Agnostic');
      expect(() => build(stack, ELSEWHERE('999999999999', 'eu-west-1'))).not.toThrow();
    });
  });

  test('skips the check for a domain of the same stack (its ARN is a token)', () => {
    const stack = newStack();
    expect(() => new PackageDissociation(stack, 'Packages', { domain: ownDomain(stack), packageIds: ['F1'] })).not.toThrow();
    expect(warnings(stack)).toEqual([]);
  });

  test.each([
    ['search-', 'https://search-my-logs-abc123def.us-east-1.es.amazonaws.com'],
    ['vpc-', 'https://vpc-my-logs-abc123def.us-east-1.es.amazonaws.com'],
  ])('warns when the domain was imported from its endpoint (%s)', (prefix, endpoint) => {
    const stack = newStack();
    new InboundConnectionDeletion(stack, 'Delete', {
      connectionId: 'cc-active-0001',
      domain: Domain.fromDomainEndpoint(stack, 'Domain', endpoint),
    });
    expect(warnings(stack)).toEqual([
      {
        path: '/TestStack/Delete',
        message:
          `domain name "${prefix}my-logs" starts with "${prefix}", as an endpoint does: the domain was probably imported with ` +
          'Domain.fromDomainEndpoint, which takes the name from the endpoint, prefix included, and the deployment would fail with ' +
          `"domain not found". Import it by its ARN instead: Domain.fromDomainAttributes(this, 'Domain', ` +
          `{ domainArn: 'arn:aws:es:us-east-1:111111111111:domain/my-logs', domainEndpoint: '${endpoint}' }). ` +
          `If the domain is really named "${prefix}my-logs", acknowledge this warning (cdk-opensearch-lifecycle:domainNameFromEndpoint). ` +
          '[ack: cdk-opensearch-lifecycle:domainNameFromEndpoint]',
      },
    ]);
  });

  test('does not warn for a domain imported by its ARN whose real name starts with "search-"', () => {
    const stack = newStack();
    new PackageDissociation(stack, 'Packages', { domain: importedDomain(stack, 'search-products'), packageIds: ['F1'] });
    expect(warnings(stack)).toEqual([]);
  });
});

describe('overlaps', () => {
  test('warns when the same connection is in a rejection and a deletion, naming both paths', () => {
    const stack = newStack();
    new InboundConnectionRejection(stack, 'Reject', { connectionId: 'cc-pending-0001' });
    new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-pending-0001' });
    expect(warnings(stack)).toEqual([
      {
        path: '/TestStack/Delete',
        message:
          'connection cc-pending-0001 is also named by TestStack/Reject: TestStack/Delete and TestStack/Reject would each act on it ' +
          'on their own (one may end or dissociate what the other expects). Name it in one construct only. [ack: cdk-opensearch-lifecycle:overlap]',
      },
    ]);
  });

  test('warns when the same connection is in two constructs of one kind', () => {
    const stack = newStack();
    new InboundConnectionDeletion(stack, 'A', { connectionId: 'cc-active-0001' });
    new InboundConnectionDeletion(stack, 'B', { connectionId: 'cc-active-0001' });
    expect(warnings(stack).map((warning) => warning.path)).toEqual(['/TestStack/B']);
    expect(warnings(stack)[0].message).toMatch(/^connection cc-active-0001 is also named by TestStack\/A: TestStack\/B and TestStack\/A /);
  });

  test('warns when the same package of the same domain is in two package constructs', () => {
    const stack = newStack();
    new PackageDissociation(stack, 'A', { domain: importedDomain(stack, 'products'), packageIds: ['F1', 'F2'] });
    new PackageDissociation(stack, 'B', { domain: importedDomain(stack, 'products', 'Again'), packageIds: ['F3', 'F2'] });
    expect(warnings(stack)).toEqual([
      {
        path: '/TestStack/B',
        message: expect.stringMatching(/^package F2 of domain products is also named by TestStack\/A: TestStack\/B and TestStack\/A /),
      },
    ]);
  });

  test('warns for the same domain of the same stack, told apart by its path', () => {
    const stack = newStack();
    const domain = ownDomain(stack);
    new PackageDissociation(stack, 'A', { domain, packageIds: ['F1'] });
    new PackageDissociation(stack, 'B', { domain, packageIds: ['F1'] });
    expect(warnings(stack).map((warning) => warning.message)).toEqual([
      expect.stringMatching(/^package F1 of domain TestStack\/Domain is also named by TestStack\/A/),
    ]);
  });

  test('warns when the same Package of this app is associated twice with one domain, naming the package by its path', () => {
    const stack = newStack();
    const synonyms = new Package(stack, 'Synonyms', {
      packageName: 'synonyms',
      packageType: PackageType.TXT_DICTIONARY,
      source: PackageSource.fromAsset(path.join(__dirname, 'fixtures', 'synonyms.txt')),
    });
    const domain = importedDomain(stack, 'products');
    new PackageAssociation(stack, 'A', { domain, packages: [AssociatedPackage.fromPackage(synonyms)] });
    new PackageAssociation(stack, 'B', { domain, packages: [AssociatedPackage.fromPackage(synonyms)] });
    new PackageAssociation(stack, 'OtherDomain', {
      domain: importedDomain(stack, 'catalog'),
      packages: [AssociatedPackage.fromPackage(synonyms)],
    });
    expect(warnings(stack)).toEqual([
      {
        path: '/TestStack/B',
        message: expect.stringMatching(
          /^package TestStack\/Synonyms of domain products is also named by TestStack\/A: TestStack\/B and TestStack\/A /,
        ),
      },
    ]);
  });

  test('does not warn for the same package of other domains, other connections, or other stacks', () => {
    const app = new App();
    const stack = newStack('One', app);
    new PackageDissociation(stack, 'A', { domain: importedDomain(stack, 'products'), packageIds: ['F1'] });
    new PackageDissociation(stack, 'B', { domain: importedDomain(stack, 'catalog'), packageIds: ['F1'] });
    new InboundConnectionDeletion(stack, 'C', { connectionId: 'cc-active-0001' });
    new InboundConnectionDeletion(stack, 'D', { connectionId: 'cc-active-0002' });
    const other = newStack('Two', app);
    new InboundConnectionDeletion(other, 'C', { connectionId: 'cc-active-0001' });
    expect(warnings(stack)).toEqual([]);
    expect(warnings(other)).toEqual([]);
  });
});

describe('a stack without an account or region', () => {
  test('warns once, on the provider, that the account and region checks are skipped', () => {
    const stack = new Stack(new App(), 'Agnostic');
    new PackageDissociation(stack, 'A', { domain: importedDomain(stack, 'products'), packageIds: ['F1'] });
    new InboundConnectionDeletion(stack, 'B', { connectionId: 'cc-active-0001' });
    expect(warnings(stack)).toEqual([
      {
        path: '/Agnostic/CdkOpenSearchLifecycleProvider',
        message: expect.stringMatching(
          /^stack Agnostic has no account or region \(env\): the synth-time checks that each domain is in the stack's account and region are skipped/,
        ),
      },
    ]);
  });

  test('a stack with both gets no such warning', () => {
    const stack = newStack();
    new InboundConnectionDeletion(stack, 'B', { connectionId: 'cc-active-0001' });
    expect(warnings(stack)).toEqual([]);
  });
});

describe('a synth-time error names the construct first', () => {
  const tooShort = { connectionId: 'cc-short' };
  test.each([
    ['InboundConnectionRejection', (stack: Stack) => new InboundConnectionRejection(stack, 'Bad', tooShort)],
    ['InboundConnectionDeletion', (stack: Stack) => new InboundConnectionDeletion(stack, 'Bad', tooShort)],
    [
      'PackageDissociation',
      (stack: Stack) => new PackageDissociation(stack, 'Bad', { domain: importedDomain(stack, 'products'), packageIds: [] }),
    ],
    [
      'InboundConnectionAcceptance',
      (stack: Stack) => new InboundConnectionAcceptance(stack, 'Bad', { domain: importedDomain(stack, 'logs') }),
    ],
    [
      'OutboundConnection',
      (stack: Stack) =>
        new OutboundConnection(stack, 'Bad', {
          localDomain: importedDomain(stack, 'logs'),
          remoteDomain: importedDomain(stack, 'archive'),
          connectionAlias: 'no spaces allowed',
        }),
    ],
    [
      'PackageAssociation',
      (stack: Stack) => new PackageAssociation(stack, 'Bad', { domain: importedDomain(stack, 'products'), packages: [] }),
    ],
  ])('%s', (_name, make) => {
    const stack = newStack();
    expect(() => make(stack)).toThrow(/^TestStack\/Bad: /);
  });
});
