#!/usr/bin/env node
/**
 * Integration test (CDK convention: `integ-runner`, `@aws-cdk/integ-tests-alpha`).
 *
 * The stack under test has the example app's shape: two domains made elsewhere, a rejection of a
 * pending connection, a deletion of an active connection and a dissociation of packages. Then the
 * assertions, in order:
 *   1. the pending connection is REJECTED (InboundConnectionRejection acts on Create);
 *   2. the stack under test is deleted (InboundConnectionDeletion and PackageDissociation act on
 *      Delete; CloudFormation runs them before it removes the shared provider);
 *   3. the active connection ends DELETED (or REJECTED, had it still been pending);
 *   4. no package is associated with the package domain any more.
 * Beside them, probes that settle what AWS does not document (docs/aws-assumptions.md, "Settled
 * by the integration test"): a Package made from a file asset (the SSE-KMS staging bucket,
 * copied by the handler) is AVAILABLE; CreatePackage straight from the staging bucket ends
 * COPY_FAILED; GetPackageVersionHistory lists the newest version first; an outbound connection
 * made without the local owner and Region is listed by DescribeOutboundConnections at once. A
 * probe that fails means AWS answers the other way, which the handlers cope with: change the
 * emulator's default for that switch and the document, not the handlers.
 *
 * Nothing here runs offline except synthesis: `npm run integ:snapshot` writes the snapshot next to
 * this file and test/package/integ-snapshot.test.ts checks that it is current. The README
 * ("Integration test against a real account") says how to deploy it and what it needs.
 *
 * Settings come from context (`-c key=value`), else from the environment, else a default that is
 * only good for synthesis:
 *
 * | context | environment | default |
 * |---|---|---|
 * | destinationDomain | INTEG_DESTINATION_DOMAIN | logs-destination |
 * | pendingConnectionId | INTEG_PENDING_CONNECTION_ID | cc-pending-0001 |
 * | activeConnectionId | INTEG_ACTIVE_CONNECTION_ID | cc-active-0001 |
 * | packageDomain | INTEG_PACKAGE_DOMAIN | search-products |
 * | packageIds (comma-separated) | INTEG_PACKAGE_IDS | F111111111,pkg-0a1b2c3d |
 * | vpcEndpointDomain | INTEG_VPC_ENDPOINT_DOMAIN | none: the VPC endpoint probe is left out |
 * | vpcEndpointAccount | INTEG_VPC_ENDPOINT_ACCOUNT | none |
 * | vpcEndpointVpcId | INTEG_VPC_ENDPOINT_VPC_ID | none |
 * | vpcEndpointSubnets (comma-separated, one per zone) | INTEG_VPC_ENDPOINT_SUBNETS | none |
 * | vpcEndpointConsumerAccount | INTEG_VPC_ENDPOINT_CONSUMER_ACCOUNT | none: the cross-account probe is left out |
 * | vpcEndpointConsumerVpcId | INTEG_VPC_ENDPOINT_CONSUMER_VPC_ID | none |
 * | vpcEndpointConsumerSubnets (comma-separated, one per zone) | INTEG_VPC_ENDPOINT_CONSUMER_SUBNETS | none |
 *
 * The VPC endpoint probe (opt-in: a VPC domain of this account with no other endpoint, another
 * account to authorize, and a VPC of this account with its subnets) settles what AWS does not
 * document (docs/vpc-endpoints.md): that the handlers' role needs no EC2 permission for
 * CreateVpcEndpoint, that the endpoint reaches ACTIVE and is gone after Delete, and that the
 * authorization is listed, then revoked.
 *
 * The cross-account probe (opt-in, with vpcEndpointDomain: a second account bootstrapped to trust
 * this one, `cdk bootstrap aws://<consumer>/<region> --trust <this account>`, with the service's
 * service-linked role, a VPC and one subnet per zone) deploys both sides as a team would: a stack
 * of this account authorizes the consumer (VpcEndpointAccess), and a stack of the consumer's
 * account, deployed after it, makes its DomainVpcEndpoint. Before the stack under test is deleted,
 * the owner lists the consumer's endpoint ACTIVE; integ-runner then destroys the consumer's stack
 * first (its endpoint deleted and waited for), then the authorization, whose Delete refuses while
 * the consumer still has an endpoint: a destroy that fails there says the order was not kept.
 *
 * | securedDomain | INTEG_SECURED_DOMAIN | none: the security API probe is left out (the domain must first trust the probe function's role, output SecurityProbeRoleArn: see below) |
 * | securedDomainEndpoint | INTEG_SECURED_DOMAIN_ENDPOINT | none (needed with securedDomain) |
 *
 * The security API probe (opt-in: an OpenSearch domain of this account and Region with
 * fine-grained access control and a public endpoint) deploys a SecurityRole and a RoleMembership
 * on it, and settles what docs/aws-assumptions.md ("The security plugin API on a domain") lists.
 * The domain must trust two IAM roles before the run, each as its master user or mapped to
 * security_manager: the provider's role (the handlers sign with it), and the probe function's role
 * `cdk-opensearch-lifecycle-integ-security-probe-<region>` (output SecurityProbeRoleArn). The probe
 * function's role has a fixed name for that reason: the run creates it and uses it at once, so it
 * must be mappable before it exists (a mapping names an ARN, which need not exist yet). The probe
 * function (in the assertion stack) signs its own requests (SigV4, service `es`) to
 * `_plugins/_security/api`, since integ-tests-alpha makes no signed HTTP call:
 *   1. after the stack under test is deployed: GET of the role shows its index pattern, and GET of
 *      its mapping shows the backend role and the user the RoleMembership lists;
 *   2. then a PATCH of the mapping whose only operation is a JSON Patch `test` that holds: accepted
 *      or refused ("Unsupported patch operation: test"), both pass (the handler copes with
 *      either); the output SecurityProbeJsonPatchTest records which, beside the emulator's default,
 *      and, when accepted, the answer to a `test` that fails (neither changes the mapping);
 *   3. after the stack under test is deleted: GET of the role answers 404, and the mapping (404, or
 *      what is left of it) holds none of the probe's members.
 */
