/**
 * Sections 1 and 2: what the constructs add to a stack, and how synth time grows with their count.
 *
 * Each stack holds N instances cycling through the three operations (reject a connection on
 * create, delete a connection on delete, dissociate packages on delete), each against its own
 * imported domain and connection id. The same N operations are also written with
 * AwsCustomResource, the way a user would today (see ../shared/reference/peers.md section 1b).
 *
 * Synthesis is in-process, into a temporary outdir, with the built-in CloudFormation validation
 * off and the two context values `cdk synth` sets by default (path metadata and version
 * reporting), so the templates are the ones the CLI would write.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Domain, IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import * as cr from 'aws-cdk-lib/custom-resources';
import { InboundConnectionDeletion, InboundConnectionRejection, PackageDissociation } from '../lib';
import { median, nowMs } from './stats';

export type Variant = 'library' | 'awsCustomResource';
export const VARIANTS: Variant[] = ['library', 'awsCustomResource'];

const ENV = { account: '111111111111', region: 'us-east-1' };
const STACK_NAME = 'BenchStack';

/** The package ids every PackageDissociation instance names (a dictionary and a plugin). */
const PACKAGE_IDS = ['F111111111', 'pkg-0a1b2c3d'];

export interface Footprint {
  variant: Variant;
  constructs: number;
  resources: number;
  customResources: number;
  lambdaFunctions: number;
  stateMachines: number;
  iamPolicies: number;
  templateBytes: number;
  /** The largest total of inline policy characters on one role (IAM allows 10,240), approximate. */
  largestRoleInlinePolicyChars: number;
}

function domain(stack: Stack, i: number): IDomain {
  const name = `bench-domain-${i}`;
  return Domain.fromDomainAttributes(stack, `Domain${i}`, {
    domainArn: `arn:aws:es:${ENV.region}:${ENV.account}:domain/${name}`,
    domainEndpoint: `https://search-${name}-abc123.${ENV.region}.es.amazonaws.com`,
  });
}

/** The connection id of instance i: 10+ characters, lower case, distinct. */
function connectionId(i: number): string {
  return `cc-bench-${String(i).padStart(6, '0')}`;
}

function addLibraryInstance(stack: Stack, i: number): void {
  const target = domain(stack, i);
  switch (i % 3) {
    case 0:
      new InboundConnectionRejection(stack, `Op${i}`, { connectionId: connectionId(i), domain: target });
      break;
    case 1:
      new InboundConnectionDeletion(stack, `Op${i}`, { connectionId: connectionId(i), domain: target });
      break;
    default:
      new PackageDissociation(stack, `Op${i}`, { domain: target, packageIds: PACKAGE_IDS });
  }
}

/** The same operation with AwsCustomResource, as peers.md section 1b writes it. */
function addAwsCustomResourceInstance(stack: Stack, i: number): void {
  const target = domain(stack, i);
  const id = connectionId(i);
  switch (i % 3) {
    case 0:
      new cr.AwsCustomResource(stack, `Op${i}`, {
        onCreate: {
          service: 'OpenSearch',
          action: 'RejectInboundConnection',
          parameters: { ConnectionId: id },
          physicalResourceId: cr.PhysicalResourceId.of(id),
          outputPaths: ['Connection.ConnectionStatus.StatusCode'],
        },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
        installLatestAwsSdk: false,
      });
      break;
    case 1:
      new cr.AwsCustomResource(stack, `Op${i}`, {
        onDelete: {
          service: 'OpenSearch',
          action: 'DeleteInboundConnection',
          parameters: { ConnectionId: id },
          ignoreErrorCodesMatching: 'ResourceNotFoundException',
        },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
        installLatestAwsSdk: false,
      });
      break;
    default:
      new cr.AwsCustomResource(stack, `Op${i}`, {
        onDelete: {
          service: 'OpenSearch',
          action: 'DissociatePackages',
          parameters: { DomainName: target.domainName, PackageList: PACKAGE_IDS },
        },
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({ actions: ['es:DissociatePackages'], resources: [target.domainArn] }),
        ]),
        installLatestAwsSdk: false,
      });
  }
}

/** Builds and synthesizes one stack; returns the template file's path. */
export function synthesize(variant: Variant, constructs: number, outdir: string): string {
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    // What `cdk synth` sets by default.
    context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:version-reporting': true },
  });
  const stack = new Stack(app, STACK_NAME, { env: ENV });
  const add = variant === 'library' ? addLibraryInstance : addAwsCustomResourceInstance;
  for (let i = 0; i < constructs; i++) add(stack, i);
  app.synth();
  return path.join(outdir, `${STACK_NAME}.template.json`);
}

interface TemplateResource {
  Type: string;
  Properties?: {
    PolicyDocument?: unknown;
    Policies?: Array<{ PolicyDocument?: unknown }>;
    Roles?: Array<string | { Ref?: string }>;
  };
}
type Template = { Resources: Record<string, TemplateResource> };

/** Characters of a policy document as IAM counts them (no whitespace), with tokens as rendered. */
function policyChars(document: unknown): number {
  return JSON.stringify(document).length;
}

function largestRoleInlinePolicyChars(template: Template): number {
  const perRole = new Map<string, number>();
  const add = (role: string, chars: number) => perRole.set(role, (perRole.get(role) ?? 0) + chars);
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of resource.Properties?.Policies ?? []) add(logicalId, policyChars(policy.PolicyDocument));
    }
    if (resource.Type === 'AWS::IAM::Policy') {
      for (const role of resource.Properties?.Roles ?? []) {
        const name = typeof role === 'string' ? role : (role.Ref ?? JSON.stringify(role));
        add(name, policyChars(resource.Properties?.PolicyDocument));
      }
    }
  }
  return Math.max(0, ...perRole.values());
}

