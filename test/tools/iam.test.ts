import { IamAuthorizer, IamState, openSearchResource, roleOf } from '../../tools/local-deploy/iam';

const ROLE_ARN = 'arn:aws:iam::111111111111:role/HandlerRole';
const CALLER = { partition: 'aws', region: 'us-east-1', account: '111111111111' };
const DOMAIN_C = 'arn:aws:es:us-east-1:111111111111:domain/search-c';

function stateWith(statements: unknown[]): IamState {
  const state = new IamState();
  state.put({
    key: 'Stack/Grants/p1',
    name: 'Grants',
    account: '111111111111',
    roles: ['HandlerRole'],
    document: { Version: '2012-10-17', Statement: statements },
  });
  return state;
}

describe('the runner evaluates IAM with iam-simulate', () => {
  test('the resource of a call: the domain ARN for actions with the domain resource type, * for the others', async () => {
    expect(
      await openSearchResource('DissociatePackages', '/2021-01-01/packages/dissociateMultiple', { DomainName: 'search-c' }, CALLER),
    ).toBe(DOMAIN_C);
    expect(await openSearchResource('ListPackagesForDomain', '/2021-01-01/domain/search-c/packages', undefined, CALLER)).toBe(DOMAIN_C);
    expect(await openSearchResource('DescribeDomain', '/2021-01-01/opensearch/domain/search-c', undefined, CALLER)).toBe(DOMAIN_C);
    expect(
      await openSearchResource(
        'CreateOutboundConnection',
        '/2021-01-01/opensearch/cc/outboundConnection',
        { LocalDomainInfo: { AWSDomainInformation: { DomainName: 'logs', OwnerId: '111111111111', Region: 'us-east-1' } } },
        CALLER,
      ),
    ).toBe('arn:aws:es:us-east-1:111111111111:domain/logs');
    expect(await openSearchResource('DescribeInboundConnections', '/2021-01-01/opensearch/cc/inboundConnection/search', {}, CALLER)).toBe(
      '*',
    );
    expect(await openSearchResource('DeletePackage', '/2021-01-01/packages/F1', undefined, CALLER)).toBe('*');
  });

  test('allowed on the granted domain, denied on another in AWS wording, and denied once the policy is gone', async () => {
    const state = stateWith([{ Effect: 'Allow', Action: ['es:DissociatePackages'], Resource: DOMAIN_C }]);
    const iam = new IamAuthorizer(state);
    const request = { roleArn: ROLE_ARN, functionName: 'OnEvent', action: 'es:DissociatePackages' };
    expect(await iam.authorize({ ...request, resource: DOMAIN_C })).toEqual({ allowed: true });
    expect(await iam.authorize({ ...request, resource: 'arn:aws:es:us-east-1:111111111111:domain/search-d' })).toEqual({
      allowed: false,
      message:
        'User: arn:aws:sts::111111111111:assumed-role/HandlerRole/OnEvent is not authorized to perform: es:DissociatePackages on resource: arn:aws:es:us-east-1:111111111111:domain/search-d because no identity-based policy allows the es:DissociatePackages action',
    });
    state.remove('Stack/Grants/p1');
    expect((await iam.authorize({ ...request, resource: DOMAIN_C })).allowed).toBe(false);
  });

  test('an explicit deny wins, and another role or account gets nothing from the policy', async () => {
    const state = stateWith([
      { Effect: 'Allow', Action: 'es:*', Resource: '*' },
      { Effect: 'Deny', Action: 'es:DeleteInboundConnection', Resource: '*' },
    ]);
    const iam = new IamAuthorizer(state);
    const denied = await iam.authorize({ roleArn: ROLE_ARN, functionName: 'F', action: 'es:DeleteInboundConnection', resource: '*' });
    expect(denied).toMatchObject({ allowed: false, message: expect.stringContaining('with an explicit deny') });
    expect(
      (await iam.authorize({ roleArn: ROLE_ARN, functionName: 'F', action: 'es:DescribeInboundConnections', resource: '*' })).allowed,
    ).toBe(true);
    expect(
      (
        await iam.authorize({
          roleArn: 'arn:aws:iam::222222222222:role/HandlerRole',
          functionName: 'F',
          action: 'es:DescribeInboundConnections',
          resource: '*',
        })
      ).allowed,
    ).toBe(false);
    expect(roleOf('arn:aws:iam::111111111111:role/service/Path/Name')).toEqual({ account: '111111111111', name: 'Name' });
  });
});
