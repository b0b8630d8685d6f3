import { App, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Domain, IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import {
  ConnectionMode,
  InboundConnectionAcceptance,
  InboundConnectionDeletion,
  OutboundConnection,
  OutboundConnectionWaitFor,
} from '../../lib';
import { handlerGrants, handlerStatements, importedDomain, newStack, ownDomain } from './helpers';

// Pinned on purpose: changing a custom resource type replaces every deployed resource.
const OUTBOUND_TYPE = 'Custom::OpenSearchOutboundConnection';
const ACCEPTANCE_TYPE = 'Custom::OpenSearchInboundConnectionAcceptance';

/** A domain of another account and region, as users name one: a literal ARN. */
function foreignDomain(stack: Stack, name: string, account = '222222222222', region = 'eu-west-1'): IDomain {
  return Domain.fromDomainAttributes(stack, `Foreign-${name}`, {
    domainArn: `arn:aws:es:${region}:${account}:domain/${name}`,
    domainEndpoint: `https://search-${name}-abc123.${region}.es.amazonaws.com`,
  });
}

describe('OutboundConnection', () => {
  test('maps props to template properties', () => {
    const stack = newStack();
    new OutboundConnection(stack, 'Connection', {
      localDomain: importedDomain(stack, 'logs-source'),
      remoteDomain: foreignDomain(stack, 'logs-destination'),
      connectionAlias: 'to_destination-1',
      connectionMode: ConnectionMode.VPC_ENDPOINT,
      skipUnavailable: true,
      waitFor: OutboundConnectionWaitFor.ACTIVE,
      timeout: Duration.minutes(10),
    });
    Template.fromStack(stack).hasResourceProperties(OUTBOUND_TYPE, {
      LocalDomainName: 'logs-source',
      RemoteDomainName: 'logs-destination',
      RemoteOwnerId: '222222222222',
      RemoteRegion: 'eu-west-1',
      ConnectionAlias: 'to_destination-1',
      ConnectionMode: 'VPC_ENDPOINT',
      SkipUnavailable: 'ENABLED',
      WaitFor: 'ACTIVE',
      TimeoutSeconds: 600,
    });
  });

  test('defaults leave mode, skipUnavailable, waitFor and the timeout out of the template', () => {
    const stack = newStack();
    new OutboundConnection(stack, 'Connection', {
      localDomain: importedDomain(stack, 'logs-source'),
      remoteDomain: foreignDomain(stack, 'logs-destination'),
      connectionAlias: 'destination',
    });
    Template.fromStack(stack).hasResourceProperties(OUTBOUND_TYPE, {
      ConnectionMode: Match.absent(),
      SkipUnavailable: Match.absent(),
      WaitFor: Match.absent(),
      TimeoutSeconds: Match.absent(),
      ServiceTimeout: '1980',
    });
  });

  test('skipUnavailable false is DISABLED', () => {
    const stack = newStack();
    new OutboundConnection(stack, 'Connection', {
      localDomain: importedDomain(stack, 'logs-source'),
      remoteDomain: foreignDomain(stack, 'logs-destination'),
      connectionAlias: 'destination',
      skipUnavailable: false,
    });
    Template.fromStack(stack).hasResourceProperties(OUTBOUND_TYPE, { SkipUnavailable: 'DISABLED' });
  });

  test('a domain of the same stack: its name attribute, the stack account and region, and a dependency', () => {
    const stack = newStack();
    const local = ownDomain(stack, 'Local');
    const remote = ownDomain(stack, 'Remote');
    new OutboundConnection(stack, 'Connection', { localDomain: local, remoteDomain: remote, connectionAlias: 'remote' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties(OUTBOUND_TYPE, {
      LocalDomainName: { Ref: stack.getLogicalId(local.node.defaultChild as never) },
      RemoteDomainName: { Ref: stack.getLogicalId(remote.node.defaultChild as never) },
      RemoteOwnerId: '111111111111',
      RemoteRegion: 'us-east-1',
    });
    const [resource] = Object.values(template.findResources(OUTBOUND_TYPE));
    expect(resource.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(local.node.defaultChild as never)]));
  });

  test('exposes the connection id and status attributes', () => {
    const stack = newStack();
    const connection = new OutboundConnection(stack, 'Connection', {
      localDomain: importedDomain(stack, 'logs-source'),
      remoteDomain: foreignDomain(stack, 'logs-destination'),
      connectionAlias: 'destination',
    });
    expect(stack.resolve(connection.connectionId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Connection/), 'ConnectionId'] });
    expect(stack.resolve(connection.connectionStatus)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^Connection/), 'ConnectionStatus'],
    });
  });

  test('accepts an alias that is a token, leaving it to the handler', () => {
    const stack = newStack();
    const alias = new CfnParameter(stack, 'Alias').valueAsString;
    new OutboundConnection(stack, 'Connection', {
      localDomain: importedDomain(stack, 'logs-source'),
      remoteDomain: foreignDomain(stack, 'logs-destination'),
      connectionAlias: alias,
    });
    Template.fromStack(stack).hasResourceProperties(OUTBOUND_TYPE, { ConnectionAlias: { Ref: 'Alias' } });
  });

  test.each([
    ['a', 'too short'],
    ['1abc', 'starts with a digit'],
    ['has space', 'has a space'],
    ['x'.repeat(101), 'too long'],
  ])('fails when the alias is %j (%s)', (alias) => {
    const stack = newStack();
    expect(
      () =>
        new OutboundConnection(stack, 'Connection', {
          localDomain: importedDomain(stack, 'logs-source'),
          remoteDomain: foreignDomain(stack, 'logs-destination'),
          connectionAlias: alias,
        }),
    ).toThrow(/connectionAlias must be 2-100 characters of letters, digits, hyphens and underscores, starting with a letter; got/);
  });

  test('fails when the local domain is in another account', () => {
    const stack = newStack();
    expect(
      () =>
        new OutboundConnection(stack, 'Connection', {
          localDomain: foreignDomain(stack, 'logs-source'),
          remoteDomain: importedDomain(stack, 'logs-destination'),
          connectionAlias: 'destination',
        }),
    ).toThrow(
      'localDomain must be in the account and region of the stack (111111111111 in us-east-1); got account 222222222222 in eu-west-1',
    );
  });

  test('fails when the remote domain ARN is not a domain ARN', () => {
    const stack = newStack();
    const notADomain = Domain.fromDomainAttributes(stack, 'NotADomain', {
      domainArn: 'arn:aws:s3:eu-west-1:222222222222:bucket/logs-destination',
      domainEndpoint: 'https://search-logs-destination-abc123.eu-west-1.es.amazonaws.com',
    });
    expect(
      () =>
        new OutboundConnection(stack, 'Connection', {
          localDomain: importedDomain(stack, 'logs-source'),
          remoteDomain: notADomain,
          connectionAlias: 'destination',
        }),
    ).toThrow(/remoteDomain must be an OpenSearch domain/);
  });

  test('fails when the remote domain ARN names no account', () => {
    const stack = newStack();
    const noAccount = Domain.fromDomainAttributes(stack, 'NoAccount', {
      domainArn: 'arn:aws:es:eu-west-1::domain/logs-destination',
      domainEndpoint: 'https://search-logs-destination-abc123.eu-west-1.es.amazonaws.com',
    });
    expect(
      () =>
        new OutboundConnection(stack, 'Connection', {
          localDomain: importedDomain(stack, 'logs-source'),
          remoteDomain: noAccount,
          connectionAlias: 'destination',
        }),
    ).toThrow('remoteDomain account must be an AWS account id of 12 digits; got ""');
  });

  test('fails when the timeout is out of range', () => {
    const stack = newStack();
    expect(
      () =>
        new OutboundConnection(stack, 'Connection', {
          localDomain: importedDomain(stack, 'logs-source'),
          remoteDomain: foreignDomain(stack, 'logs-destination'),
          connectionAlias: 'destination',
          timeout: Duration.hours(2),
        }),
    ).toThrow(/timeout must be a whole number of seconds/);
  });
});

