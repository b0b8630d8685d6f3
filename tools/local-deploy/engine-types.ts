/** Shapes shared by the CloudFormation engine, the runner's API and the tests. */

/** The request CloudFormation sends a custom resource's ServiceToken. */
export interface CfnRequest {
  RequestType: 'Create' | 'Update' | 'Delete';
  ServiceToken: string;
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  ResourceType: string;
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
}

export type ResourceStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED';

export type StackStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_COMPLETE'
  | 'ROLLBACK_FAILED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_FAILED'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE'
  | 'UPDATE_ROLLBACK_FAILED'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED';

/** One line of the stack's event history, like DescribeStackEvents. */
export interface StackEvent {
  /** Virtual epoch milliseconds. */
  readonly timestamp: number;
  readonly stackName: string;
  /** The stack's id, which tells a stack from an earlier one of the same name. */
  readonly stackId: string;
  readonly logicalId: string;
  readonly physicalResourceId?: string;
  /** `AWS::CloudFormation::Stack` for the stack's own events. */
  readonly resourceType: string;
  readonly status: ResourceStatus | StackStatus;
  readonly reason?: string;
}

/** Every body PUT to a ResponseURL, with the request it answers. */
export interface ResponseRecord {
  readonly request: CfnRequest;
  readonly raw: string;
  /** undefined when the body is not JSON. */
  readonly parsed?: unknown;
  /** Virtual epoch milliseconds. */
  readonly receivedAt: number;
  readonly signatureValid: boolean;
  /**
   * `answer`: the body CloudFormation took as the answer; `late`: arrived after the request had
   * timed out; `repeat`: a later PUT to an already answered URL; `rejected`: bad signature.
   */
  readonly role: 'answer' | 'late' | 'repeat' | 'rejected';
  /** For the answer: what CloudFormation made of it. */
  readonly verdict?: { readonly ok: boolean; readonly reason?: string };
}

/** A deployed custom resource, as CloudFormation remembers it. */
export interface ResourceState {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly physicalResourceId: string;
  /** ResourceProperties as last sent (resolved, scalars stringified, ServiceToken included). */
  readonly properties: Record<string, unknown>;
  /** The Data of the last successful response. */
  readonly data: Record<string, unknown>;
  /** Played resources this one depends on, in the template it was deployed with. */
  readonly dependsOn: readonly string[];
  /** ServiceTimeout in seconds. */
  readonly serviceTimeoutSeconds: number;
}

export interface DeployResult {
  /** False when any resource ended FAILED (a failed cleanup Delete included). */
  readonly ok: boolean;
  /** Logical ids of the resources that had a *_FAILED event in this operation. */
  readonly failed: string[];
  /** The stack's final status. */
  readonly status: StackStatus;
  /** The template's Outputs, resolved, when the stack is deployed. */
  readonly outputs: Record<string, unknown>;
}
