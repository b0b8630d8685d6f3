/**
 * The CloudFormation part of the runner, for custom resources: Create / Update / Delete
 * requests in dependency order, replacement with cleanup Delete of the old physical id,
 * rollback after a failure, and the stack's event history.
 *
 * A request goes to the resource's ServiceToken (the Provider framework's onEvent function) as
 * an asynchronous Lambda invocation, like CloudFormation sends it; the answer is the first body
 * PUT to the request's ResponseURL, checked as CloudFormation would (response-check.ts), or a
 * failure when nothing arrives within the resource's ServiceTimeout (virtual time).
 */
import { randomBytes, randomUUID } from 'crypto';
import type { VirtualClock } from './clock';
import { readStack } from './assembly';
import type { CfnRequest, DeployResult, ResourceState, ResourceStatus, ResponseRecord, StackEvent, StackStatus } from './engine-types';
import type { EventLog } from './event-log';
import { dependentsOf, runGraph } from './graph';
import { canonicalJson, stringifyScalars } from './intrinsics';
import type { LambdaService } from './lambda-service';
import type { ResponseEndpoint } from './response-endpoint';
import { checkResponse } from './response-check';
import type { StepFunctionsService } from './sfn-service';
import { IamState, roleOf } from './iam';
import { POLICY_TYPES, StackModel, buildStackModel } from './stack-model';

export interface EngineDependencies {
  readonly clock: VirtualClock;
  readonly lambda: LambdaService;
  readonly sfn: StepFunctionsService;
  readonly endpoint: ResponseEndpoint;
  readonly eventLog: EventLog;
  readonly events: StackEvent[];
  readonly requests: CfnRequest[];
  readonly responses: ResponseRecord[];
  /** Aborted when the runner stops: every wait ends. */
  readonly signal: AbortSignal;
  /** Called synchronously with every event, before the engine goes on. */
  readonly onEvent?: (event: StackEvent) => void;
  /** The policies in force; the engine attaches and detaches them as it plays policy resources. */
  readonly iam: IamState;
}

/** What CloudFormation remembers about one stack. */
export interface StackRecord {
  readonly stackName: string;
  stackId: string;
  /** Whether the stack exists (created, not deleted or rolled back to nothing). */
  exists: boolean;
  /** The model of the template last deployed. */
  model?: StackModel;
  resources: Map<string, ResourceState>;
}

type Outcome =
  | { readonly ok: true; readonly physicalResourceId: string; readonly data: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string; readonly physicalResourceId?: string };

interface SendArgs {
  readonly stack: StackRecord;
  readonly requestType: CfnRequest['RequestType'];
  readonly logicalId: string;
  readonly resourceType: string;
  readonly properties: Record<string, unknown>;
  readonly oldProperties?: Record<string, unknown>;
  readonly physicalResourceId?: string;
  readonly serviceTimeoutSeconds: number;
  readonly attributesRead?: ReadonlySet<string>;
}

const DEFAULT_SERVICE_TIMEOUT_SECONDS = 3600;
const STACK_TYPE = 'AWS::CloudFormation::Stack';

/** ServiceTimeout as CloudFormation reads it: 1-3600 seconds, 3600 when absent. */
export function serviceTimeoutOf(properties: Record<string, unknown>): number {
  const value = Number(properties.ServiceTimeout);
  return Number.isInteger(value) && value >= 1 && value <= 3600 ? value : DEFAULT_SERVICE_TIMEOUT_SECONDS;
}

/** Collects what one stack operation did. */
class Operation {
  readonly failed = new Set<string>();
  constructor(
    private readonly engine: CloudFormationEngine,
    readonly stack: StackRecord,
  ) {}

  resource(logicalId: string, resourceType: string, status: ResourceStatus, physicalResourceId?: string, reason?: string): void {
    if (status.endsWith('_FAILED')) this.failed.add(logicalId);
    const { stackName, stackId } = this.stack;
    this.engine.emit({ stackName, stackId, logicalId, resourceType, status, physicalResourceId, reason });
  }

  stackStatus(status: StackStatus, reason?: string): void {
    const { stackName, stackId } = this.stack;
    this.engine.emit({ stackName, stackId, logicalId: stackName, resourceType: STACK_TYPE, status, physicalResourceId: stackId, reason });
  }

