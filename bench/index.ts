/**
 * `npm run bench` (full) and `npm run bench:ci` (small sizes and repeats, for CI): prints one
 * table and writes the same figures as JSON to bench/results.json. Needs `npm run build` first
 * (both scripts run it): the bench measures the built library (lib/*.js) and the shipped handler
 * bundle (assets/handler/index.js).
 *
 * Not a test: nothing here fails on a timing. The exit code is non-zero only when the bench itself
 * breaks.
 */
import './env';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiCallResult, QUERY_INTERVAL_MS, apiCalls, scenarios } from './api-calls';
import { BundleResult, ROOT, makeTempDir, measureBundles } from './bundle';
import { connectionRows, measureConnections } from './connections';
import { measureVpcEndpoints, vpcEndpointRows } from './vpc-endpoints';
import { Footprint, PerConstruct, SynthTime, footprints, freshProcessSynthTimes, perConstruct, synthTimes } from './footprint';
import { LatencyResult, latencyRows, measureLatency } from './latency';
import { PackageFootprint, packageFootprints } from './package-footprint';
import { RolePolicies, rolePolicies } from './role-policies';
import { DOMAIN_POLICY_BUCKETS } from '../lib/private/grants';
import { SecurityFootprint, securityFootprints } from './security-footprint';
import { int, kb, ms, nowMs, ratio, round } from './stats';
import { Row, renderTable } from './table';

interface Config {
  mode: 'full' | 'ci';
  footprintCounts: number[];
  synthSmall: number;
  synthLarge: number;
  synthRepeats: number;
  freshSynthRepeats: number;
  bundleRuns: number;
  settleMs: number;
  packageCounts: number[];
  /** A long wait (a plugin's blue/green dissociation), to show the poll bound holds at scale. */
  longSettleMs?: number;
  latencyRepeats: number;
}

const FULL: Config = {
  mode: 'full',
  footprintCounts: [1, 10, 200],
  synthSmall: 1,
  synthLarge: 200,
  synthRepeats: 9,
  freshSynthRepeats: 7,
  bundleRuns: 21,
  settleMs: 25_000,
  packageCounts: [1, 10, 20],
  longSettleMs: 10 * 60_000,
  latencyRepeats: 5,
};

const CI: Config = {
  mode: 'ci',
  footprintCounts: [1, 10, 50],
  synthSmall: 1,
  synthLarge: 50,
  synthRepeats: 3,
  freshSynthRepeats: 3,
  bundleRuns: 5,
  settleMs: 25_000,
  packageCounts: [1, 20],
  latencyRepeats: 1,
};

const KB = 1024;
// 1 MB since the OpenSearch client joined the bundle for the security API (issue 22).
const BUNDLE_TARGET_BYTES = 1024 * KB;
const COLD_START_TARGET_MS = 150;
const SYNTH_RATIO_TARGET = 1.5;
const BYTES_PER_CONSTRUCT_TARGET = 1 * KB;
/** Issue 14's target for each extra Package or PackageAssociation. */
const PACKAGE_BYTES_PER_CONSTRUCT_TARGET = 600;
/** IAM's limit on the inline policies of one role, in characters (whitespace not counted). */
const IAM_INLINE_POLICY_LIMIT = 10_240;
/** The kinds of construct the footprint stacks cycle through (footprint.ts): one policy each. */
const BENCH_KINDS = 3;

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

// ---------------------------------------------------------------- rows

const ACR = 'AwsCustomResource';

