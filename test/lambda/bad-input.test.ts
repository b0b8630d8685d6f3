import { onEvent } from '../../lambda';
import { DELETION, PACKAGES, REJECTION, STACK_ID, connection, seed, useEmulator } from './harness';

const { emulator } = useEmulator();

const CONNECTION_RULE = 'must be 10-256 characters of lower-case letters, digits and hyphens, starting with a letter';
const DOMAIN_RULE = 'must be 3-28 characters of lower-case letters, digits and hyphens, starting with a letter';
const PACKAGE_RULE = 'must be a package id like F123456789, G123456789 or pkg-0123abcd';
const TIMEOUT_RULE = 'must be a whole number of seconds from 1 to 3300 (55 minutes)';

const goodConnection = { ConnectionId: 'cc-pending-0001', DomainName: 'logs-destination', TimeoutSeconds: '60' };
const goodPackages = { DomainName: 'search-products', PackageIds: ['F1', 'pkg-0a1b'], TimeoutSeconds: '60' };

type Row = [label: string, resourceType: string, properties: Record<string, unknown>, message: string];

/** Properties exactly as CloudFormation delivers them: scalars are strings, lists stay lists. */
const rows: Row[] = [
  // ConnectionId, for both connection kinds.
  ...[REJECTION, DELETION].flatMap((type): Row[] => [
    [`${type} ConnectionId missing`, type, { ...goodConnection, ConnectionId: undefined }, `ConnectionId ${CONNECTION_RULE}; got nothing`],
    [`${type} ConnectionId empty`, type, { ...goodConnection, ConnectionId: '' }, `ConnectionId ${CONNECTION_RULE}; got ""`],
    [
      `${type} ConnectionId too short`,
      type,
      { ...goodConnection, ConnectionId: 'cc-0001' },
      `ConnectionId ${CONNECTION_RULE}; got "cc-0001"`,
    ],
    [
      `${type} ConnectionId too long`,
      type,
      { ...goodConnection, ConnectionId: `c${'a'.repeat(256)}` },
      `ConnectionId ${CONNECTION_RULE}; got "caaaa`,
    ],
    [
      `${type} ConnectionId upper case`,
      type,
      { ...goodConnection, ConnectionId: 'CC-PENDING-0001' },
      `ConnectionId ${CONNECTION_RULE}; got "CC-PENDING-0001"`,
    ],
    [
      `${type} ConnectionId with underscore`,
      type,
      { ...goodConnection, ConnectionId: 'cc_pending_0001' },
      `ConnectionId ${CONNECTION_RULE}; got "cc_pending_0001"`,
    ],
    [
      `${type} ConnectionId a number as string`,
      type,
      { ...goodConnection, ConnectionId: '12345678901' },
      `ConnectionId ${CONNECTION_RULE}; got "12345678901"`,
    ],
    [
      `${type} ConnectionId a boolean as string`,
      type,
      { ...goodConnection, ConnectionId: 'true' },
      `ConnectionId ${CONNECTION_RULE}; got "true"`,
    ],
    [
      `${type} ConnectionId a list`,
      type,
      { ...goodConnection, ConnectionId: ['cc-pending-0001'] },
      `ConnectionId ${CONNECTION_RULE}; got ["cc-pending-0001"]`,
    ],
    [
      `${type} ConnectionId an object`,
      type,
      { ...goodConnection, ConnectionId: { Ref: 'X' } },
      `ConnectionId ${CONNECTION_RULE}; got {"Ref":"X"}`,
    ],
    [`${type} DomainName empty`, type, { ...goodConnection, DomainName: '' }, `DomainName ${DOMAIN_RULE}; got ""`],
    [`${type} DomainName too short`, type, { ...goodConnection, DomainName: 'ab' }, `DomainName ${DOMAIN_RULE}; got "ab"`],
    [
      `${type} DomainName too long`,
      type,
      { ...goodConnection, DomainName: `d${'a'.repeat(28)}` },
      `DomainName ${DOMAIN_RULE}; got "d${'a'.repeat(28)}"`,
    ],
    [`${type} DomainName a number as string`, type, { ...goodConnection, DomainName: '123' }, `DomainName ${DOMAIN_RULE}; got "123"`],
    [`${type} DomainName a list`, type, { ...goodConnection, DomainName: ['logs'] }, `DomainName ${DOMAIN_RULE}; got ["logs"]`],
    [`${type} TimeoutSeconds zero`, type, { ...goodConnection, TimeoutSeconds: '0' }, `TimeoutSeconds ${TIMEOUT_RULE}; got "0"`],
    [
      `${type} TimeoutSeconds over 55 minutes`,
      type,
      { ...goodConnection, TimeoutSeconds: '3301' },
      `TimeoutSeconds ${TIMEOUT_RULE}; got "3301"`,
    ],
    [`${type} TimeoutSeconds fractional`, type, { ...goodConnection, TimeoutSeconds: '1.5' }, `TimeoutSeconds ${TIMEOUT_RULE}; got "1.5"`],
    [`${type} TimeoutSeconds negative`, type, { ...goodConnection, TimeoutSeconds: '-5' }, `TimeoutSeconds ${TIMEOUT_RULE}; got "-5"`],
    [`${type} TimeoutSeconds empty`, type, { ...goodConnection, TimeoutSeconds: '' }, `TimeoutSeconds ${TIMEOUT_RULE}; got ""`],
    [
      `${type} TimeoutSeconds not a number`,
      type,
      { ...goodConnection, TimeoutSeconds: 'abc' },
      `TimeoutSeconds ${TIMEOUT_RULE}; got "abc"`,
    ],
    [`${type} TimeoutSeconds exponent`, type, { ...goodConnection, TimeoutSeconds: '1e3' }, `TimeoutSeconds ${TIMEOUT_RULE}; got "1e3"`],
    [
      `${type} TimeoutSeconds a boolean as string`,
      type,
      { ...goodConnection, TimeoutSeconds: 'true' },
      `TimeoutSeconds ${TIMEOUT_RULE}; got "true"`,
    ],
  ]),
  // PackageDissociation.
  ['DomainName missing', PACKAGES, { ...goodPackages, DomainName: undefined }, `DomainName ${DOMAIN_RULE}; got nothing`],
  ['DomainName upper case', PACKAGES, { ...goodPackages, DomainName: 'Search' }, `DomainName ${DOMAIN_RULE}; got "Search"`],
  [
    'DomainName with a dot',
    PACKAGES,
    { ...goodPackages, DomainName: 'search.products' },
    `DomainName ${DOMAIN_RULE}; got "search.products"`,
  ],
  ['PackageIds missing', PACKAGES, { ...goodPackages, PackageIds: undefined }, 'PackageIds must be a list of package ids; got nothing'],
  ['PackageIds a string', PACKAGES, { ...goodPackages, PackageIds: 'F1' }, 'PackageIds must be a list of package ids; got "F1"'],
  [
    'PackageIds a comma-joined string',
    PACKAGES,
    { ...goodPackages, PackageIds: 'F1,F2' },
    'PackageIds must be a list of package ids; got "F1,F2"',
  ],
  ['PackageIds empty', PACKAGES, { ...goodPackages, PackageIds: [] }, 'PackageIds must name at least one package; got an empty list'],
  [
    'PackageIds duplicate',
    PACKAGES,
    { ...goodPackages, PackageIds: ['F1', 'F2', 'F1'] },
    'PackageIds must not repeat a package id; "F1" appears twice',
  ],
  ['PackageIds empty id', PACKAGES, { ...goodPackages, PackageIds: [''] }, `PackageIds[0] ${PACKAGE_RULE}; got ""`],
  ['PackageIds lower-case f', PACKAGES, { ...goodPackages, PackageIds: ['f1'] }, `PackageIds[0] ${PACKAGE_RULE}; got "f1"`],
  ['PackageIds upper-case hex', PACKAGES, { ...goodPackages, PackageIds: ['pkg-ABC'] }, `PackageIds[0] ${PACKAGE_RULE}; got "pkg-ABC"`],
  ['PackageIds a number as string', PACKAGES, { ...goodPackages, PackageIds: ['F1', '123'] }, `PackageIds[1] ${PACKAGE_RULE}; got "123"`],
  ['PackageIds nested list', PACKAGES, { ...goodPackages, PackageIds: [['F1']] }, `PackageIds[0] ${PACKAGE_RULE}; got ["F1"]`],
  [
    'PackageIds id too long',
    PACKAGES,
    { ...goodPackages, PackageIds: [`F${'1'.repeat(200)}`] },
    `PackageIds[0] ${PACKAGE_RULE}; got "F111`,
  ],
  [
    'PackageIds over 100',
    PACKAGES,
    { ...goodPackages, PackageIds: Array.from({ length: 101 }, (_, i) => `F${i}`) },
    'PackageIds must name at most 100 packages; got 101',
  ],
  ['TimeoutSeconds over 55 minutes', PACKAGES, { ...goodPackages, TimeoutSeconds: '86400' }, `TimeoutSeconds ${TIMEOUT_RULE}; got "86400"`],
];