import * as path from 'path';
import { App, CfnOutput, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Domain, IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import {
  DomainVpcEndpoint,
  InboundConnectionDeletion,
  InboundConnectionRejection,
  Package,
  PackageDissociation,
  PackageSource,
  PackageType,
  RoleMembership,
  SecurityRole,
  VpcEndpointAccess,
} from '../lib';
import { checkDomainEndpoint } from '../lib/private/contracts/security';

const app = new App();

function setting(contextKey: string, envKey: string, fallback: string): string {
  const value: unknown = app.node.tryGetContext(contextKey) ?? process.env[envKey];
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/** A comma-separated setting, as a list. */
function listSetting(contextKey: string, envKey: string, fallback: string): string[] {
  return setting(contextKey, envKey, fallback)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const destinationDomainName = setting('destinationDomain', 'INTEG_DESTINATION_DOMAIN', 'logs-destination');
const pendingConnectionId = setting('pendingConnectionId', 'INTEG_PENDING_CONNECTION_ID', 'cc-pending-0001');
const activeConnectionId = setting('activeConnectionId', 'INTEG_ACTIVE_CONNECTION_ID', 'cc-active-0001');
const packageDomainName = setting('packageDomain', 'INTEG_PACKAGE_DOMAIN', 'search-products');
const packageIds = listSetting('packageIds', 'INTEG_PACKAGE_IDS', 'F111111111,pkg-0a1b2c3d');
const vpcEndpointDomainName = setting('vpcEndpointDomain', 'INTEG_VPC_ENDPOINT_DOMAIN', '');
const vpcEndpointAccount = setting('vpcEndpointAccount', 'INTEG_VPC_ENDPOINT_ACCOUNT', '');
const vpcEndpointVpcId = setting('vpcEndpointVpcId', 'INTEG_VPC_ENDPOINT_VPC_ID', '');
const vpcEndpointSubnets = listSetting('vpcEndpointSubnets', 'INTEG_VPC_ENDPOINT_SUBNETS', '');
const consumerAccount = setting('vpcEndpointConsumerAccount', 'INTEG_VPC_ENDPOINT_CONSUMER_ACCOUNT', '');
const consumerVpcId = setting('vpcEndpointConsumerVpcId', 'INTEG_VPC_ENDPOINT_CONSUMER_VPC_ID', '');
const consumerSubnets = listSetting('vpcEndpointConsumerSubnets', 'INTEG_VPC_ENDPOINT_CONSUMER_SUBNETS', '');

// integ-runner sets CDK_INTEG_ACCOUNT/CDK_INTEG_REGION when it synthesizes the snapshot, and
// leaves them unset when it deploys, so the CLI's account and region are used.
const env = {
  account: process.env.CDK_INTEG_ACCOUNT ?? process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_INTEG_REGION ?? process.env.CDK_DEFAULT_REGION,
};

const stack = new Stack(app, 'OpenSearchLifecycleInteg', { env });

function importDomain(id: string, name: string): IDomain {
  return Domain.fromDomainAttributes(stack, id, {
    domainArn: stack.formatArn({ service: 'es', resource: 'domain', resourceName: name }),
    domainEndpoint: `https://search-${name}-integ.${stack.region}.es.amazonaws.com`,
  });
}

const destinationDomain = importDomain('DestinationDomain', destinationDomainName);

new InboundConnectionRejection(stack, 'RejectPendingConnection', {
  connectionId: pendingConnectionId,
  domain: destinationDomain,
  timeout: Duration.minutes(20),
});

new InboundConnectionDeletion(stack, 'DeleteActiveConnection', {
  connectionId: activeConnectionId,
  domain: destinationDomain,
  timeout: Duration.minutes(30),
});

new PackageDissociation(stack, 'RemovePackages', {
  domain: importDomain('PackageDomain', packageDomainName),
  packageIds,
  timeout: Duration.minutes(55),
});

const vpcEndpointDomain = vpcEndpointDomainName ? importDomain('VpcEndpointDomain', vpcEndpointDomainName) : undefined;
if (vpcEndpointDomain && vpcEndpointAccount) {
  new VpcEndpointAccess(stack, 'AuthorizeProbeAccount', { domain: vpcEndpointDomain, account: vpcEndpointAccount });
}
if (vpcEndpointDomain && vpcEndpointVpcId && vpcEndpointSubnets.length > 0) {
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'ProbeVpc', {
    vpcId: vpcEndpointVpcId,
    availabilityZones: vpcEndpointSubnets.map((_, i) => `${stack.region}${'abcdef'[i]}`),
    privateSubnetIds: vpcEndpointSubnets,
  });
  // Same account: no authorization needed. The handlers' role has no EC2 permission.
  new DomainVpcEndpoint(stack, 'ProbeEndpoint', { domain: vpcEndpointDomain, vpc, timeout: Duration.minutes(20) });
}

/** The two sides of the cross-account probe, when it is on: this account's, then the consumer's. */
function crossAccountStacks(): Stack[] {
  if (vpcEndpointDomainName === '' || consumerAccount === '') return [];
  if (consumerVpcId === '' || consumerSubnets.length === 0) {
    throw new Error('vpcEndpointConsumerAccount needs vpcEndpointConsumerVpcId and vpcEndpointConsumerSubnets');
  }
  if (env.account === undefined || env.region === undefined) {
    throw new Error('the cross-account probe needs the account and Region of this side (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION)');
  }
  // Not the stack under test: the assertions delete that one while the consumer's endpoint lives.
  const owner = new Stack(app, 'OpenSearchLifecycleIntegVpcOwner', { env });
  // Literal: the consumer's stack must not reference the owner's (another account).
  const partition = RegionInfo.get(env.region).partition ?? 'aws';
  const domainArn = `arn:${partition}:es:${env.region}:${env.account}:domain/${vpcEndpointDomainName}`;
  const domainEndpoint = `https://vpc-${vpcEndpointDomainName}-integ.${env.region}.es.amazonaws.com`;
  new VpcEndpointAccess(owner, 'AuthorizeConsumer', {
    domain: Domain.fromDomainAttributes(owner, 'VpcEndpointDomain', { domainArn, domainEndpoint }),
    account: consumerAccount,
  });
  const consumer = new Stack(app, 'OpenSearchLifecycleIntegVpcConsumer', { env: { account: consumerAccount, region: env.region } });
  consumer.addStackDependency(owner);
  new DomainVpcEndpoint(consumer, 'ConsumerEndpoint', {
    domain: Domain.fromDomainAttributes(consumer, 'OwnersDomain', { domainArn, domainEndpoint }),
    vpc: ec2.Vpc.fromVpcAttributes(consumer, 'ConsumerVpc', {
      vpcId: consumerVpcId,
      availabilityZones: consumerSubnets.map((_, i) => `${env.region}${'abcdef'[i]}`),
      privateSubnetIds: consumerSubnets,
    }),
    timeout: Duration.minutes(20),
  });
  return [owner, consumer];
}
const crossAccount = crossAccountStacks();

const securedDomainName = setting('securedDomain', 'INTEG_SECURED_DOMAIN', '');
const securedDomainEndpoint = setting('securedDomainEndpoint', 'INTEG_SECURED_DOMAIN_ENDPOINT', '');
if (securedDomainName !== '' && securedDomainEndpoint === '') {
  throw new Error('securedDomain needs securedDomainEndpoint (the domain endpoint, https://...)');
}
/** Each stack formats the secured domain's ARN itself: the assertion stack must not reference the stack under test. */
const securedDomainArn = (scope: Stack) => scope.formatArn({ service: 'es', resource: 'domain', resourceName: securedDomainName });
/** What the security API probe writes on the secured domain, and its assertions read back. */
const PROBE_ROLE_NAME = 'cdk-opensearch-lifecycle-integ-probe';
const PROBE_INDEX_PATTERN = 'cdk-opensearch-lifecycle-integ-*';
const PROBE_USER = 'cdk-opensearch-lifecycle-integ-probe';
const probeBackendRole = (scope: Stack) => `arn:aws:iam::${scope.account}:role/cdk-opensearch-lifecycle-integ-probe`;
if (securedDomainName !== '') {
  const secured = Domain.fromDomainAttributes(stack, 'SecuredDomain', {
    domainArn: securedDomainArn(stack),
    domainEndpoint: securedDomainEndpoint,
  });
  const probeRole = new SecurityRole(stack, 'ProbeRole', {
    domain: secured,
    roleName: PROBE_ROLE_NAME,
    indexPermissions: [{ indexPatterns: [PROBE_INDEX_PATTERN], allowedActions: ['read'] }],
  });
  // Two lists touched, so that the patch carries a test of each.
  new RoleMembership(stack, 'ProbeMembers', {
    domain: secured,
    role: probeRole,
    backendRoles: [probeBackendRole(stack)],
    users: [PROBE_USER],
  });
}
// Probe: a file asset lands in the SSE-KMS staging bucket; the handler copies it so that the
// service can import it. Deploying the stack under test is the probe (deleted with it).
const SYNONYMS_FILE = path.join(__dirname, 'lib', 'fixtures', 'synonyms.txt');
new Package(stack, 'ProbeAssetPackage', {
  packageName: 'integ-probe-asset',
  packageType: PackageType.TXT_DICTIONARY,
  source: PackageSource.fromAsset(SYNONYMS_FILE),
  timeout: Duration.minutes(20),
});

// The assertions live in a stack of their own that is deployed after the stack under test; it has
// no reference to it (an export would keep the stack under test from being deleted).
const assertionStack = new Stack(app, 'OpenSearchLifecycleIntegAssertions', { env });
assertionStack.addStackDependency(stack);
// Deployed after the consumer's stack, whose DomainVpcEndpoint is done only once ACTIVE.
crossAccount.forEach((side) => assertionStack.addStackDependency(side));

const integ = new IntegTest(app, 'OpenSearchLifecycle', {
  testCases: [stack, ...crossAccount],
  assertionStack,
  // The assertions delete the stack under test, so there is no snapshot version to update from.
  stackUpdateWorkflow: false,
  diffAssets: false,
});

const connection = (connectionId: string) => ({ Filters: [{ Name: 'connection-id', Values: [connectionId] }] });

const rejected = integ.assertions
  .awsApiCall('OpenSearch', 'describeInboundConnections', connection(pendingConnectionId))
  .expect(ExpectedResult.objectLike({ Connections: [{ ConnectionId: pendingConnectionId, ConnectionStatus: { StatusCode: 'REJECTED' } }] }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });

const deleteStackUnderTest = integ.assertions.awsApiCall('CloudFormation', 'deleteStack', { StackName: stack.stackName });

const ended = integ.assertions
  .awsApiCall('OpenSearch', 'describeInboundConnections', connection(activeConnectionId))
  .expect(
    ExpectedResult.objectLike({
      Connections: [{ ConnectionId: activeConnectionId, ConnectionStatus: { StatusCode: Match.stringLikeRegexp('^(DELETED|REJECTED)$') } }],
    }),
  )
  .waitForAssertions({ totalTimeout: Duration.minutes(45), interval: Duration.seconds(30) });

const packagesGone = integ.assertions
  .awsApiCall('OpenSearch', 'listPackagesForDomain', { DomainName: packageDomainName })
  .expect(ExpectedResult.objectLike({ DomainPackageDetailsList: [] }))
  .waitForAssertions({ totalTimeout: Duration.minutes(55), interval: Duration.seconds(30) });

if (vpcEndpointDomain && vpcEndpointAccount) {
  // Before anything is deleted: the authorization is listed.
  integ.assertions
    .awsApiCall('OpenSearch', 'listVpcEndpointAccess', { DomainName: vpcEndpointDomainName })
    .expect(ExpectedResult.objectLike({ AuthorizedPrincipalList: Match.arrayWith([Match.objectLike({ Principal: vpcEndpointAccount })]) }))
    .next(rejected);
}
if (crossAccount.length > 0) {
  // Before anything is deleted: the owner lists the consumer's endpoint, made from its account.
  integ.assertions
    .awsApiCall('OpenSearch', 'listVpcEndpointsForDomain', { DomainName: vpcEndpointDomainName })
    .expect(
      ExpectedResult.objectLike({
        VpcEndpointSummaryList: Match.arrayWith([Match.objectLike({ VpcEndpointOwner: consumerAccount, Status: 'ACTIVE' })]),
      }),
    )
    .next(rejected);
}
const packagesChecked = rejected.next(deleteStackUnderTest).next(ended).next(packagesGone);
if (vpcEndpointDomain && vpcEndpointVpcId && vpcEndpointSubnets.length > 0) {
  // After the stack's deletion: its endpoint is gone; the consumer's, if any, is the only one left
  // (a list in objectLike must match in length).
  const left = crossAccount.length > 0 ? [{ VpcEndpointOwner: consumerAccount }] : [];
  packagesChecked.next(
    integ.assertions
      .awsApiCall('OpenSearch', 'listVpcEndpointsForDomain', { DomainName: vpcEndpointDomainName })
      .expect(ExpectedResult.objectLike({ VpcEndpointSummaryList: left }))
      .waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.seconds(30) }),
  );
}

