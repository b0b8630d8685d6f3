import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LifecycleProvider } from './private/lifecycle-provider';

/**
 * Settings of the one provider that serves every construct of this library in a stack.
 */
export interface OpenSearchLifecycleProviderOptions {
  /**
   * The VPC to run all five functions of the provider in: the library's onEvent and isComplete
   * handlers and the Provider framework's onEvent, isComplete and onTimeout functions.
   *
   * From the subnets chosen, the functions must reach over HTTPS the OpenSearch Service
   * configuration API (`es.<region>.amazonaws.com`), AWS Lambda, AWS Step Functions, AWS
   * CloudFormation and, for the responses to CloudFormation, Amazon S3: through a NAT gateway, or
   * through the matching VPC endpoints.
   *
   * @default - the functions run outside any VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in `vpc` the functions run. Public subnets are refused: a function there cannot reach
   * the internet. Only with `vpc`.
   *
   * @default - the VPC's private subnets with egress, else its isolated subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of all five functions; they must allow outbound HTTPS to the services
   * named under `vpc`. Only with `vpc`.
   *
   * @default - with `vpc`, one security group for all five functions that allows outbound HTTPS
   * (TCP 443) only, and no inbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * How long the provider's log groups keep their events: the handlers', the framework
   * functions' and the waiter state machine's.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The customer managed KMS key that encrypts the provider's log groups.
   *
   * When the key is defined in the app, its key policy gets a statement that lets CloudWatch Logs
   * of the stack's account and Region use it. An imported key's policy cannot be changed from
   * here: it must already allow `logs.<region>.amazonaws.com` to use the key (a synth warning
   * says so).
   *
   * @default - CloudWatch Logs encrypts the log groups with its own keys
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * Whether the Provider framework's waiter state machine logs its errors (level ERROR, without
   * execution data, which holds the presigned ResponseURL) to a log group of the provider.
   *
   * At level ERROR each poll of a resource that is not ready yet writes one short event (the
   * framework signals "not yet" with an error that the state machine retries): a few hundred
   * bytes every 10 seconds while a resource waits.
   *
   * @default true
   */
  readonly waiterLogging?: boolean;

  /**
   * Whether the Provider framework's waiter state machine sends traces to AWS X-Ray, as AWS
   * Control Tower's control CT.STEPFUNCTIONS.PR.2 requires.
   *
   * The framework has no setting for it: the library turns tracing on in the state machine's
   * template and allows the X-Ray actions to its role. The traces show only the retry loop that
   * invokes the isComplete function; the handlers' logs say what each poll saw.
   *
   * @default false
   */
  readonly waiterTracing?: boolean;

  /**
   * The runtime of the library's two functions (onEvent and isComplete), for organizations that
   * allow only approved runtimes: a Node.js runtime, Node.js 22 or newer.
   *
   * Without it, the functions run on the newest Node.js runtime that the app's aws-cdk-lib knows
   * (the highest `Runtime.NODEJS_<n>_X`, never older than `nodejs24.x`), chosen at each synth, so
   * that upgrading aws-cdk-lib moves them on. A pinned runtime older than that is reported by
   * cdk-nag's AwsSolutions-L1, which is then yours to acknowledge. The Provider framework's three
   * functions keep the runtime aws-cdk-lib chooses for them; it offers no setting.
   *
   * @default - the newest Node.js runtime of the installed aws-cdk-lib
   */
  readonly handlerRuntime?: lambda.Runtime;
}

/**
 * The provider behind every construct of this library: one per stack, made of two Lambda
 * functions wrapped by the aws-cdk-lib Provider framework (three more functions and a Step
 * Functions state machine that waits for the service).
 *
 * Each stack gets it with default settings when its first construct of this library is created.
 * To run it in a VPC, change how long its logs are kept, encrypt them with your own key,
 * change the waiter's logging or tracing, or pin its functions' runtime, call `OpenSearchLifecycleProvider.configure` once in that stack,
 * before the first construct of this library:
 *
 * ```ts fixture=stack
 * import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
 * import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
 * import { InboundConnectionDeletion, OpenSearchLifecycleProvider } from 'cdk-opensearch-lifecycle';
 *
 * declare const vpc: ec2.IVpc;
 * declare const key: kms.IKey;
 * OpenSearchLifecycleProvider.configure(this, { vpc, logEncryptionKey: key });
 * new InboundConnectionDeletion(this, 'DeleteConnection', { connectionId: 'cc-0123456789' });
 * ```
 *
 * The provider's resources keep their logical ids whether it is configured or not, so that
 * configuring an already deployed stack updates them in place.
 */
export class OpenSearchLifecycleProvider {
  /**
   * Creates the stack's provider with these settings.
   *
   * Fails when a construct of this library already created the stack's provider with default
   * settings (configure it first), or when it was configured before with other settings.
   * Configuring it again with the same settings does nothing.
   *
   * @param scope any construct of the stack
   * @param options the provider's settings
   */
  public static configure(scope: Construct, options: OpenSearchLifecycleProviderOptions = {}): void {
    LifecycleProvider.configure(scope, options);
  }

  /**
   * The IAM role the stack's provider runs as: the principal that SecurityRole and RoleMembership
   * sign their requests to a domain with. A domain with fine-grained access control lets it manage
   * roles when it is the master user, or mapped to the `security_manager` role.
   *
   * For a domain of the same app, name it as the master user:
   *
   * ```ts fixture=stack
   * import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
   * import { OpenSearchLifecycleProvider } from 'cdk-opensearch-lifecycle';
   *
   * new opensearch.Domain(this, 'Domain', {
   *   version: opensearch.EngineVersion.OPENSEARCH_2_11,
   *   fineGrainedAccessControl: { masterUserArn: OpenSearchLifecycleProvider.roleOf(this).roleArn },
   *   enforceHttps: true,
   *   nodeToNodeEncryption: true,
   *   encryptionAtRest: { enabled: true },
   * });
   * ```
   *
   * This creates the stack's provider with default settings when there is none yet: call
   * `configure` first if the provider needs other settings.
   *
   * @param scope any construct of the stack
   */
  public static roleOf(scope: Construct): iam.IRole {
    return LifecycleProvider.of(scope).handlerRole;
  }

  private constructor() {}
}