describe('InboundConnectionAcceptance', () => {
  test('by source: the source domain address, no connection id', () => {
    const stack = newStack();
    new InboundConnectionAcceptance(stack, 'Accept', {
      domain: importedDomain(stack, 'logs-destination'),
      from: foreignDomain(stack, 'logs-source'),
      timeout: Duration.minutes(20),
    });
    Template.fromStack(stack).hasResourceProperties(ACCEPTANCE_TYPE, {
      DomainName: 'logs-destination',
      ConnectionId: Match.absent(),
      SourceDomainName: 'logs-source',
      SourceOwnerId: '222222222222',
      SourceRegion: 'eu-west-1',
      TimeoutSeconds: 1200,
    });
  });

  test('by id: the connection id, no source', () => {
    const stack = newStack();
    new InboundConnectionAcceptance(stack, 'Accept', {
      domain: importedDomain(stack, 'logs-destination'),
      connectionId: 'cc-pending-0001',
    });
    Template.fromStack(stack).hasResourceProperties(ACCEPTANCE_TYPE, {
      DomainName: 'logs-destination',
      ConnectionId: 'cc-pending-0001',
      SourceDomainName: Match.absent(),
      SourceOwnerId: Match.absent(),
      SourceRegion: Match.absent(),
    });
  });

  test("removalPolicy RETAIN is CloudFormation's DeletionPolicy Retain; the default is CloudFormation's own (Delete), left out", () => {
    const stack = newStack();
    const domain = importedDomain(stack, 'logs-destination');
    new InboundConnectionAcceptance(stack, 'Kept', { domain, connectionId: 'cc-pending-0001', removalPolicy: RemovalPolicy.RETAIN });
    new InboundConnectionAcceptance(stack, 'Ended', { domain, connectionId: 'cc-pending-0002' });
    const template = Template.fromStack(stack);
    template.hasResource(ACCEPTANCE_TYPE, {
      Properties: Match.objectLike({ ConnectionId: 'cc-pending-0001' }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResource(ACCEPTANCE_TYPE, {
      Properties: Match.objectLike({ ConnectionId: 'cc-pending-0002' }),
      DeletionPolicy: Match.absent(),
      UpdateReplacePolicy: Match.absent(),
    });
  });

  test('exposes the connection id and status attributes', () => {
    const stack = newStack();
    const acceptance = new InboundConnectionAcceptance(stack, 'Accept', {
      domain: importedDomain(stack, 'logs-destination'),
      from: foreignDomain(stack, 'logs-source'),
    });
    expect(stack.resolve(acceptance.connectionId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Accept/), 'ConnectionId'] });
    expect(stack.resolve(acceptance.connectionStatus)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Accept/), 'ConnectionStatus'] });
  });

  test('fails when neither connectionId nor from is given', () => {
    const stack = newStack();
    expect(() => new InboundConnectionAcceptance(stack, 'Accept', { domain: importedDomain(stack, 'logs-destination') })).toThrow(
      'Give InboundConnectionAcceptance either connectionId or from, not neither',
    );
  });

  test('fails when both connectionId and from are given', () => {
    const stack = newStack();
    expect(
      () =>
        new InboundConnectionAcceptance(stack, 'Accept', {
          domain: importedDomain(stack, 'logs-destination'),
          connectionId: 'cc-pending-0001',
          from: foreignDomain(stack, 'logs-source'),
        }),
    ).toThrow('Give InboundConnectionAcceptance either connectionId or from, not both');
  });

  test('fails when the connection id is malformed', () => {
    const stack = newStack();
    expect(
      () => new InboundConnectionAcceptance(stack, 'Accept', { domain: importedDomain(stack, 'logs-destination'), connectionId: 'CC-1' }),
    ).toThrow(/connectionId must be 10-256 characters/);
  });

  test('fails when the removal policy is SNAPSHOT', () => {
    const stack = newStack();
    expect(
      () =>
        new InboundConnectionAcceptance(stack, 'Accept', {
          domain: importedDomain(stack, 'logs-destination'),
          connectionId: 'cc-pending-0001',
          removalPolicy: RemovalPolicy.SNAPSHOT,
        }),
    ).toThrow('removalPolicy must be RemovalPolicy.DESTROY or RemovalPolicy.RETAIN; got snapshot');
  });

  test('fails when the destination domain is in another region', () => {
    const stack = newStack();
    expect(
      () =>
        new InboundConnectionAcceptance(stack, 'Accept', {
          domain: foreignDomain(stack, 'logs-destination', '111111111111', 'eu-west-1'),
          connectionId: 'cc-pending-0001',
        }),
    ).toThrow('domain must be in the account and region of the stack (111111111111 in us-east-1); got account 111111111111 in eu-west-1');
  });
});