function footprintRows(results: Footprint[], per: PerConstruct[]): Row[] {
  const rows: Row[] = [];
  const ours = results.filter((r) => r.variant === 'library');
  const theirs = (constructs: number) => results.find((r) => r.variant === 'awsCustomResource' && r.constructs === constructs)!;
  const lambdaCounts = new Set(ours.map((r) => r.lambdaFunctions));
  const stateMachineCounts = new Set(ours.map((r) => r.stateMachines));
  for (const r of ours) {
    const peer = theirs(r.constructs);
    rows.push({
      section: '1 footprint',
      measure: `${r.constructs} construct${r.constructs === 1 ? '' : 's'}: resources / template bytes / Lambdas`,
      value: `${r.resources} / ${int(r.templateBytes)} / ${r.lambdaFunctions}`,
      comparison: `${ACR} ${peer.resources} / ${int(peer.templateBytes)} / ${peer.lambdaFunctions} (bytes ${ratio(r.templateBytes / peer.templateBytes)})`,
      target: '',
    });
  }
  const mine = per.find((p) => p.variant === 'library')!;
  const peer = per.find((p) => p.variant === 'awsCustomResource')!;
  const counts = ours.map((r) => r.constructs).join(' / ');
  rows.push({
    section: '1 footprint',
    measure: `providers (waiter state machines) at ${counts}`,
    value: ours.map((r) => r.stateMachines).join(' / '),
    comparison: `${ACR}: one singleton Lambda, no waiter`,
    target: '1 per stack',
    met: stateMachineCounts.size === 1 && stateMachineCounts.has(1),
  });
  rows.push({
    section: '1 footprint',
    measure: `Lambda functions added, ${mine.from} → ${mine.to} constructs`,
    value: `${mine.lambdaFunctionsAdded} (${[...lambdaCounts].join(', ')} at every count)`,
    comparison: `${ACR} ${peer.lambdaFunctionsAdded}`,
    target: '0',
    met: mine.lambdaFunctionsAdded === 0 && lambdaCounts.size === 1,
  });
  rows.push({
    section: '1 footprint',
    measure: 'resources / custom resources per extra construct',
    value: `${round(mine.resourcesPerConstruct)} / ${round(mine.customResourcesPerConstruct)}`,
    comparison: `${ACR} ${round(peer.resourcesPerConstruct)} / ${round(peer.customResourcesPerConstruct)} (+1 IAM policy each)`,
    // Besides its custom resource, a construct may bring its kind's policy (one per kind) or a
    // domain policy (at most DOMAIN_POLICY_BUCKETS): bounded, whatever the count.
    target: `1 custom resource (+ ≤ 1 policy per kind, ≤ ${DOMAIN_POLICY_BUCKETS} for the domains)`,
    met:
      mine.customResourcesPerConstruct === 1 &&
      (mine.resourcesPerConstruct - 1) * (mine.to - mine.from) <= BENCH_KINDS + DOMAIN_POLICY_BUCKETS,
  });
  rows.push({
    section: '1 footprint',
    measure: `template bytes per extra construct, ${mine.from} → ${mine.to}`,
    value: int(mine.bytesPerConstruct),
    comparison: `${ACR} ${int(peer.bytesPerConstruct)} (${ratio(mine.bytesPerConstruct / peer.bytesPerConstruct)})`,
    target: `≤ ${int(BYTES_PER_CONSTRUCT_TARGET)}`,
    met: mine.bytesPerConstruct <= BYTES_PER_CONSTRUCT_TARGET,
  });
  const largest = ours[ours.length - 1];
  const peerLargest = theirs(largest.constructs);
  const over = peerLargest.largestRoleInlinePolicyChars > IAM_INLINE_POLICY_LIMIT;
  rows.push({
    section: '1 footprint',
    measure: `inline policy chars on one role, ${largest.constructs} constructs`,
    value: int(largest.largestRoleInlinePolicyChars),
    comparison: `${ACR} ${int(peerLargest.largestRoleInlinePolicyChars)}${over ? `: over IAM's ${int(IAM_INLINE_POLICY_LIMIT)}` : ''}`,
    target: '',
  });
  return rows;
}

/** What the old layout (one policy rebuilt from the template's constructs, before the grant layout) measured, for comparison. */
const ROLE_POLICIES_BEFORE: Record<string, string> = {
  '200/10': 'one policy: 1 inline / 1,175 chars; 0 managed',
  '200/200': 'one policy: 1 inline / 8,561 chars; 2 overflow managed, largest 5,000',
};

function rolePolicyRows(results: RolePolicies[]): Row[] {
  return results.map((r) => ({
    section: '1 footprint',
    measure: `handler role, ${r.constructs} PackageDissociation on ${r.domains} domains: inline policies / chars; managed policies / largest chars`,
    value: r.refused
      ? `refused at synth: ${r.refused.slice(0, 60)}…`
      : `${r.inlinePolicies} / ${int(r.inlineChars)}; ${r.managedPolicies} / ${int(r.largestManagedChars)}`,
    comparison: ROLE_POLICIES_BEFORE[`${r.constructs}/${r.domains}`] ?? '',
    target: `≤ ${int(IAM_INLINE_POLICY_LIMIT)} inline; ≤ ${DOMAIN_POLICY_BUCKETS} managed, ≤ 6,144 each`,
    met:
      !r.refused &&
      r.inlineChars <= IAM_INLINE_POLICY_LIMIT &&
      r.managedPolicies <= DOMAIN_POLICY_BUCKETS &&
      r.largestManagedChars <= 6_144,
  }));
}