export function measureTemplate(variant: Variant, constructs: number, templatePath: string): Footprint {
  const text = fs.readFileSync(templatePath, 'utf8');
  const template = JSON.parse(text) as Template;
  const resources = Object.values(template.Resources);
  const count = (predicate: (type: string) => boolean) => resources.filter((r) => predicate(r.Type)).length;
  return {
    variant,
    constructs,
    resources: resources.length,
    customResources: count((type) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource'),
    lambdaFunctions: count((type) => type === 'AWS::Lambda::Function'),
    stateMachines: count((type) => type === 'AWS::StepFunctions::StateMachine'),
    iamPolicies: count((type) => type === 'AWS::IAM::Policy' || type === 'AWS::IAM::ManagedPolicy'),
    templateBytes: Buffer.byteLength(text),
    largestRoleInlinePolicyChars: largestRoleInlinePolicyChars(template),
  };
}

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-opensearch-lifecycle-bench-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function footprints(counts: number[]): Footprint[] {
  const results: Footprint[] = [];
  for (const variant of VARIANTS) {
    for (const constructs of counts) {
      results.push(withTempDir((dir) => measureTemplate(variant, constructs, synthesize(variant, constructs, dir))));
    }
  }
  return results;
}

/** What each construct between two footprints of the same stack added: resources, custom resources and template bytes. */
export function growthPerConstruct(
  first: Footprint,
  last: Footprint,
): { resourcesPerConstruct: number; customResourcesPerConstruct: number; bytesPerConstruct: number } {
  const span = last.constructs - first.constructs;
  return {
    resourcesPerConstruct: (last.resources - first.resources) / span,
    customResourcesPerConstruct: (last.customResources - first.customResources) / span,
    bytesPerConstruct: (last.templateBytes - first.templateBytes) / span,
  };
}

export interface PerConstruct {
  variant: Variant;
  from: number;
  to: number;
  bytesPerConstruct: number;
  resourcesPerConstruct: number;
  customResourcesPerConstruct: number;
  lambdaFunctionsAdded: number;
}

/** What each construct beyond the first adds: (value@max − value@min) / (max − min). */
export function perConstruct(results: Footprint[]): PerConstruct[] {
  return VARIANTS.map((variant) => {
    const rows = results.filter((r) => r.variant === variant).sort((a, b) => a.constructs - b.constructs);
    const first = rows[0];
    const last = rows[rows.length - 1];
    return {
      variant,
      from: first.constructs,
      to: last.constructs,
      ...growthPerConstruct(first, last),
      lambdaFunctionsAdded: last.lambdaFunctions - first.lambdaFunctions,
    };
  });
}

export interface SynthTime {
  variant: Variant;
  /** 'in-process': construct tree + app.synth() in a warm process; 'fresh-process': a whole new node process. */
  mode: 'in-process' | 'fresh-process';
  small: number;
  large: number;
  repeats: number;
  smallMedianMs: number;
  largeMedianMs: number;
  ratio: number;
  smallSamplesMs: number[];
  largeSamplesMs: number[];
}

/**
 * Wall time of building the construct tree and `app.synth()` (template and asset staging written
 * to disk) in this, already warm, process, for `small` and `large` constructs, interleaved, after
 * one warm-up of each so that module loading and the asset hash cache are not charged to whichever
 * runs first.
 */
export function synthTimes(small: number, large: number, repeats: number): SynthTime[] {
  return VARIANTS.map((variant) => {
    const once = (constructs: number) =>
      withTempDir((dir) => {
        const start = nowMs();
        synthesize(variant, constructs, dir);
        return nowMs() - start;
      });
    return interleaved(variant, 'in-process', once, small, large, repeats);
  });
}

/** One discarded run of each size, then `repeats` of each, alternating which goes first. */
function interleaved(
  variant: Variant,
  mode: SynthTime['mode'],
  once: (constructs: number) => number,
  small: number,
  large: number,
  repeats: number,
): SynthTime {
  once(small);
  once(large);
  const smallSamplesMs: number[] = [];
  const largeSamplesMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    if (i % 2 === 0) {
      smallSamplesMs.push(once(small));
      largeSamplesMs.push(once(large));
    } else {
      largeSamplesMs.push(once(large));
      smallSamplesMs.push(once(small));
    }
  }
  const smallMedianMs = median(smallSamplesMs);
  const largeMedianMs = median(largeSamplesMs);
  return {
    variant,
    mode,
    small,
    large,
    repeats: smallSamplesMs.length,
    smallMedianMs,
    largeMedianMs,
    ratio: largeMedianMs / smallMedianMs,
    smallSamplesMs,
    largeSamplesMs,
  };
}

/**
 * Wall time of a whole `node` process that loads aws-cdk-lib and the library, builds the stack
 * and writes the cloud assembly (bench/synth-child.ts), as `cdk synth` runs an app: spawn to exit.
 * Interleaved like the in-process timing, after one discarded run of each.
 */
export function freshProcessSynthTimes(small: number, large: number, repeats: number): SynthTime[] {
  const child = path.join(__dirname, 'synth-child.ts');
  return VARIANTS.map((variant) => {
    const once = (constructs: number) => {
      const start = nowMs();
      const result = spawnSync(process.execPath, ['--import', 'tsx', child, variant, String(constructs)], {
        cwd: path.resolve(__dirname, '..'),
        encoding: 'utf8',
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
      });
      const elapsed = nowMs() - start;
      if (result.status !== 0) throw new Error(`bench: synth-child ${variant} ${constructs} failed: ${result.stderr}`);
      return elapsed;
    };
    return interleaved(variant, 'fresh-process', once, small, large, repeats);
  });
}