// ---------------------------------------------------------------- the security API probe (opt-in)

/**
 * How the emulator answers a JSON Patch `test` on a role mapping unless told otherwise
 * (`security.patchTest ?? true` in emulator/security-api.ts, "accepted"). The probe reports the
 * real answer beside it, so that a difference shows in the output without failing the run.
 */
const EMULATOR_PATCH_TEST_DEFAULT = 'accepted';

/**
 * The probe function's code (CommonJS, run as index.handler), exported so that it can be checked
 * outside a deployment. Inline, so that nothing is bundled: it relies on what the Lambda Node.js
 * runtime ships, the AWS SDK for JavaScript v3 and the packages it depends on:
 * `@aws-sdk/credential-provider-node` (the function role's credentials), `@smithy/signature-v4`
 * (SigV4), and for its SHA-256 `@aws-crypto/sha256-js`, or where a newer SDK no longer depends on
 * that, `@smithy/hash-node` or `@smithy/core/checksum`; and node's https.
 *
 * Its event names the check (`deployed`, `patch-test`, `deleted`), the role and the members; its
 * answer is what the security plugin showed, boiled down to what the assertions compare (its log
 * has each answer's body). Every request is asked again for up to 45 s while it answers 403, 409,
 * 429 or 5xx: the function's policy was made moments before (IAM applies a change within seconds,
 * not at once), and retrying here rather than with a waiter keeps the plugin's answer in the
 * assertion's failure message (a waiter that runs out reports only a timeout).
 */
