/**
 * End-to-end helpers: synthesize purpose-built stacks into a temporary cloud assembly, start the
 * local deploy runner on a seeded emulator, and read what happened (events, requests, handler
 * invocations, the emulator's state).
 *
 * Needs the built handler bundle (assets/handler/index.js): `npm test` builds it first.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Domain, IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import type { SeedConnection, Timing, World } from '../../emulator';
import { LocalDeployment, type LocalDeploymentOptions, type StackEvent } from '../../tools/local-deploy';

// A hang guard, not a pace: the runner's clock is discrete-event, so outcomes do not depend on how
// fast the machine is, but every simulated poll costs two process starts of real time, and a
// loaded 2-core machine makes a long wait take minutes.
jest.setTimeout(300_000);

export const ENV = { account: '111111111111', region: 'us-east-1' };
export const CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export interface Synthesized<K extends string> {
  readonly cdkOut: string;
  readonly stackName: string;
  /** Construct id → the logical id of its custom resource. */
  readonly ids: Record<K, string>;
}

/**
 * Synthesizes one stack with `new App({ outdir })` + `app.synth()`. `build` returns the
 * constructs whose custom resource logical ids the test needs.
 */
export function synth<K extends string>(stackName: string, build: (stack: Stack) => Record<K, Construct>): Synthesized<K> {
  const cdkOut = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-cdk-out-'));
  tempDirs.push(cdkOut);
  const app = new App({ outdir: cdkOut });
  const stack = new Stack(app, stackName, { env: ENV });
  const constructs = build(stack);
  app.synth();
  return { cdkOut, stackName, ids: logicalIds(stack, constructs) };
}

/** The logical ids of the constructs' custom resources (their default child, `Resource`). */
export function logicalIds<K extends string>(stack: Stack, constructs: Record<K, Construct>): Record<K, string> {
  return Object.fromEntries(
    Object.entries<Construct>(constructs).map(([key, construct]) => {
      const resource = construct.node.defaultChild ?? construct;
      return [key, stack.getLogicalId(resource as CfnElement)];
    }),
  ) as Record<K, string>;
}

export function importedDomain(scope: Construct, name: string): IDomain {
  return Domain.fromDomainAttributes(scope, `Domain-${name}`, {
    domainArn: `arn:aws:es:${ENV.region}:${ENV.account}:domain/${name}`,
    domainEndpoint: `https://search-${name}-abc123.${ENV.region}.es.amazonaws.com`,
  });
}

export function inbound(
  connectionId: string,
  status: SeedConnection['status'],
  destination: string,
  source = 'remote-logs',
): SeedConnection {
  return {
    connectionId,
    status,
    source: { domainName: source, ownerId: '222222222222', region: 'eu-west-1' },
    destination: { domainName: destination },
  };
}

export interface Runner {
  readonly run: LocalDeployment;
  /** Every printed line (events and progress). */
  readonly lines: string[];
}

/** Starts a runner whose output is collected instead of printed; stop it with `run.stop()`. */
export async function startRunner(
  world: World,
  timing: Timing,
  timeCompression: number,
  onEvent?: (event: StackEvent) => void,
  options: Omit<LocalDeploymentOptions, 'world' | 'timing' | 'timeCompression' | 'log' | 'onEvent'> = {},
): Promise<Runner> {
  const lines: string[] = [];
  const run = await LocalDeployment.start({
    world,
    timing,
    timeCompression,
    log: (line) => lines.push(line),
    progressEveryMs: 1000,
    onEvent,
    ...options,
  });
  return { run, lines };
}

/** The statuses a resource went through, in order (of one stack, when several share logical ids). */
export function statuses(run: LocalDeployment, logicalId: string, stackName?: string): string[] {
  return run.events
    .filter((event) => event.logicalId === logicalId && (stackName === undefined || event.stackName === stackName))
    .map((event) => event.status);
}

export function lastEvent(run: LocalDeployment, logicalId: string, status: string, stackName?: string): StackEvent | undefined {
  return [...run.events]
    .reverse()
    .find(
      (event) => event.logicalId === logicalId && event.status === status && (stackName === undefined || event.stackName === stackName),
    );
}

/** Index of the first matching event (for ordering assertions). */
export function eventIndex(run: LocalDeployment, logicalId: string, status: string): number {
  return run.events.findIndex((event) => event.logicalId === logicalId && event.status === status);
}

/** The mutating service calls, as "RejectInboundConnection cc-1", "DissociatePackages dom [F1, F2]". */
export function mutatingCalls(run: LocalDeployment): string[] {
  return run.emulator.mutatingRequests().map((request) => {
    const body = request.body as
      { DomainName?: string; PackageList?: Array<string | { PackageID?: string }>; PackageName?: string; PackageID?: string } | undefined;
    if (request.operation === 'DissociatePackages' || request.operation === 'AssociatePackages')
      return `${request.operation} ${body?.DomainName} [${(body?.PackageList ?? []).map((p) => (typeof p === 'string' ? p : p.PackageID)).join(', ')}]`;
    if (request.operation === 'CreatePackage') return `CreatePackage ${body?.PackageName}`;
    if (request.operation === 'UpdatePackage') return `UpdatePackage ${body?.PackageID}`;
    if (request.operation === 'DeletePackage') return `DeletePackage ${request.path.split('/').pop()}`;
    if (request.operation.includes('VpcEndpoint')) {
      // The domain (Create: its ARN's name; Authorize/Revoke: the path), or the endpoint's id.
      const target = (request.body as { DomainArn?: string; VpcEndpointId?: string } | undefined)?.DomainArn?.split('/').pop();
      return `${request.operation} ${target ?? (request.body as { VpcEndpointId?: string } | undefined)?.VpcEndpointId ?? decodeURIComponent(request.path.split('/')[4] ?? '')}`;
    }
    if (request.path.startsWith('/domain-endpoints/'))
      return `${request.operation} ${decodeURIComponent(request.path.split('/').pop() ?? '')}`;
    const id = decodeURIComponent(request.path.split('/inboundConnection/')[1]?.split('/')[0] ?? '');
    return `${request.operation} ${id}`;
  });
}

/** The user handler invocations (our onEvent/isComplete), with their parsed events. */
export function handlerInvocations(
  run: LocalDeployment,
  entry: 'onEvent' | 'isComplete',
): Array<{ RequestType: string; LogicalResourceId: string }> {
  return run.invocations
    .filter((invocation) => invocation.handler === `index.${entry}`)
    .map((invocation) => JSON.parse(invocation.payload));
}

/** Proves that no ResponseURL secret reached any printed line or any function's logs. */
export function expectNoResponseUrlLeak(runner: Runner): void {
  const { run, lines } = runner;
  expect(run.maskedLines).toEqual([]);
  expect(lines.filter((line) => run.containsResponseUrlSecret(line))).toEqual([]);
  const leaking = run.invocations.filter((invocation) => invocation.logs.some((line) => run.containsResponseUrlSecret(line)));
  expect(leaking.map((invocation) => `${invocation.logicalId} ${invocation.handler}`)).toEqual([]);
}
