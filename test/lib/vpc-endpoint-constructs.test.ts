import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Domain, IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { DomainVpcEndpoint, VpcEndpointAccess } from '../../lib';
import { handlerPolicies, handlerStatements, importedDomain, newStack, ownDomain } from './helpers';

// Pinned on purpose: changing a custom resource type replaces every deployed resource.
const ENDPOINT_TYPE = 'Custom::OpenSearchVpcEndpoint';
const ACCESS_TYPE = 'Custom::OpenSearchVpcEndpointAccess';
const OWNER_DOMAIN_ARN = 'arn:aws:es:us-east-1:222222222222:domain/orders';

function ownersDomain(stack: Stack, arn = OWNER_DOMAIN_ARN): IDomain {
  return Domain.fromDomainAttributes(stack, `Orders${stack.node.children.length}`, {
    domainArn: arn,
    domainEndpoint: 'https://vpc-orders-abc123.us-east-1.es.amazonaws.com',
  });
}

function consumerVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0a1b2c3d',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    privateSubnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
    publicSubnetIds: ['subnet-0ccc3333', 'subnet-0ddd4444'],
  });
}

describe('DomainVpcEndpoint', () => {
  test('maps props to template properties: the domain ARN, the VPC, one private subnet per zone, the security groups', () => {
    const stack = newStack();
    const vpc = consumerVpc(stack);
    const group = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Group', 'sg-0123abcd');
    const endpoint = new DomainVpcEndpoint(stack, 'Endpoint', {
      domain: ownersDomain(stack),
      vpc,
      securityGroups: [group],
      timeout: Duration.minutes(20),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties(ENDPOINT_TYPE, {
      DomainArn: OWNER_DOMAIN_ARN,
      VpcId: 'vpc-0a1b2c3d',
      SubnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
      SecurityGroupIds: ['sg-0123abcd'],
      TimeoutSeconds: 1200,
    });
    expect(stack.resolve(endpoint.vpcEndpointId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Endpoint/), 'VpcEndpointId'] });
    expect(stack.resolve(endpoint.endpoint)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Endpoint/), 'Endpoint'] });
  });

  test('vpcSubnets picks the subnets; no security group leaves the property out; RETAIN is written', () => {
    const stack = newStack();
    new DomainVpcEndpoint(stack, 'Endpoint', {
      domain: ownersDomain(stack),
      vpc: consumerVpc(stack),
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const template = Template.fromStack(stack);
    template.hasResource(ENDPOINT_TYPE, {
      Properties: { SubnetIds: ['subnet-0ccc3333', 'subnet-0ddd4444'], SecurityGroupIds: Match.absent(), TimeoutSeconds: Match.absent() },
      DeletionPolicy: 'Retain',
    });
  });

  test('IAM: the five endpoint actions on * (none has a resource type), DescribeStacks on this stack, no EC2 action', () => {
    const stack = newStack();
    new DomainVpcEndpoint(stack, 'Endpoint', { domain: ownersDomain(stack), vpc: consumerVpc(stack) });
    const statements = handlerStatements(Template.fromStack(stack));
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['es:CreateVpcEndpoint', 'es:DeleteVpcEndpoint', 'es:DescribeVpcEndpoints', 'es:ListVpcEndpoints', 'es:UpdateVpcEndpoint'],
      Resource: '*',
    });
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } });
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('ec2:'))).toEqual([]);
  });

  test('a domain of another region fails at synth, naming both regions', () => {
    const stack = newStack();
    expect(
      () =>
        new DomainVpcEndpoint(stack, 'Endpoint', {
          domain: ownersDomain(stack, 'arn:aws:es:eu-west-1:222222222222:domain/orders'),
          vpc: consumerVpc(stack),
        }),
    ).toThrow(/TestStack\/Endpoint: domain orders is in region eu-west-1, but stack TestStack deploys to us-east-1/);
  });

  test('a subnet outside the VPC, or two subnets of one zone, fail at synth', () => {
    const stack = newStack();
    const vpc = consumerVpc(stack);
    const stranger = ec2.Subnet.fromSubnetAttributes(stack, 'Stranger', { subnetId: 'subnet-0eee5555', availabilityZone: 'us-east-1c' });
    expect(() => new DomainVpcEndpoint(stack, 'A', { domain: ownersDomain(stack), vpc, vpcSubnets: { subnets: [stranger] } })).toThrow(
      /TestStack\/A: subnets subnet-0eee5555 are not subnets of VPC vpc-0a1b2c3d/,
    );
    expect(
      () =>
        new DomainVpcEndpoint(stack, 'B', {
          domain: ownersDomain(stack),
          vpc,
          vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC, onePerAz: false },
        }),
    ).not.toThrow();
    const twoInA = ec2.Vpc.fromVpcAttributes(stack, 'TwoInA', {
      vpcId: 'vpc-0f0f0f0f',
      availabilityZones: ['us-east-1a', 'us-east-1a'],
      privateSubnetIds: ['subnet-01111111', 'subnet-02222222'],
    });
    expect(
      () =>
        new DomainVpcEndpoint(stack, 'C', {
          domain: ownersDomain(stack),
          vpc: twoInA,
          vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        }),
    ).toThrow(/subnets subnet-01111111 and subnet-02222222 are both in us-east-1a; the service takes one subnet per Availability Zone/);
  });

  test('more than 10 endpoints to one domain in the app fail at synth, naming them', () => {
    const stack = newStack();
    const domain = ownersDomain(stack);
    const vpc = consumerVpc(stack);
    for (let i = 0; i < 10; i++) new DomainVpcEndpoint(stack, `E${i}`, { domain, vpc });
    expect(() => new DomainVpcEndpoint(stack, 'E10', { domain, vpc })).toThrow(
      /more VPC endpoints to domain orders than the service allows \(the service's quota is 10\): TestStack\/E0/,
    );
  });

  test('more than 50 endpoints in one account and region fail at synth, across the stacks of the app', () => {
    const app = new App();
    const stacks = [newStack('One', app), newStack('Two', app)];
    const make = (i: number) => {
      const stack = stacks[i % 2];
      new DomainVpcEndpoint(stack, `E${i}`, {
        domain: ownersDomain(stack, `arn:aws:es:us-east-1:222222222222:domain/orders-${Math.floor(i / 10)}`),
        vpc: (stack.node.tryFindChild('Vpc') as ec2.IVpc | undefined) ?? consumerVpc(stack),
      });
    };
    for (let i = 0; i < 50; i++) make(i);
    expect(() => make(50)).toThrow(/more VPC endpoints in one account and region than the service allows \(the service's quota is 50\)/);
  });

  test('an environment-agnostic stack counts no account quota', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const vpc = consumerVpc(stack);
    for (let i = 0; i < 51; i++) {
      new DomainVpcEndpoint(stack, `E${i}`, {
        domain: ownersDomain(stack, `arn:aws:es:us-east-1:222222222222:domain/orders-${Math.floor(i / 10)}`),
        vpc,
      });
    }
    expect(Object.keys(Template.fromStack(stack).findResources(ENDPOINT_TYPE))).toHaveLength(51);
  });

  test('a domain of the same stack: the resource depends on it', () => {
    const stack = newStack();
    const domain = ownDomain(stack);
    new DomainVpcEndpoint(stack, 'Endpoint', { domain, vpc: consumerVpc(stack) });
    const [resource] = Object.values(Template.fromStack(stack).findResources(ENDPOINT_TYPE));
    expect(resource.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^Domain/)]));
  });
});