export const SECURITY_PROBE_HANDLER_SOURCE = `'use strict';
const https = require('https');

const API = '/_plugins/_security/api';
const RETRY_FOR_MS = 45000;
const REQUEST_TIMEOUT_MS = 10000;

function runtimeModule(name) {
  try {
    return require(name);
  } catch (error) {
    return undefined;
  }
}

function sha256Constructor() {
  const awsCrypto = runtimeModule('@aws-crypto/sha256-js');
  if (awsCrypto && awsCrypto.Sha256) return awsCrypto.Sha256;
  const hashNode = runtimeModule('@smithy/hash-node');
  if (hashNode && hashNode.Hash) return hashNode.Hash.bind(null, 'sha256');
  const checksum = runtimeModule('@smithy/core/checksum');
  return checksum && checksum.Sha256;
}

let signer;
function signerOf() {
  if (signer) return signer;
  const signatureV4 = runtimeModule('@smithy/signature-v4');
  const credentialProvider = runtimeModule('@aws-sdk/credential-provider-node');
  const sha256 = sha256Constructor();
  const missing = [
    signatureV4 ? '' : '@smithy/signature-v4',
    credentialProvider ? '' : '@aws-sdk/credential-provider-node',
    sha256 ? '' : 'a SHA-256 (@aws-crypto/sha256-js, @smithy/hash-node or @smithy/core/checksum)',
  ].filter((name) => name !== '');
  if (missing.length > 0) throw new Error('This Lambda runtime does not ship what the probe relies on: ' + missing.join(', '));
  signer = new signatureV4.SignatureV4({
    service: 'es',
    region: process.env.AWS_REGION,
    credentials: credentialProvider.defaultProvider(),
    sha256: sha256,
  });
  return signer;
}

function messageOf(body) {
  if (typeof body === 'string') return body.slice(0, 300);
  const b = body || {};
  const text = (typeof b.message === 'string' && b.message) || (typeof b.Message === 'string' && b.Message) ||
    (b.error && typeof b.error.reason === 'string' && b.error.reason) || JSON.stringify(body);
  return String(text).slice(0, 300);
}

async function sendOnce(host, method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = { host: host };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const signed = await signerOf().sign({ method: method, protocol: 'https:', hostname: host, path: path, query: {}, headers: headers, body: payload });
  return new Promise((resolve, reject) => {
    const request = https.request({ method: method, hostname: host, path: path, headers: signed.headers, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          // Not JSON (an IAM denial can be plain text): kept as text.
        }
        resolve({ status: response.statusCode, body: parsed });
      });
    });
    request.on('timeout', () => request.destroy(new Error(method + ' ' + path + ' on ' + host + ': no answer within ' + REQUEST_TIMEOUT_MS + ' ms (a public endpoint is needed)')));
    request.on('error', reject);
    request.end(payload);
  });
}

async function send(host, method, path, body, startedAt) {
  for (;;) {
    const answer = await sendOnce(host, method, path, body);
    console.log(method + ' ' + path + ': HTTP ' + answer.status + ' ' + (typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)).slice(0, 2000));
    const worthAnotherTry = answer.status === 403 || answer.status === 409 || answer.status === 429 || answer.status >= 500;
    if (!worthAnotherTry || Date.now() - startedAt > RETRY_FOR_MS) return answer;
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

function entryOf(answer, name) {
  return answer.status === 200 && answer.body && typeof answer.body === 'object' ? answer.body[name] : undefined;
}

function roleSeen(answer, name) {
  const entry = entryOf(answer, name);
  if (!entry) return { status: answer.status, message: messageOf(answer.body) };
  const patterns = [];
  for (const permission of entry.index_permissions || []) patterns.push.apply(patterns, permission.index_patterns || []);
  return { status: answer.status, index_patterns: patterns };
}

function mappingSeen(answer, name) {
  const entry = entryOf(answer, name);
  if (!entry) return { status: answer.status, message: messageOf(answer.body) };
  return { status: answer.status, backend_roles: entry.backend_roles || [], users: entry.users || [] };
}

function membersLeft(answer, event) {
  if (answer.status === 404) return { status: 404, probeMembersLeft: [] };
  if (answer.status !== 200) return { status: answer.status, message: messageOf(answer.body) };
  const entry = entryOf(answer, event.roleName) || {};
  const left = (event.backendRoles || []).filter((member) => (entry.backend_roles || []).includes(member))
    .concat((event.users || []).filter((member) => (entry.users || []).includes(member)));
  return { status: 200, probeMembersLeft: left };
}

async function patchTest(host, mappingPath, event, startedAt) {
  const read = await send(host, 'GET', mappingPath, undefined, startedAt);
  const entry = entryOf(read, event.roleName);
  if (!entry || !Array.isArray(entry.users)) {
    const notProbed = 'not probed: GET of the mapping answered HTTP ' + read.status + ': ' + messageOf(read.body);
    return { check: event.check, patchTest: notProbed, finding: notProbed };
  }
  // Only a test of what was just read: applied, it changes nothing.
  const holding = await send(host, 'PATCH', mappingPath, [{ op: 'test', path: '/users', value: entry.users }], startedAt);
  const answer = 'HTTP ' + holding.status + ': ' + messageOf(holding.body);
  const refused = holding.status === 400 && /unsupported patch operation: test/i.test(messageOf(holding.body));
  const verdict = holding.status === 200 ? 'accepted' : refused ? 'refused' : answer;
  const result = { check: event.check, patchTest: verdict, answer: answer, emulatorDefault: event.emulatorDefault };
  if (verdict === 'accepted') {
    // A test that cannot hold (a user no mapping has): the plugin refuses the whole patch, and says how.
    const failing = await send(host, 'PATCH', mappingPath, [{ op: 'test', path: '/users', value: entry.users.concat(['integ-probe-no-such-user']) }], startedAt);
    result.failedTest = 'HTTP ' + failing.status + ': ' + messageOf(failing.body);
  }
  const compared = verdict === event.emulatorDefault
    ? 'as the emulator plays it by default'
    : 'NOT as the emulator plays it by default (' + event.emulatorDefault + '): change the default of security.patchTest in emulator/security-api.ts and note it in docs/aws-assumptions.md';
  result.finding = 'JSON Patch test ' + verdict + ' (' + answer + '), ' + compared + (result.failedTest ? '; a test that fails: ' + result.failedTest : '');
  return result;
}

exports.handler = async (event) => {
  console.log(JSON.stringify(event));
  const startedAt = Date.now();
  const host = process.env.DOMAIN_ENDPOINT_HOST;
  const rolePath = API + '/roles/' + encodeURIComponent(event.roleName);
  const mappingPath = API + '/rolesmapping/' + encodeURIComponent(event.roleName);
  switch (event.check) {
    case 'deployed': {
      const role = await send(host, 'GET', rolePath, undefined, startedAt);
      const mapping = await send(host, 'GET', mappingPath, undefined, startedAt);
      return { check: event.check, role: roleSeen(role, event.roleName), mapping: mappingSeen(mapping, event.roleName) };
    }
    case 'patch-test':
      try {
        return await patchTest(host, mappingPath, event, startedAt);
      } catch (error) {
        // Answered, not thrown: the output SecurityProbeJsonPatchTest reads the finding, and a missing one fails the stack.
        const notProbed = 'not probed: ' + (error && error.message ? error.message : String(error));
        return { check: event.check, patchTest: notProbed, finding: notProbed };
      }
    case 'deleted': {
      const role = await send(host, 'GET', rolePath, undefined, startedAt);
      const mapping = await send(host, 'GET', mappingPath, undefined, startedAt);
      return { check: event.check, role: { status: role.status, message: messageOf(role.body) }, mapping: membersLeft(mapping, event) };
    }
    default:
      throw new Error('Unknown check ' + JSON.stringify(event.check) + ': deployed, patch-test or deleted');
  }
};
`;