function packageFootprintRows(results: PackageFootprint[]): Row[] {
  return results.map((r) => ({
    section: '1 footprint',
    measure: `${r.construct}${r.construct === 'Package' ? ' (source in a bucket)' : ' (1 package each)'}: resources / template bytes per extra construct, ${r.from} → ${r.to}`,
    value: `${round(r.resourcesPerConstruct)} / ${int(r.bytesPerConstruct)}`,
    comparison: 'the same shared provider; IAM statements grow by one ARN',
    target: `1 custom resource; < ${PACKAGE_BYTES_PER_CONSTRUCT_TARGET} bytes`,
    met:
      r.customResourcesPerConstruct === 1 &&
      (r.resourcesPerConstruct - 1) * (r.to - r.from) <= DOMAIN_POLICY_BUCKETS &&
      r.bytesPerConstruct < PACKAGE_BYTES_PER_CONSTRUCT_TARGET,
  }));
}

function securityFootprintRows(results: SecurityFootprint[]): Row[] {
  return results.map((r) => ({
    section: '1 footprint',
    measure: `${r.construct}${r.construct === 'SecurityRole' ? ' (1 index permission each)' : ' (1 backend role each)'}: resources / template bytes per extra construct, ${r.from} → ${r.to} (one domain)`,
    value: `${round(r.resourcesPerConstruct)} / ${int(r.bytesPerConstruct)}`,
    comparison: 'the same shared provider; the domain is granted once',
    target: `1 custom resource; < ${PACKAGE_BYTES_PER_CONSTRUCT_TARGET} bytes`,
    met: r.resourcesPerConstruct === 1 && r.customResourcesPerConstruct === 1 && r.bytesPerConstruct < PACKAGE_BYTES_PER_CONSTRUCT_TARGET,
  }));
}

function synthRows(times: SynthTime[]): Row[] {
  return (['fresh-process', 'in-process'] as const).map((mode) => {
    const mine = times.find((t) => t.mode === mode && t.variant === 'library')!;
    const peer = times.find((t) => t.mode === mode && t.variant === 'awsCustomResource')!;
    const perConstruct = (t: SynthTime) => (t.largeMedianMs - t.smallMedianMs) / (t.large - t.small);
    return {
      section: '2 synth time',
      measure: `${mine.large} ÷ ${mine.small} constructs, ${mode === 'fresh-process' ? 'fresh process' : 'warm process'}, median of ${mine.repeats}`,
      value: `${ratio(mine.ratio)} (${ms(mine.largeMedianMs)} vs ${ms(mine.smallMedianMs)})`,
      comparison: `${ACR} ${ratio(peer.ratio)}; +${perConstruct(mine).toFixed(2)} vs +${perConstruct(peer).toFixed(2)} ms per construct`,
      target: `≤ ${SYNTH_RATIO_TARGET}×`,
      met: mine.ratio <= SYNTH_RATIO_TARGET,
    };
  });
}

function bundleRows(result: BundleResult): Row[] {
  const { bundled, external } = result;
  return [
    {
      section: '3 handler bundle',
      measure: 'bytes / zipped (pinned SDK inside, minified)',
      value: `${kb(bundled.bytes)} / ${kb(bundled.zippedBytes)}`,
      comparison: `SDK external ${kb(external.bytes)} / ${kb(external.zippedBytes)}`,
      target: `< ${int(BUNDLE_TARGET_BYTES / KB)} KB`,
      met: bundled.bytes < BUNDLE_TARGET_BYTES,
    },
    {
      section: '3 handler bundle',
      measure: `cold require, fresh process, median (min) of ${result.runs}`,
      value: `${ms(bundled.coldRequireMedianMs)} (${ms(bundled.coldRequireMinMs)})`,
      comparison: `SDK external ${ms(external.coldRequireMedianMs)} (${ms(external.coldRequireMinMs)}): ${ratio(result.coldRequireRatio)}`,
      target: `< ${COLD_START_TARGET_MS} ms`,
      met: bundled.coldRequireMedianMs < COLD_START_TARGET_MS,
    },
  ];
}

/** "DescribeInboundConnections 5, RejectInboundConnection 1": every request the emulator recorded. */
function describeRequests(result: ApiCallResult): string {
  return Object.entries(result.requestsByOperation)
    .map(([operation, count]) => `${operation} ${count}`)
    .join(', ');
}