  result(status: StackStatus, outputs: Record<string, unknown> = {}): DeployResult {
    return { ok: this.failed.size === 0, failed: [...this.failed], status, outputs };
  }
}

interface DeleteItem {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly physicalResourceId: string;
  readonly properties: Record<string, unknown>;
  readonly dependsOn: readonly string[];
}

export class CloudFormationEngine {
  private readonly stacks = new Map<string, StackRecord>();
  /** Per stack: the end of its last operation. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: EngineDependencies) {}

  stack(stackName: string): StackRecord | undefined {
    return this.stacks.get(stackName);
  }

  emit(event: Omit<StackEvent, 'timestamp'>): void {
    const full: StackEvent = { timestamp: this.deps.clock.now(), ...event };
    this.deps.events.push(full);
    this.deps.eventLog.event(full);
    this.deps.onEvent?.(full);
  }

  /** Deploys the stack from a cloud assembly: Create on the first call, an update after. */
  deploy(cdkOut: string, stackName: string): Promise<DeployResult> {
    return this.serialize(stackName, () => this.runDeploy(cdkOut, stackName));
  }

  /** Deletes every played resource of the stack, dependents first. */
  destroy(stackName: string): Promise<DeployResult> {
    return this.serialize(stackName, () => this.runDestroy(stackName));
  }