if (securedDomainName !== '') {
  const probeRole = new iam.Role(assertionStack, 'SecurityProbeRole', {
    // A fixed name: the domain must trust this role before the run that creates and uses it.
    roleName: `cdk-opensearch-lifecycle-integ-security-probe-${assertionStack.region}`,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
  });
  // The security plugin's REST API of the secured domain only: reads, and the patch probe.
  probeRole.addToPolicy(
    new iam.PolicyStatement({
      actions: ['es:ESHttpGet', 'es:ESHttpPatch'],
      resources: [`${securedDomainArn(assertionStack)}/_plugins/_security/api/*`],
    }),
  );
  new CfnOutput(assertionStack, 'SecurityProbeRoleArn', {
    value: probeRole.roleArn,
    description: 'Map this role to security_manager on the secured domain (or make it the master user) before the run',
  });
  const probeFunction = new lambda.Function(assertionStack, 'SecurityProbe', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline(SECURITY_PROBE_HANDLER_SOURCE),
    role: probeRole,
    // Two requests of up to 10 s each, asked again for up to 45 s: well inside the assertion
    // provider's own 120 s, which waits for this answer.
    timeout: Duration.seconds(90),
    environment: { DOMAIN_ENDPOINT_HOST: checkDomainEndpoint(securedDomainEndpoint, 'securedDomainEndpoint') },
  });
  const probe = (check: 'deployed' | 'patch-test' | 'deleted') =>
    integ.assertions.invokeFunction({
      functionName: probeFunction.functionName,
      payload: JSON.stringify({
        check,
        roleName: PROBE_ROLE_NAME,
        backendRoles: [probeBackendRole(assertionStack)],
        users: [PROBE_USER],
        emulatorDefault: EMULATOR_PATCH_TEST_DEFAULT,
      }),
    });

  // 1. The role and its mapping, as the stack under test left them.
  const securityDeployed = probe('deployed').expect(
    ExpectedResult.objectLike({
      Payload: Match.serializedJson(
        Match.objectLike({
          role: Match.objectLike({ status: 200, index_patterns: Match.arrayWith([PROBE_INDEX_PATTERN]) }),
          mapping: Match.objectLike({
            status: 200,
            backend_roles: Match.arrayWith([probeBackendRole(assertionStack)]),
            users: Match.arrayWith([PROBE_USER]),
          }),
        }),
      ),
    }),
  );

  // 2. JSON Patch `test`: either answer passes (the handler copes with both); the output records which.
  const patchTestProbe = probe('patch-test').assertAtPath('Payload.patchTest', ExpectedResult.stringLikeRegexp('^(accepted|refused)$'));
  new CfnOutput(assertionStack, 'SecurityProbeJsonPatchTest', {
    value: patchTestProbe.getAttString('Payload.finding'),
    description:
      'Whether the security plugin took a JSON Patch test on a role mapping, beside the emulator default (docs/aws-assumptions.md)',
  });

  // 3. After the deletion: the role is gone and the mapping holds none of the probe's members.
  // Waited for beside the connection and package waits: it follows the deleteStack call only.
  const securityGone = probe('deleted')
    .expect(
      ExpectedResult.objectLike({
        Payload: Match.serializedJson(
          Match.objectLike({ role: Match.objectLike({ status: 404 }), mapping: Match.objectLike({ probeMembersLeft: [] }) }),
        ),
      }),
    )
    .waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) });

  securityDeployed.next(patchTestProbe).next(deleteStackUnderTest).next(securityGone);
}