function apiRows(results: ApiCallResult[]): Row[] {
  return [
    ...results.map((r) => ({
      section: '4 API calls',
      measure: `${r.scenario}, ${formatSeconds(r.settleMs)} wait: mutating calls; polls / bound`,
      value: `${r.mutatingCalls}; ${r.polls} / ${r.pollBound}`,
      comparison: describeRequests(r),
      target: '1; ≤ bound',
      met: r.mutatingCalls === 1 && r.polls <= r.pollBound,
    })),
    {
      section: '4 API calls',
      measure: `${ACR}, any of the three`,
      value: '',
      comparison: '1 mutating call, no polls: answers before the service is done',
      target: '',
    },
  ];
}

function formatSeconds(virtualMs: number): string {
  return virtualMs >= 60_000 && virtualMs % 60_000 === 0 ? `${virtualMs / 60_000} min` : `${virtualMs / 1000} s`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const config = process.argv.includes('--ci') ? CI : FULL;
  const started = nowMs();
  const tempDir = makeTempDir();
  try {
    progress(`${config.mode} run; footprint at ${config.footprintCounts.join(', ')} constructs`);
    const footprint = footprints(config.footprintCounts);
    const per = perConstruct(footprint);
    const packageFootprint = packageFootprints(1, 11);
    const roles = [rolePolicies(200, 10), rolePolicies(200, 200)];
    const securityFootprint = securityFootprints(1, 11);

    progress(`synth time, ${config.synthSmall} vs ${config.synthLarge} constructs`);
    const synth = [
      ...freshProcessSynthTimes(config.synthSmall, config.synthLarge, config.freshSynthRepeats),
      ...synthTimes(config.synthSmall, config.synthLarge, config.synthRepeats),
    ];

    progress(`handler bundle, ${config.bundleRuns} cold starts each`);
    const bundle = measureBundles(config.bundleRuns, tempDir);

    progress('API calls against the emulator');
    const calls = await apiCalls([
      ...scenarios(config.settleMs, config.packageCounts),
      ...(config.longSettleMs
        ? [
            {
              name: 'dissociate 20 packages',
              operation: 'dissociate' as const,
              packages: 20,
              settleMs: config.longSettleMs,
            },
          ]
        : []),
    ]);

    progress('completion latency through the local deploy runner');
    const latency: LatencyResult = await measureLatency({
      repeats: config.latencyRepeats,
      tempDir,
    });

    progress('connection constructs: footprint and calls per event');
    const connections = await measureConnections();

    progress('VPC endpoint constructs: footprint and calls per event');
    const vpcEndpoints = await measureVpcEndpoints();

    const rows = [
      ...footprintRows(footprint, per),
      ...rolePolicyRows(roles),
      ...packageFootprintRows(packageFootprint),
      ...securityFootprintRows(securityFootprint),
      ...synthRows(synth),
      ...bundleRows(bundle),
      ...apiRows(calls),
      ...connectionRows(connections),
      ...vpcEndpointRows(vpcEndpoints),
      ...latencyRows(latency),
    ];
    const host = machine();
    const elapsedMs = nowMs() - started;
    const header = [
      `cdk-opensearch-lifecycle bench (${config.mode}), ${new Date().toISOString()}`,
      `machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, ${host.platform}, node ${host.node}`,
      `query interval ${QUERY_INTERVAL_MS / 1000} s; medians of repeated runs; ratios are this library ÷ the comparison unless stated`,
      'section 4: the shipped handler bundle against the emulator on a virtual clock moved one query interval per poll',
      ...latency.notes,
    ];
    const table = renderTable(rows);
    const unmet = rows.filter((row) => row.met === false);
    const footer =
      unmet.length === 0
        ? 'every target met'
        : ['targets not met:', ...unmet.map((row) => `  ${row.section}: ${row.measure}: ${row.value}`)].join('\n');
    process.stdout.write(`${header.join('\n')}\n\n${table}\n\n${footer}\nbench took ${(elapsedMs / 1000).toFixed(1)} s\n`);

    const results = {
      mode: config.mode,
      date: new Date().toISOString(),
      machine: host,
      config,
      queryIntervalMs: QUERY_INTERVAL_MS,
      footprint: { stacks: footprint, perConstruct: per, packages: packageFootprint, security: securityFootprint },
      synthTime: synth,
      bundle,
      apiCalls: calls,
      latency,
      table: rows,
      targetsNotMet: unmet.map((row) => `${row.section}: ${row.measure}`),
      elapsedMs: Math.round(elapsedMs),
    };
    fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    progress('wrote bench/results.json');
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
