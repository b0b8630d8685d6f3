/**
 * Reads a cloud assembly (the `cdk.out` directory `cdk synth` or `app.synth()` writes): the
 * stack's template, its environment, and where each Lambda function's code is on disk.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  Metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Template {
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string; [key: string]: unknown }>;
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  [key: string]: unknown;
}

export interface StackEnvironment {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly urlSuffix: string;
}

export interface StackArtifact {
  /** Absolute path of the cloud assembly directory. */
  readonly cdkOut: string;
  readonly artifactId: string;
  /** The CloudFormation stack name (the artifact's `stackName`, else its id). */
  readonly stackName: string;
  readonly env: StackEnvironment;
  readonly template: Template;
  /** S3 object key of each file asset (`<hash>.zip`) → its staged directory or file. */
  readonly assetPaths: ReadonlyMap<string, string>;
}

/** Used when the stack is environment-agnostic (`aws://unknown-account/unknown-region`). */
export const DEFAULT_ACCOUNT = '111111111111';
export const DEFAULT_REGION = 'us-east-1';

interface ManifestArtifact {
  type: string;
  environment?: string;
  displayName?: string;
  properties?: { templateFile?: string; stackName?: string; file?: string };
}

interface AssetManifest {
  files?: Record<string, { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }>;
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${(error as Error).message}`);
  }
}

export function environmentOf(environment: string | undefined): StackEnvironment {
  const match = /^aws:\/\/([^/]+)\/(.+)$/.exec(environment ?? '');
  const account = match && /^\d{12}$/.test(match[1]) ? match[1] : DEFAULT_ACCOUNT;
  const region = match && !match[2].startsWith('unknown-') ? match[2] : DEFAULT_REGION;
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return { account, region, partition, urlSuffix: partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com' };
}

/**
 * Finds the stack by artifact id, stack name or display name. Nested assemblies (stages) are not
 * searched: pass the stage's own directory (`cdk.out/assembly-<Stage>`) instead.
 */
export function readStack(cdkOut: string, stackName: string): StackArtifact {
  const dir = path.resolve(cdkOut);
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(path.join(dir, 'manifest.json'));
  const artifacts = manifest.artifacts ?? {};
  const stacks = Object.entries(artifacts).filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack');
  const found = stacks.find(
    ([id, artifact]) => id === stackName || artifact.properties?.stackName === stackName || artifact.displayName === stackName,
  );
  if (!found) {
    throw new Error(`No stack ${stackName} in ${dir}; it has: ${stacks.map(([id]) => id).join(', ') || 'no stacks'}`);
  }
  const [artifactId, artifact] = found;
  const template = readJson<Template>(path.join(dir, artifact.properties?.templateFile ?? `${artifactId}.template.json`));
  template.Resources ??= {};
  return {
    cdkOut: dir,
    artifactId,
    stackName: artifact.properties?.stackName ?? artifactId,
    env: environmentOf(artifact.environment),
    template,
    assetPaths: readAssetPaths(dir, artifacts),
  };
}

function readAssetPaths(dir: string, artifacts: Record<string, ManifestArtifact>): Map<string, string> {
  const paths = new Map<string, string>();
  for (const artifact of Object.values(artifacts)) {
    const file = artifact.type === 'cdk:asset-manifest' ? artifact.properties?.file : undefined;
    if (!file || !fs.existsSync(path.join(dir, file))) continue;
    const assets = readJson<AssetManifest>(path.join(dir, file));
    for (const asset of Object.values(assets.files ?? {})) {
      if (!asset.source?.path) continue;
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (destination.objectKey) paths.set(destination.objectKey, path.join(dir, asset.source.path));
      }
    }
  }
  return paths;
}

/**
 * The directory holding a function's code, as Lambda would unpack it: the staged asset directory
 * for `Code.S3Key` (`<hash>.zip` → `cdk.out/asset.<hash>`), or for inline `Code.ZipFile` a
 * directory with `index.js` inside the cloud assembly (`cdk.out/local-deploy-inline/`), so that it
 * goes away with the assembly instead of piling up in the temp directory.
 */
export function codeDirectory(stack: StackArtifact, logicalId: string, code: { S3Key?: unknown; ZipFile?: unknown } | undefined): string {
  if (typeof code?.ZipFile === 'string') {
    const dir = path.join(stack.cdkOut, 'local-deploy-inline', `${stack.stackName}-${logicalId}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.js'), code.ZipFile);
    return dir;
  }
  const key = typeof code?.S3Key === 'string' ? code.S3Key : undefined;
  const candidates = [
    key ? stack.assetPaths.get(key) : undefined,
    key ? path.join(stack.cdkOut, `asset.${key.replace(/\.zip$/, '')}`) : undefined,
  ].filter((candidate): candidate is string => candidate !== undefined);
  for (const candidate of candidates) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isDirectory()) return candidate;
  }
  throw new Error(
    `Function ${logicalId}: no staged code directory for S3Key ${JSON.stringify(code?.S3Key)} in ${stack.cdkOut} ` +
      '(only directory assets and inline ZipFile code can be run locally)',
  );
}