describe('bad input reaching the handler', () => {
  beforeEach(() => {
    seed(emulator(), {
      connections: [connection('cc-pending-0001', 'PENDING_ACCEPTANCE')],
      domains: [{ domainName: 'search-products', packages: [{ packageId: 'F1' }] }],
    });
  });

  test.each(rows)('%s: FAILED naming the property, before any call', async (_label, resourceType, properties, message) => {
    for (const requestType of ['Create', 'Update'] as const) {
      const request = {
        RequestType: requestType,
        ResourceType: resourceType,
        LogicalResourceId: 'Resource',
        StackId: STACK_ID,
        RequestId: 'request',
        PhysicalResourceId: requestType === 'Update' ? 'previous-id' : undefined,
        ResourceProperties: { ServiceToken: 'token', ...properties },
        OldResourceProperties: requestType === 'Update' ? { ServiceToken: 'token' } : undefined,
      };
      const failure = await onEvent(request).catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toContain(message);
      expect((failure as Error).message.length).toBeLessThan(400);
    }
    expect(emulator().requests).toEqual([]);
  });

  test('properties that are not an object fail before any call', async () => {
    const failure = await onEvent({
      RequestType: 'Create',
      ResourceType: PACKAGES,
      LogicalResourceId: 'Resource',
      StackId: STACK_ID,
      RequestId: 'request',
      ResourceProperties: 'DomainName=search-products' as unknown as Record<string, unknown>,
    }).catch((error: Error) => error);
    expect((failure as Error).message).toBe('ResourceProperties must be an object; got "DomainName=search-products"');
    expect(emulator().requests).toEqual([]);
  });

  test('numbers delivered as numbers (not strings) are accepted too', async () => {
    const handover = await onEvent({
      RequestType: 'Create',
      ResourceType: PACKAGES,
      LogicalResourceId: 'Resource',
      StackId: STACK_ID,
      RequestId: 'request',
      ResourceProperties: { DomainName: 'search-products', PackageIds: ['F1'], TimeoutSeconds: 60 },
    });
    expect(handover.Done).toBe(true);
  });
});