// ---------------------------------------------------------------- probes of what AWS does not document

const PACKAGE_WAIT = { totalTimeout: Duration.minutes(20), interval: Duration.seconds(20) };
const packageNamed = (name: string) => ({ Filters: [{ Name: 'PackageName', Value: [name] }] });

// The staging bucket's object, imported as it is: COPY_FAILED settles that the copy is needed.
const stagedFile = new s3assets.Asset(assertionStack, 'ProbeStagedFile', { path: SYNONYMS_FILE });
const stagedCreate = integ.assertions.awsApiCall('OpenSearch', 'createPackage', {
  PackageName: 'integ-probe-staging',
  PackageType: 'TXT-DICTIONARY',
  PackageSource: { S3BucketName: stagedFile.s3BucketName, S3Key: stagedFile.s3ObjectKey },
});
// The service reads the file with the caller's permissions.
stagedCreate.provider.addToRolePolicy({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [stagedFile.bucket.arnForObjects('*')] });
const stagedFailed = integ.assertions
  .awsApiCall('OpenSearch', 'describePackages', packageNamed('integ-probe-staging'))
  .expect(ExpectedResult.objectLike({ PackageDetailsList: [{ PackageName: 'integ-probe-staging', PackageStatus: 'COPY_FAILED' }] }))
  .waitForAssertions(PACKAGE_WAIT);