describe('one provider and narrow permissions for all constructs', () => {
  test('both new constructs and an existing one share the one provider', () => {
    const stack = newStack();
    const destination = importedDomain(stack, 'logs-destination');
    new OutboundConnection(stack, 'Connection', {
      localDomain: importedDomain(stack, 'logs-source'),
      remoteDomain: foreignDomain(stack, 'logs-far'),
      connectionAlias: 'far',
    });
    new InboundConnectionAcceptance(stack, 'Accept', { domain: destination, from: foreignDomain(stack, 'logs-origin') });
    new InboundConnectionDeletion(stack, 'Delete', { connectionId: 'cc-active-0001', domain: destination });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 5); // onEvent, isComplete and the framework's three
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });

  test('OutboundConnection: create on the local domain ARN only; describe and delete outbound on *', () => {
    const stack = newStack();
    new OutboundConnection(stack, 'A', {
      localDomain: importedDomain(stack, 'logs-source'),
      remoteDomain: foreignDomain(stack, 'logs-destination'),
      connectionAlias: 'a1',
    });
    new OutboundConnection(stack, 'B', {
      localDomain: importedDomain(stack, 'logs-source', 'Again'),
      remoteDomain: foreignDomain(stack, 'logs-other'),
      connectionAlias: 'b2',
    });
    expect(handlerGrants(Template.fromStack(stack))).toEqual([
      // Both kinds read their own stack's status to leave alone, in a rollback, what they adopted.
      'cloudformation:DescribeStacks on {"Ref":"AWS::StackId"}',
      'es:CreateOutboundConnection on arn:aws:es:us-east-1:111111111111:domain/logs-source',
      'es:DeleteOutboundConnection on *',
      'es:DescribeOutboundConnections on *',
    ]);
  });

  test('InboundConnectionAcceptance: inbound describe, accept, reject, delete on *; nothing outbound', () => {
    const stack = newStack();
    new InboundConnectionAcceptance(stack, 'Accept', {
      domain: importedDomain(stack, 'logs-destination'),
      connectionId: 'cc-pending-0001',
    });
    const statements = handlerStatements(Template.fromStack(stack));
    expect(handlerGrants(Template.fromStack(stack))).toEqual([
      'cloudformation:DescribeStacks on {"Ref":"AWS::StackId"}',
      'es:AcceptInboundConnection on *',
      'es:DeleteInboundConnection on *',
      'es:DescribeInboundConnections on *',
      'es:RejectInboundConnection on *',
    ]);
    expect(JSON.stringify(statements)).not.toMatch(/Outbound|es:\*/);
  });

  test('two stacks of one app, in two accounts: each has its own provider', () => {
    const app = new App();
    const source = new Stack(app, 'Source', { env: { account: '111111111111', region: 'us-east-1' } });
    const destination = new Stack(app, 'Destination', { env: { account: '222222222222', region: 'eu-west-1' } });
    const sourceDomain = Domain.fromDomainAttributes(source, 'Src', {
      domainArn: 'arn:aws:es:us-east-1:111111111111:domain/logs-source',
      domainEndpoint: 'https://search-logs-source-a.us-east-1.es.amazonaws.com',
    });
    const destinationDomain = Domain.fromDomainAttributes(destination, 'Dst', {
      domainArn: 'arn:aws:es:eu-west-1:222222222222:domain/logs-destination',
      domainEndpoint: 'https://search-logs-destination-a.eu-west-1.es.amazonaws.com',
    });
    new OutboundConnection(source, 'Connection', {
      localDomain: sourceDomain,
      remoteDomain: foreignDomain(source, 'logs-destination'),
      connectionAlias: 'destination',
    });
    new InboundConnectionAcceptance(destination, 'Accept', {
      domain: destinationDomain,
      from: Domain.fromDomainAttributes(destination, 'From', {
        domainArn: 'arn:aws:es:us-east-1:111111111111:domain/logs-source',
        domainEndpoint: 'https://search-logs-source-a.us-east-1.es.amazonaws.com',
      }),
    });
    Template.fromStack(source).resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    Template.fromStack(destination).hasResourceProperties(ACCEPTANCE_TYPE, {
      SourceOwnerId: '111111111111',
      SourceRegion: 'us-east-1',
      SourceDomainName: 'logs-source',
    });
  });
});