  /**
   * One operation at a time per stack, like CloudFormation; stacks of different names (e.g. of
   * two accounts that wait on each other) deploy side by side.
   */
  private serialize<T>(stackName: string, operation: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(stackName) ?? Promise.resolve()).then(operation, operation);
    this.queues.set(
      stackName,
      next.catch(() => undefined),
    );
    return next;
  }

  private newStackId(stackName: string, region: string, account: string, partition: string): string {
    return `arn:${partition}:cloudformation:${region}:${account}:stack/${stackName}/${randomUUID()}`;
  }

  private renewedStackId(stack: StackRecord): string {
    const [, partition, , region, account] = stack.stackId.split(':');
    return this.newStackId(stack.stackName, region, account, partition);
  }

  // ---------------------------------------------------------------- deploy

  private async runDeploy(cdkOut: string, stackName: string): Promise<DeployResult> {
    const artifact = readStack(cdkOut, stackName);
    const { env } = artifact;
    let stack = this.stacks.get(artifact.stackName);
    if (!stack) {
      stack = {
        stackName: artifact.stackName,
        stackId: this.newStackId(artifact.stackName, env.region, env.account, env.partition),
        exists: false,
        resources: new Map(),
      };
      this.stacks.set(stack.stackName, stack);
    }
    const model = buildStackModel(artifact, stack.stackId);
    // The resources played in order: the custom resources, and the IAM policies (see iam.ts).
    const nodes = new Map<string, { type: string; properties: Record<string, unknown>; dependsOn: readonly string[] }>([
      ...model.played,
      ...model.policies,
    ]);
    // CloudFormation updates the functions and the state machine before the custom resources
    // that use them, so every request below runs the new code.
    this.deps.lambda.register(model.functions);
    this.deps.sfn.register(model.stateMachines);
    this.deps.eventLog.setColumns(
      [stack.stackName, ...nodes.keys(), ...stack.resources.keys()],
      [STACK_TYPE, ...[...nodes.values()].map((spec) => spec.type)],
    );
    for (const skipped of model.skipped) {
      this.deps.eventLog.line(`  (not played: ${skipped.logicalId} ${skipped.type}: ${skipped.reason})`);
    }

    const creating = !stack.exists;
    const op = new Operation(this, stack);
    op.stackStatus(creating ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS', 'User Initiated');

    const previous = stack.resources;
    const current = new Map(previous);
    const resolver = model.resolver((id) => current.get(id));
    const created = new Set<string>();
    const failedCreates = new Map<string, string | undefined>();
    const updated = new Set<string>();
    const failedUpdates = new Set<string>();
    const attempted = new Map<string, Record<string, unknown>>();
    const replaced = new Map<string, ResourceState>();
    const stateOf = (
      logicalId: string,
      properties: Record<string, unknown>,
      outcome: { physicalResourceId: string; data: Record<string, unknown> },
    ): ResourceState => ({
      logicalId,
      resourceType: nodes.get(logicalId)!.type,
      physicalResourceId: outcome.physicalResourceId,
      properties,
      data: outcome.data,
      dependsOn: nodes.get(logicalId)!.dependsOn,
      serviceTimeoutSeconds: serviceTimeoutOf(properties),
    });

    const forward = await runGraph(
      [...nodes.keys()],
      (id) => nodes.get(id)!.dependsOn,
      async (id) => {
        const spec = nodes.get(id)!;
        const prior = previous.get(id);
        const failStatus = prior ? 'UPDATE_FAILED' : 'CREATE_FAILED';
        let properties: Record<string, unknown>;
        try {
          properties = stringifyScalars(resolver.resolve(spec.properties) ?? {}) as Record<string, unknown>;
        } catch (error) {
          op.resource(id, spec.type, failStatus, prior?.physicalResourceId, (error as Error).message);
          if (prior) failedUpdates.add(id);
          return false;
        }
        const common = {
          stack: stack!,
          logicalId: id,
          resourceType: spec.type,
          properties,
          serviceTimeoutSeconds: serviceTimeoutOf(properties),
          attributesRead: model.attributesRead.get(id),
        };
        if (!prior) {
          op.resource(id, spec.type, 'CREATE_IN_PROGRESS');
          attempted.set(id, properties);
          const outcome = await this.send({ ...common, requestType: 'Create' });
          if (!outcome.ok) {
            failedCreates.set(id, outcome.physicalResourceId);
            op.resource(id, spec.type, 'CREATE_FAILED', outcome.physicalResourceId, outcome.reason);
            return false;
          }
          current.set(id, stateOf(id, properties, outcome));
          created.add(id);
          op.resource(id, spec.type, 'CREATE_COMPLETE', outcome.physicalResourceId);
          return true;
        }
        if (prior.resourceType !== spec.type) {
          op.resource(
            id,
            spec.type,
            'UPDATE_FAILED',
            prior.physicalResourceId,
            `Update of resource type is not permitted. The new template modifies resource type of the following resources: [${id}]`,
          );
          return false;
        }
        if (canonicalJson(prior.properties) === canonicalJson(properties)) {
          // Unchanged properties: CloudFormation sends nothing.
          current.set(id, { ...prior, dependsOn: spec.dependsOn });
          return true;
        }
        if (prior.properties.ServiceToken !== properties.ServiceToken) {
          op.resource(id, spec.type, 'UPDATE_FAILED', prior.physicalResourceId, 'Modifying service token is not allowed.');
          return false;
        }
        op.resource(id, spec.type, 'UPDATE_IN_PROGRESS', prior.physicalResourceId);
        attempted.set(id, properties);
        const outcome = await this.send({
          ...common,
          requestType: 'Update',
          oldProperties: prior.properties,
          physicalResourceId: prior.physicalResourceId,
        });
        if (!outcome.ok) {
          failedUpdates.add(id);
          op.resource(id, spec.type, 'UPDATE_FAILED', prior.physicalResourceId, outcome.reason);
          return false;
        }
        current.set(id, stateOf(id, properties, outcome));
        updated.add(id);
        const replacement = outcome.physicalResourceId !== prior.physicalResourceId;
        if (replacement) replaced.set(id, prior);
        op.resource(
          id,
          spec.type,
          'UPDATE_COMPLETE',
          outcome.physicalResourceId,
          replacement ? `replaced ${prior.physicalResourceId}` : undefined,
        );
        return true;
      },
      { stopOnFailure: true },
    );

    if (forward.failed.size === 0) {
      if (!creating) {
        op.stackStatus('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
        const removed = [...previous.values()].filter((state) => !nodes.has(state.logicalId));
        // A failed cleanup Delete is reported, but CloudFormation still completes the update and
        // abandons the resource: it is dropped from the stack either way.
        await this.deleteAll(op, [...removed, ...replaced.values()]);
        for (const state of removed) current.delete(state.logicalId);
      }
      stack.model = model;
      stack.resources = current;
      stack.exists = true;
      const status: StackStatus = creating ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
      op.stackStatus(status);
      return op.result(status, this.outputs(model, current));
    }

    const failedList = (ids: Iterable<string>) => [...ids].join(', ');
    const createdItems = (): DeleteItem[] => [
      ...[...created].map((id) => current.get(id)!),
      ...[...failedCreates].map(([id, physicalResourceId]) => ({
        logicalId: id,
        resourceType: nodes.get(id)!.type,
        // Nothing readable came back: CloudFormation deletes under an id it makes up.
        physicalResourceId: physicalResourceId ?? this.inventedPhysicalId(stack!.stackName, id),
        properties: attempted.get(id)!,
        dependsOn: nodes.get(id)!.dependsOn,
      })),
    ];

    if (creating) {
      op.stackStatus(
        'ROLLBACK_IN_PROGRESS',
        `The following resource(s) failed to create: [${failedList(forward.failed)}]. Rollback requested by user.`,
      );
      const leftovers = await this.deleteAll(op, createdItems());
      stack.resources = new Map(
        leftovers.map((item) => [
          item.logicalId,
          current.get(item.logicalId) ?? { ...item, data: {}, serviceTimeoutSeconds: serviceTimeoutOf(item.properties) },
        ]),
      );
      stack.exists = leftovers.length > 0;
      const status: StackStatus = leftovers.length > 0 ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE';
      op.stackStatus(status);
      // A stack in ROLLBACK_COMPLETE can only be deleted; deploying again makes a new stack.
      if (status === 'ROLLBACK_COMPLETE') stack.stackId = this.renewedStackId(stack);
      return op.result(status);
    }

    const reasons = [
      failedCreates.size > 0 ? `The following resource(s) failed to create: [${failedList(failedCreates.keys())}].` : '',
      forward.failed.size > failedCreates.size
        ? `The following resource(s) failed to update: [${failedList([...forward.failed].filter((id) => !failedCreates.has(id)))}].`
        : '',
    ];
    op.stackStatus('UPDATE_ROLLBACK_IN_PROGRESS', reasons.filter(Boolean).join(' '));

    // Every resource that was sent an Update gets one back, with old and new swapped.
    const rollbackIds = [...updated, ...failedUpdates].filter((id) => attempted.has(id));
    const rollbackLeftovers: DeleteItem[] = [];
    const rollback = await runGraph(
      rollbackIds,
      dependentsOf(rollbackIds, (id) => nodes.get(id)!.dependsOn),
      async (id) => {
        const prior = previous.get(id)!;
        const sentPhysicalId = current.get(id)!.physicalResourceId;
        op.resource(id, prior.resourceType, 'UPDATE_IN_PROGRESS', sentPhysicalId);
        const outcome = await this.send({
          stack: stack!,
          requestType: 'Update',
          logicalId: id,
          resourceType: prior.resourceType,
          properties: prior.properties,
          oldProperties: attempted.get(id),
          physicalResourceId: sentPhysicalId,
          serviceTimeoutSeconds: prior.serviceTimeoutSeconds,
          attributesRead: stack!.model?.attributesRead.get(id),
        });
        if (!outcome.ok) {
          op.resource(id, prior.resourceType, 'UPDATE_FAILED', sentPhysicalId, outcome.reason);
          return false;
        }
        if (outcome.physicalResourceId !== sentPhysicalId) {
          rollbackLeftovers.push({ ...current.get(id)!, properties: attempted.get(id)! });
        }
        current.set(id, { ...prior, physicalResourceId: outcome.physicalResourceId, data: outcome.data });
        op.resource(id, prior.resourceType, 'UPDATE_COMPLETE', outcome.physicalResourceId);
        return true;
      },
      { stopOnFailure: true },
    );
    if (rollback.failed.size > 0 || rollback.skipped.size > 0) {
      stack.resources = current;
      op.stackStatus('UPDATE_ROLLBACK_FAILED');
      return op.result('UPDATE_ROLLBACK_FAILED');
    }
    // The rollback also puts the functions and the state machine back, after the custom resources.
    if (stack.model) {
      this.deps.lambda.register(stack.model.functions);
      this.deps.sfn.register(stack.model.stateMachines);
    }
    op.stackStatus('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await this.deleteAll(op, [...createdItems(), ...rollbackLeftovers]);
    for (const id of [...created, ...failedCreates.keys()]) current.delete(id);
    stack.resources = current;
    op.stackStatus('UPDATE_ROLLBACK_COMPLETE');
    return op.result('UPDATE_ROLLBACK_COMPLETE');
  }

  // ---------------------------------------------------------------- destroy

  private async runDestroy(stackName: string): Promise<DeployResult> {
    const stack = this.stacks.get(stackName);
    if (!stack || !stack.exists) throw new Error(`Stack ${stackName} is not deployed`);
    const op = new Operation(this, stack);
    op.stackStatus('DELETE_IN_PROGRESS', 'User Initiated');
    const leftovers = await this.deleteAll(op, [...stack.resources.values()]);
    if (leftovers.length > 0) {
      stack.resources = new Map(leftovers.map((item) => [item.logicalId, stack.resources.get(item.logicalId)!]));
      op.stackStatus(
        'DELETE_FAILED',
        `The following resource(s) failed to delete: [${leftovers.map((item) => item.logicalId).join(', ')}]. `,
      );
      return op.result('DELETE_FAILED');
    }
    stack.resources = new Map();
    stack.exists = false;
    op.stackStatus('DELETE_COMPLETE');
    // A stack created again under the same name is a new stack, with a new id.
    stack.stackId = this.renewedStackId(stack);
    return op.result('DELETE_COMPLETE');
  }

  /** Deletes the items, dependents first; returns the ones that could not be deleted. */
  private async deleteAll(op: Operation, items: DeleteItem[]): Promise<DeleteItem[]> {
    const byId = new Map(items.map((item) => [item.logicalId, item]));
    const ids = [...byId.keys()];
    const outcome = await runGraph(
      ids,
      dependentsOf(ids, (id) => byId.get(id)!.dependsOn),
      async (id) => {
        const item = byId.get(id)!;
        op.resource(id, item.resourceType, 'DELETE_IN_PROGRESS', item.physicalResourceId);
        const result = await this.send({
          stack: op.stack,
          requestType: 'Delete',
          logicalId: id,
          resourceType: item.resourceType,
          properties: item.properties,
          physicalResourceId: item.physicalResourceId,
          serviceTimeoutSeconds: serviceTimeoutOf(item.properties),
        });
        op.resource(
          id,
          item.resourceType,
          result.ok ? 'DELETE_COMPLETE' : 'DELETE_FAILED',
          item.physicalResourceId,
          result.ok ? undefined : result.reason,
        );
        return result.ok;
      },
      { stopOnFailure: false },
    );
    return items.filter((item) => !outcome.succeeded.has(item.logicalId));
  }

  /**
   * A policy resource, as IAM applies it at once: Create and Update attach the document to the
   * roles it names (an update replaces what the same physical policy granted), Delete detaches it.
   * The roles are named by Ref (their physical names); a policy that names none attaches nothing.
   */
  private async playPolicy(args: SendArgs): Promise<Outcome> {
    const [, partition, , , account] = args.stack.stackId.split(':');
    const physicalResourceId = policyPhysicalId(args, account, partition);
    const key = (physicalId: string) => `${args.stack.stackName}/${args.logicalId}/${physicalId}`;
    if (args.requestType === 'Delete') {
      this.deps.iam.remove(key(args.physicalResourceId!));
      return { ok: true, physicalResourceId: args.physicalResourceId!, data: {} };
    }
    const roles = ((args.properties.Roles as unknown[] | undefined) ?? []).map((role) =>
      String(role).startsWith('arn:') ? roleOf(String(role)).name : String(role),
    );
    this.deps.iam.put({
      key: key(physicalResourceId),
      name: policyName(args),
      account,
      roles,
      document: args.properties.PolicyDocument as { Statement: unknown },
    });
    return { ok: true, physicalResourceId, data: {} };
  }

  private inventedPhysicalId(stackName: string, logicalId: string): string {
    const suffix = randomBytes(8).toString('hex').toUpperCase().slice(0, 12);
    return `${stackName}-${logicalId}-${suffix}`;
  }

  private outputs(model: StackModel, current: Map<string, ResourceState>): Record<string, unknown> {
    const resolver = model.resolver((id) => current.get(id));
    const outputs: Record<string, unknown> = {};
    for (const [name, output] of Object.entries(model.artifact.template.Outputs ?? {})) {
      try {
        if (output.Condition && !resolver.condition(output.Condition)) continue;
        outputs[name] = resolver.resolve(output.Value);
      } catch (error) {
        outputs[name] = `(unresolved: ${(error as Error).message})`;
      }
    }
    return outputs;
  }

  // ---------------------------------------------------------------- one request

  /** Sends one request to the resource's ServiceToken and waits for its answer. */
  private async send(args: SendArgs): Promise<Outcome> {
    if (POLICY_TYPES.has(args.resourceType)) return this.playPolicy(args);
    const { clock, lambda, endpoint, eventLog, signal } = this.deps;
    const { stack, logicalId } = args;
    const requestId = randomUUID();
    const serviceToken = String(args.properties.ServiceToken);
    const region = stack.stackId.split(':')[3];
    let settle!: (outcome: Outcome) => void;
    const answered = new Promise<Outcome>((resolve) => (settle = resolve));
    let state: 'waiting' | 'answered' | 'timed-out' = 'waiting';

    const request: CfnRequest = {
      RequestType: args.requestType,
      ServiceToken: serviceToken,
      ResponseURL: endpoint.issue(stack.stackId, logicalId, requestId, region, (put) => {
        const parsed = tryParse(put.raw);
        const base = { request, raw: put.raw, parsed, receivedAt: clock.now(), signatureValid: put.signatureValid };
        if (!put.signatureValid) return this.deps.responses.push({ ...base, role: 'rejected' });
        if (state !== 'waiting') return this.deps.responses.push({ ...base, role: state === 'answered' ? 'repeat' : 'late' });
        state = 'answered';
        const verdict = checkResponse(put.raw, request, args.attributesRead);
        this.deps.responses.push({ ...base, role: 'answer', verdict: verdict.ok ? { ok: true } : { ok: false, reason: verdict.reason } });
        if (!verdict.ok) return settle({ ok: false, reason: verdict.reason, physicalResourceId: verdict.physicalResourceId });
        const response = verdict.response;
        settle(
          response.Status === 'SUCCESS'
            ? { ok: true, physicalResourceId: response.PhysicalResourceId, data: response.Data ?? {} }
            : {
                ok: false,
                // CloudFormation's wording for a FAILED answer, as shown in the stack events.
                reason: `Received response status [FAILED] from custom resource. Message returned: ${response.Reason} (RequestId: ${requestId})`,
                physicalResourceId: response.PhysicalResourceId,
              },
        );
      }),
      StackId: stack.stackId,
      RequestId: requestId,
      LogicalResourceId: logicalId,
      ResourceType: args.resourceType,
      ...(args.physicalResourceId !== undefined ? { PhysicalResourceId: args.physicalResourceId } : {}),
      ResourceProperties: args.properties,
      ...(args.oldProperties !== undefined ? { OldResourceProperties: args.oldProperties } : {}),
    };
    this.deps.requests.push(request);

    const fn = lambda.find(serviceToken);
    if (!fn) {
      return { ok: false, reason: `Invalid service token: no function ${serviceToken} in this stack` };
    }
    const doneWaiting = eventLog.startWaiting(logicalId, clock.now());
    // Ends the ServiceTimeout sleep as soon as the request is settled, or the runner stops.
    const waitEnd = new AbortController();
    const stop = () => waitEnd.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      lambda.invokeAsync(serviceToken, JSON.stringify(request));
      const timeout = clock.sleep(args.serviceTimeoutSeconds * 1000, waitEnd.signal).then((): Outcome => {
        if (state === 'waiting') state = 'timed-out';
        return signal.aborted
          ? { ok: false, reason: 'The local deploy runner was stopped before a response arrived.' }
          : {
              ok: false,
              reason:
                `CloudFormation did not receive a response from your Custom Resource. Please check your logs for requestId [${requestId}]. ` +
                'If you are using the Python cfn-response module, you may need to update your Lambda function code so that CloudFormation can attach the updated version.',
            };
      });
      return await Promise.race([answered, timeout]);
    } finally {
      signal.removeEventListener('abort', stop);
      waitEnd.abort();
      doneWaiting();
    }
  }
}

/** The policies in force from now on: attached at Create and Update, detached at Delete (physical ids as IAM names them). */
function policyPhysicalId(args: SendArgs, account: string, partition: string): string {
  if (args.physicalResourceId !== undefined && args.requestType !== 'Create') {
    // An AWS::IAM::Policy renamed is a new inline policy; a managed policy keeps its ARN.
    if (args.resourceType === 'AWS::IAM::ManagedPolicy' || args.physicalResourceId === policyName(args)) return args.physicalResourceId;
  }
  return args.resourceType === 'AWS::IAM::ManagedPolicy'
    ? `arn:${partition}:iam::${account}:policy/${args.stack.stackName}-${args.logicalId}-${randomBytes(6).toString('hex').toUpperCase()}`
    : policyName(args);
}

function policyName(args: SendArgs): string {
  return String(args.properties.PolicyName ?? args.logicalId);
}

function tryParse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