describe('VpcEndpointAccess', () => {
  test('an account: DomainName and Account; nothing else unless asked', () => {
    const stack = newStack();
    new VpcEndpointAccess(stack, 'Access', { domain: importedDomain(stack, 'orders'), account: '222222222222' });
    Template.fromStack(stack).hasResourceProperties(ACCESS_TYPE, {
      DomainName: 'orders',
      Account: '222222222222',
      Service: Match.absent(),
      AllowRevokeWhileInUse: Match.absent(),
      TimeoutSeconds: Match.absent(),
    });
  });

  test('the OpenSearch UI service, and allowRevokeWhileInUse', () => {
    const stack = newStack();
    new VpcEndpointAccess(stack, 'Access', {
      domain: importedDomain(stack, 'orders'),
      service: VpcEndpointAccess.OPENSEARCH_UI_SERVICE,
      allowRevokeWhileInUse: true,
    });
    Template.fromStack(stack).hasResourceProperties(ACCESS_TYPE, {
      Service: 'application.opensearchservice.amazonaws.com',
      Account: Match.absent(),
      AllowRevokeWhileInUse: 'true',
    });
  });

  test('IAM: the four access actions on * (none has a resource type); no DescribeStacks (it never reads the stack status)', () => {
    const stack = newStack();
    new VpcEndpointAccess(stack, 'Access', { domain: importedDomain(stack, 'orders'), account: '222222222222' });
    const statements = handlerStatements(Template.fromStack(stack));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['es:AuthorizeVpcEndpointAccess', 'es:ListVpcEndpointAccess', 'es:ListVpcEndpointsForDomain', 'es:RevokeVpcEndpointAccess'],
        Resource: '*',
      },
    ]);
  });

  test('both sides in one stack: each kind its own policy, on which its resource depends', () => {
    const stack = newStack();
    new VpcEndpointAccess(stack, 'Access', { domain: importedDomain(stack, 'orders'), account: '222222222222' });
    new DomainVpcEndpoint(stack, 'Endpoint', { domain: importedDomain(stack, 'orders', 'Again'), vpc: consumerVpc(stack) });
    const template = Template.fromStack(stack);
    const endpointPolicies = handlerPolicies(template).filter(([, policy]) =>
      policy.Properties.PolicyDocument.Statement.some((s) => [s.Action].flat().some((a) => a.includes('VpcEndpoint'))),
    );
    expect(
      endpointPolicies.map(
        ([, policy]) =>
          policy.Properties.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()).filter((a) => a.includes('VpcEndpoint')).length,
      ),
    ).toEqual(expect.arrayContaining([4, 5]));
    for (const [type, action] of [
      [ENDPOINT_TYPE, 'es:CreateVpcEndpoint'],
      [ACCESS_TYPE, 'es:AuthorizeVpcEndpointAccess'],
    ]) {
      const [policyId] = endpointPolicies.find(([, policy]) =>
        policy.Properties.PolicyDocument.Statement.some((s) => [s.Action].flat().includes(action)),
      )!;
      const [resource] = Object.values(template.findResources(type));
      expect(resource.DependsOn).toContain(policyId);
    }
  });

  test('bad input fails at synth: neither or both principals, a malformed account or service, a domain of another account', () => {
    const stack = newStack();
    const domain = importedDomain(stack, 'orders');
    expect(() => new VpcEndpointAccess(stack, 'None', { domain })).toThrow(/TestStack\/None: give exactly one of account and service/);
    expect(
      () => new VpcEndpointAccess(stack, 'Both', { domain, account: '222222222222', service: VpcEndpointAccess.OPENSEARCH_UI_SERVICE }),
    ).toThrow(/exactly one of account and service/);
    expect(() => new VpcEndpointAccess(stack, 'Short', { domain, account: '2222' })).toThrow(
      /account must be an AWS account id of 12 digits/,
    );
    expect(() => new VpcEndpointAccess(stack, 'Svc', { domain, service: 'es.amazonaws.com' })).toThrow(
      /service must be one of application.opensearchservice.amazonaws.com/,
    );
    expect(() => new VpcEndpointAccess(stack, 'Elsewhere', { domain: ownersDomain(stack), account: '333333333333' })).toThrow(
      /domain orders is in account 222222222222, region us-east-1 .* VpcEndpointAccess acts in its stack's account and region/,
    );
  });

  test('more than 10 principals on one domain fail at synth', () => {
    const stack = newStack();
    const domain = importedDomain(stack, 'orders');
    for (let i = 0; i < 10; i++) new VpcEndpointAccess(stack, `A${i}`, { domain, account: `30000000000${i}` });
    expect(() => new VpcEndpointAccess(stack, 'A10', { domain, account: '400000000000' })).toThrow(/quota is 10/);
  });
});