const stagedDeleted = integ.assertions.awsApiCall('OpenSearch', 'deletePackage', {
  PackageID: stagedCreate.getAttString('PackageDetails.PackageID'),
});
stagedCreate.next(stagedFailed).next(stagedDeleted);

// The version history's order: two versions, imported from SSE-S3 copies of two files.
const probeBucket = new s3.Bucket(assertionStack, 'ProbeFiles', {
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  removalPolicy: RemovalPolicy.DESTROY,
  autoDeleteObjects: true,
});
const copyInto = (key: string) => {
  const copy = integ.assertions.awsApiCall('S3', 'copyObject', {
    Bucket: probeBucket.bucketName,
    Key: key,
    CopySource: `${stagedFile.s3BucketName}/${stagedFile.s3ObjectKey}`,
    ServerSideEncryption: 'AES256',
  });
  copy.provider.addToRolePolicy({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [stagedFile.bucket.arnForObjects('*')] });
  copy.provider.addToRolePolicy({ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: [probeBucket.arnForObjects('*')] });
  return copy;
};
const firstFile = copyInto('history/v1.txt');
const secondFile = copyInto('history/v2.txt');
const historyCreate = integ.assertions.awsApiCall('OpenSearch', 'createPackage', {
  PackageName: 'integ-probe-history',
  PackageType: 'TXT-DICTIONARY',
  PackageSource: { S3BucketName: probeBucket.bucketName, S3Key: 'history/v1.txt' },
});
const historyId = historyCreate.getAttString('PackageDetails.PackageID');
const available = (version: string) =>
  integ.assertions
    .awsApiCall('OpenSearch', 'describePackages', packageNamed('integ-probe-history'))
    .expect(ExpectedResult.objectLike({ PackageDetailsList: [{ PackageStatus: 'AVAILABLE', AvailablePackageVersion: version }] }))
    .waitForAssertions(PACKAGE_WAIT);
