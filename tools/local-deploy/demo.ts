/**
 * `npm run demo`: the example app (bin/app.ts) deployed, updated and destroyed on this machine.
 *
 * Synthesizes the app twice with the real CDK CLI (the initial version and `-c variant=next`),
 * then plays CloudFormation for both versions and the stack deletion through the Provider
 * framework from cdk.out against the embedded OpenSearch emulator, printing the stack events and,
 * after each phase, the service calls made and the emulator's state. Exits non-zero when a
 * resource fails or the service does not end up exactly as expected.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { RecordedRequest } from '../../emulator';
import { EXAMPLE_TIMING, EXAMPLE_WORLD } from './example-world';
import { LocalDeployment, describeWorld, diffWorld } from './index';

const ROOT = path.resolve(__dirname, '..', '..');
const STACK = 'OpenSearchLifecycleExample';

/** Changes from EXAMPLE_WORLD expected after each phase, cumulative, in diffWorld's order. */
const EXPECTED = {
  initial: ['connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED'],
  next: [
    'connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED',
    'connection cc-pending-0002: PENDING_ACCEPTANCE -> REJECTED',
    'package search-products/F222222222: ACTIVE -> gone',
  ],
  destroy: [
    'connection cc-active-0001: ACTIVE -> DELETED',
    'connection cc-pending-0001: PENDING_ACCEPTANCE -> REJECTED',
    'connection cc-pending-0002: PENDING_ACCEPTANCE -> REJECTED',
    'package search-products/F111111111: ACTIVE -> gone',
    'package search-products/F222222222: ACTIVE -> gone',
    'package search-products/pkg-0a1b2c3d: ACTIVE -> gone',
  ],
};

function synth(outdir: string, context: string[]): Promise<void> {
  const args = ['cdk', 'synth', '-q', '--no-notices', ...context, '-o', outdir];
  return new Promise((resolve, reject) => {
    execFile(
      'npx',
      args,
      {
        cwd: ROOT,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, _stdout, stderr) => (error ? reject(new Error(`npx ${args.join(' ')} failed:\n${stderr}`)) : resolve()),
    );
  });
}

/** "RejectInboundConnection cc-pending-0002", "DissociatePackages search-products [F222222222]". */
function describeCall(request: RecordedRequest): string {
  const body = request.body as { DomainName?: string; PackageList?: string[] } | undefined;
  if (request.operation === 'DissociatePackages' || request.operation === 'AssociatePackages') {
    return `${request.operation} ${body?.DomainName} [${(body?.PackageList ?? []).join(', ')}]`;
  }
  const id = decodeURIComponent(request.path.split('/inboundConnection/')[1]?.split('/')[0] ?? '');
  return `${request.operation} ${id}`.trim();
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(ROOT, 'assets', 'handler', 'index.js'))) {
    console.error('The handler bundle is missing: run "npm run build" first (npm run demo does).');
    return 1;
  }
  const initial = path.join(ROOT, 'cdk.out', 'demo-initial');
  const next = path.join(ROOT, 'cdk.out', 'demo-next');
  console.log('Synthesizing bin/app.ts twice with the CDK CLI (initial, and -c variant=next) ...');
  await Promise.all([synth(path.relative(ROOT, initial), []), synth(path.relative(ROOT, next), ['-c', 'variant=next'])]);
  console.log('Deploying OpenSearchLifecycleExample only: the runner does not model VPCs, which OpenSearchLifecycleGovernedExample uses.');

  const run = await LocalDeployment.start({ world: EXAMPLE_WORLD, timing: EXAMPLE_TIMING });
  const seed = run.emulator.snapshot();
  let healthy = true;
  let calls = 0;
  const phase = async (title: string, action: () => ReturnType<LocalDeployment['deploy']>, expected: string[]) => {
    run.print('');
    run.print(`== ${title}`);
    const result = await action();
    const newCalls = run.emulator.mutatingRequests().slice(calls);
    calls += newCalls.length;
    run.print('');
    run.print(`   stack ${result.status}${result.ok ? '' : `; FAILED: ${result.failed.join(', ')}`}`);
    for (const [name, value] of Object.entries(result.outputs)) run.print(`   output ${name} = ${String(value)}`);
    run.print(`   service calls that changed something: ${newCalls.map(describeCall).join('; ') || 'none'}`);
    run.print('   emulator now:');
    for (const line of describeWorld(run.emulator.snapshot())) run.print(`   ${line}`);
    const changes = diffWorld(seed, run.emulator.snapshot());
    const matches = JSON.stringify(changes) === JSON.stringify(expected);
    run.print(
      matches
        ? '   ✔ exactly the expected connections and packages changed since the start'
        : `   ✘ unexpected state; changed since the start:\n     ${changes.join('\n     ')}\n   expected:\n     ${expected.join('\n     ')}`,
    );
    healthy &&= result.ok && matches;
  };

  try {
    run.print('');
    run.print(`Local deploy of ${STACK}: CloudFormation played by tools/local-deploy, the Provider framework`);
    run.print('from cdk.out, the OpenSearch emulator as the service. No AWS account, no network.');
    run.print('Times are virtual (UTC): waits take no real time, only the processes in them do.');
    run.print('   emulator at start:');
    for (const line of describeWorld(seed)) run.print(`   ${line}`);
    await phase(
      '1/3  deploy cdk.out/demo-initial: Create (cc-pending-0001 is rejected; cc-active-0001 is only looked up: it is deleted at 3/3)',
      () => run.deploy(initial, STACK),
      EXPECTED.initial,
    );
    await phase(
      '2/3  deploy cdk.out/demo-next: Update (rejection moves to cc-pending-0002, F222222222 leaves the list)',
      () => run.deploy(next, STACK),
      EXPECTED.next,
    );
    await phase(
      '3/3  destroy: Delete (cc-active-0001 is deleted, the remaining packages are dissociated; a rejection cannot be undone)',
      () => run.destroy(STACK),
      EXPECTED.destroy,
    );
  } finally {
    await run.stop();
  }
  console.log('');
  console.log(healthy ? 'Demo finished: every resource succeeded and the service ended as expected.' : 'Demo FAILED (see above).');
  return healthy ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);
