import { CfnParameter, Duration, Fn } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { InboundConnectionDeletion, PackageDissociation } from '../../lib';
import { newStack } from './helpers';

// Values only known at deploy time pass synth unchecked; the handler checks them (see test/lambda/bad-input.test.ts).
describe('unresolved tokens at synth', () => {
  test('a timeout from a parameter passes through, and CloudFormation waits as for the longest timeout', () => {
    const stack = newStack();
    const seconds = new CfnParameter(stack, 'TimeoutSeconds', { type: 'Number' }).valueAsNumber;
    new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001', timeout: Duration.seconds(seconds) });
    Template.fromStack(stack).hasResourceProperties('Custom::OpenSearchInboundConnectionDeletion', {
      TimeoutSeconds: { Ref: 'TimeoutSeconds' },
      ServiceTimeout: '3480',
    });
  });

  test('a package list from a parameter passes through', () => {
    const stack = newStack();
    const packageIds = new CfnParameter(stack, 'PackageIds', { type: 'CommaDelimitedList' }).valueAsList;
    const domain = Domain.fromDomainAttributes(stack, 'D', {
      domainArn: 'arn:aws:es:us-east-1:111111111111:domain/search-products',
      domainEndpoint: 'https://x',
    });
    new PackageDissociation(stack, 'P', { domain, packageIds });
    Template.fromStack(stack).hasResourceProperties('Custom::OpenSearchPackageDissociation', { PackageIds: { Ref: 'PackageIds' } });
  });

  test('a domain whose name is a token passes through', () => {
    const stack = newStack();
    const name = new CfnParameter(stack, 'DomainName').valueAsString;
    const domain = Domain.fromDomainAttributes(stack, 'D', {
      domainArn: Fn.join('', ['arn:aws:es:us-east-1:111111111111:domain/', name]),
      domainEndpoint: 'https://x',
    });
    new PackageDissociation(stack, 'P', { domain, packageIds: ['F1'] });
    const template = Template.fromStack(stack).toJSON();
    const [resource] = Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>).filter(
      (r) => r.Type === 'Custom::OpenSearchPackageDissociation',
    );
    expect(JSON.stringify(resource.Properties.DomainName)).toContain('DomainName');
  });
});