const historyUpdate = integ.assertions.awsApiCall('OpenSearch', 'updatePackage', {
  PackageID: historyId,
  PackageSource: { S3BucketName: probeBucket.bucketName, S3Key: 'history/v2.txt' },
  CommitMessage: 'integ-probe second version',
});
const newestFirst = integ.assertions
  .awsApiCall('OpenSearch', 'getPackageVersionHistory', { PackageID: historyId })
  .expect(
    ExpectedResult.objectLike({ PackageVersionHistoryList: [{ PackageVersion: 'v2', CommitMessage: 'integ-probe second version' }] }),
  );
const historyDeleted = integ.assertions.awsApiCall('OpenSearch', 'deletePackage', { PackageID: historyId });
firstFile
  .next(secondFile)
  .next(historyCreate)
  .next(available('v1'))
  .next(historyUpdate)
  .next(available('v2'))
  .next(newestFirst)
  .next(historyDeleted);

// An outbound connection made without the local owner and Region, looked up by id at once.
const outboundCreate = integ.assertions.awsApiCall('OpenSearch', 'createOutboundConnection', {
  LocalDomainInfo: { AWSDomainInformation: { DomainName: packageDomainName } },
  RemoteDomainInfo: { AWSDomainInformation: { DomainName: destinationDomainName, OwnerId: stack.account, Region: stack.region } },
  ConnectionAlias: 'integ-probe',
  ConnectionMode: 'DIRECT',
});
const connectionId = outboundCreate.getAttString('ConnectionId');
const listedAtOnce = integ.assertions
  .awsApiCall('OpenSearch', 'describeOutboundConnections', { Filters: [{ Name: 'connection-id', Values: [connectionId] }] })
  .expect(ExpectedResult.objectLike({ Connections: [{ ConnectionId: connectionId }] }));
const outboundDeleted = integ.assertions.awsApiCall('OpenSearch', 'deleteOutboundConnection', { ConnectionId: connectionId });
outboundCreate.next(listedAtOnce).next(outboundDeleted);

// integ-tests-alpha grants each call's SDK name as an IAM action, so the copy probe's role gets
// `s3:CopyObject`, which IAM does not have (CopyObject is authorized as s3:GetObject on the source
// and s3:PutObject on the target, both granted above). cfn-lint's W3037 reports that action; it is
// skipped on that role only: the assertion provider's, whose construct id integ-tests-alpha fixes.
// The security API probe's invocations add `lambda:Invoke` the same way (beside the real
// `lambda:InvokeFunction`), and the waited one on the waiter's provider role: skipped there too,
// only when the probe is on, so that the default synthesis stays as it was.
const ROLES_WITH_SDK_NAMED_ACTIONS = [
  'SingletonFunction1488541a7b23466481b69b4408076b81',
  ...(securedDomainName !== '' ? ['SingletonFunction76b3e830a873425f8453eddd85c86925'] : []),
];
for (const role of assertionStack.node.findAll().filter(CfnResource.isCfnResource)) {
  if (role.cfnResourceType === 'AWS::IAM::Role' && ROLES_WITH_SDK_NAMED_ACTIONS.some((id) => role.node.path.includes(id))) {
    role.addMetadata('cfn-lint', { config: { ignore_checks: ['W3037'] } });
  }
}
