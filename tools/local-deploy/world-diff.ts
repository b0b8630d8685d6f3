/**
 * Before/after comparison of the emulator's state (`emulator.snapshot()`), as short sorted lines
 * that a test can compare with an explicit list, and a compact description for the demo.
 * `hiddenForReads` is read bookkeeping, not state, and is ignored.
 */
import type { World } from '../../emulator';

type Connection = NonNullable<World['connections']>[number];
type Domain = NonNullable<World['domains']>[number];
type Package = NonNullable<Domain['packages']>[number];

function packageStatus(pkg: Package): string {
  const status = pkg.status ?? 'ACTIVE';
  return pkg.errorType ? `${status} (${pkg.errorType})` : status;
}

/**
 * What changed, one line per change, e.g.
 *   connection cc-1: PENDING_ACCEPTANCE -> REJECTED
 *   package search/F1: ACTIVE -> gone
 */
export function diffWorld(before: World, after: World): string[] {
  const lines: string[] = [];
  const connections = (world: World) => new Map((world.connections ?? []).map((c) => [c.connectionId, c] as [string, Connection]));
  const [c0, c1] = [connections(before), connections(after)];
  for (const id of [...new Set([...c0.keys(), ...c1.keys()])].sort()) {
    const [a, b] = [c0.get(id), c1.get(id)];
    if (!a) lines.push(`connection ${id}: added (${b!.status})`);
    else if (!b) lines.push(`connection ${id}: removed (was ${a.status})`);
    else if (a.status !== b.status) lines.push(`connection ${id}: ${a.status} -> ${b.status}`);
  }
  const domains = (world: World) => new Map((world.domains ?? []).map((d) => [d.domainName, d] as [string, Domain]));
  const [d0, d1] = [domains(before), domains(after)];
  for (const name of [...new Set([...d0.keys(), ...d1.keys()])].sort()) {
    const [a, b] = [d0.get(name), d1.get(name)];
    if (!a) {
      lines.push(`domain ${name}: added`);
      continue;
    }
    if (!b) {
      lines.push(`domain ${name}: removed`);
      continue;
    }
    if ((a.processing ?? false) !== (b.processing ?? false))
      lines.push(`domain ${name}: processing ${a.processing ?? false} -> ${b.processing ?? false}`);
    const p0 = new Map((a.packages ?? []).map((p) => [p.packageId, p]));
    const p1 = new Map((b.packages ?? []).map((p) => [p.packageId, p]));
    for (const id of [...new Set([...p0.keys(), ...p1.keys()])].sort()) {
      const [x, y] = [p0.get(id), p1.get(id)];
      if (!x) lines.push(`package ${name}/${id}: added (${packageStatus(y!)})`);
      else if (!y) lines.push(`package ${name}/${id}: ${packageStatus(x)} -> gone`);
      else if (packageStatus(x) !== packageStatus(y)) lines.push(`package ${name}/${id}: ${packageStatus(x)} -> ${packageStatus(y)}`);
    }
  }
  return lines;
}

/** One line per domain: its inbound connections and its packages. */
export function describeWorld(world: World): string[] {
  const names = new Set<string>([
    ...(world.domains ?? []).map((d) => d.domainName),
    ...(world.connections ?? []).map((c) => c.destination.domainName),
  ]);
  const width = Math.max(0, ...[...names].map((name) => name.length));
  return [...names].sort().map((name) => {
    const inbound = (world.connections ?? []).filter((c) => c.destination.domainName === name);
    const domain = (world.domains ?? []).find((d) => d.domainName === name);
    const parts: string[] = [];
    if (inbound.length > 0) parts.push(`inbound ${inbound.map((c) => `${c.connectionId} ${c.status}`).join(', ')}`);
    if (domain)
      parts.push(
        domain.packages?.length ? `packages ${domain.packages.map((p) => `${p.packageId} ${packageStatus(p)}`).join(', ')}` : 'no packages',
      );
    return `  ${name.padEnd(width)}  ${parts.join('; ')}`;
  });
}
