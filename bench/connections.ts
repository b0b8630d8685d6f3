/**
 * Rows for the two connection constructs: what one more instance adds to a stack (resources and
 * template bytes), and how many mutating calls each lifecycle event makes, through the built
 * handler bundle against the emulator on a virtual clock.
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Domain } from 'aws-cdk-lib/aws-opensearchservice';
import { OpenSearchEmulator, World } from '../emulator';
import { InboundConnectionAcceptance, OutboundConnection } from '../lib';
import { outboundConnectionPhysicalId } from '../lib/private/contracts/outbound-connection';
import { inboundConnectionAcceptancePhysicalId } from '../lib/private/contracts/inbound-connection-acceptance';
import { QUERY_INTERVAL_MS, ResourceEvent, STACK_ID, loadHandler, quietly } from './api-calls';
import { growthPerConstruct, measureTemplate, withTempDir } from './footprint';
import { answerStackStatus } from './stack-status';
import { int, round } from './stats';
import { Row } from './table';

const ENV = { account: '111111111111', region: 'us-east-1' };
const REMOTE = { account: '222222222222', region: 'eu-west-1' };
export const CONNECTION_BYTES_PER_CONSTRUCT_TARGET = 600;

type Kind = 'OutboundConnection' | 'InboundConnectionAcceptance';

function domainAt(stack: Stack, id: string, env: { account: string; region: string }, name: string) {
  return Domain.fromDomainAttributes(stack, id, {
    domainArn: `arn:aws:es:${env.region}:${env.account}:domain/${name}`,
    domainEndpoint: `https://search-${name}-abc123.${env.region}.es.amazonaws.com`,
  });
}

/**
 * Synthesizes a stack of `count` instances of one kind; its footprint. Every OutboundConnection
 * starts from the same local domain (a source has up to 20 outgoing connections), each to its own
 * remote domain; every acceptance accepts into its own domain from its own source. A new local
 * domain adds its ARN to the es:CreateOutboundConnection statement (about 70 bytes more).
 */
function footprintOf(kind: Kind, count: number) {
  return withTempDir((dir) => {
    const app = new App({ outdir: dir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:version-reporting': true } });
    const stack = new Stack(app, 'BenchConnections', { env: ENV });
    for (let i = 0; i < count; i++) {
      if (kind === 'OutboundConnection') {
        new OutboundConnection(stack, `Op${i}`, {
          localDomain: domainAt(stack, `Local${i}`, ENV, 'bench-domain'),
          remoteDomain: domainAt(stack, `Remote${i}`, REMOTE, `bench-remote-${i}`),
          connectionAlias: `bench-${i}`,
        });
      } else {
        new InboundConnectionAcceptance(stack, `Op${i}`, {
          domain: domainAt(stack, `Here${i}`, ENV, `bench-domain-${i}`),
          from: domainAt(stack, `From${i}`, REMOTE, `bench-remote-${i}`),
        });
      }
    }
    app.synth();
    return measureTemplate('library', count, path.join(dir, 'BenchConnections.template.json'));
  });
}

interface EventCalls {
  event: string;
  mutatingCalls: number;
  operations: string[];
}

/** Runs one event through onEvent and isComplete against a fresh emulator; the mutating calls it made. */
export async function callsOf(
  name: string,
  world: World,
  request: ResourceEvent,
  setUp?: (emulator: OpenSearchEmulator) => Promise<void>,
): Promise<EventCalls> {
  let now = Date.UTC(2030, 0, 1);
  const emulator = await OpenSearchEmulator.start({
    world,
    timing: { validateMs: 30_000, acceptMs: 60_000, deleteMs: 60_000 },
    clock: () => now,
  });
  const previous = process.env.AWS_ENDPOINT_URL_OPENSEARCH;
  process.env.AWS_ENDPOINT_URL_OPENSEARCH = emulator.endpoint;
  // The connection kinds read the stack status on Delete and Update: a stack that is not rolling back.
  const stopStackStatus = await answerStackStatus(STACK_ID);
  try {
    await setUp?.(emulator);
    emulator.clearRequests();
    const handler = loadHandler();
    await quietly(async () => {
      const handover = await handler.onEvent(request);
      for (let polls = 0; ; polls++) {
        if ((await handler.isComplete({ ...request, ...handover })).IsComplete) return;
        if (polls > 100) throw new Error(`bench: ${name} not complete after ${polls} polls`);
        now += QUERY_INTERVAL_MS;
      }
    });
    const operations = emulator.mutatingRequests().map((r) => r.operation);
    return { event: name, mutatingCalls: operations.length, operations };
  } finally {
    if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_OPENSEARCH;
    else process.env.AWS_ENDPOINT_URL_OPENSEARCH = previous;
    await Promise.all([stopStackStatus(), emulator.stop()]);
  }
}

const base = {
  LogicalResourceId: 'Op0',
  StackId: STACK_ID,
  RequestId: 'bench',
  ResponseURL: 'https://cloudformation-custom-resource-response.example/bench',
};
const OUTBOUND_PROPS = {
  ServiceToken: 'framework',
  LocalDomainName: 'bench-source',
  RemoteDomainName: 'bench-remote',
  RemoteOwnerId: REMOTE.account,
  RemoteRegion: REMOTE.region,
  ConnectionAlias: 'bench',
  TimeoutSeconds: '1800',
};
const ACCEPTANCE_PROPS = {
  ServiceToken: 'framework',
  DomainName: 'bench-remote',
  SourceDomainName: 'bench-source',
  SourceOwnerId: ENV.account,
  SourceRegion: ENV.region,
  TimeoutSeconds: '1800',
};
/** The handler runs as 111111111111 in us-east-1: the outbound side there; the acceptance sees a connection made to it. */
const OUTBOUND_WORLD: World = {
  domains: [{ domainName: 'bench-source' }, { domainName: 'bench-remote', ownerId: REMOTE.account, region: REMOTE.region }],
};
const INBOUND_WORLD = (status: 'PENDING_ACCEPTANCE' | 'ACTIVE'): World => ({
  domains: [{ domainName: 'bench-remote' }],
  connections: [
    {
      connectionId: 'cc-bench-000001',
      status,
      source: { domainName: 'bench-source', ownerId: REMOTE.account, region: REMOTE.region },
      destination: { domainName: 'bench-remote' },
    },
  ],
});

export interface ConnectionBench {
  perConstruct: Array<{ kind: Kind; resources: number; bytes: number; from: number; to: number }>;
  events: EventCalls[];
}

export async function measureConnections(from = 1, to = 11): Promise<ConnectionBench> {
  const perConstruct = (['OutboundConnection', 'InboundConnectionAcceptance'] as const).map((kind) => {
    const growth = growthPerConstruct(footprintOf(kind, from), footprintOf(kind, to));
    return { kind, from, to, resources: growth.resourcesPerConstruct, bytes: growth.bytesPerConstruct };
  });
  const acceptance = { ...ACCEPTANCE_PROPS, SourceOwnerId: REMOTE.account, SourceRegion: REMOTE.region };
  const events = [
    await callsOf('OutboundConnection Create', OUTBOUND_WORLD, {
      ...base,
      RequestType: 'Create',
      ResourceType: 'Custom::OpenSearchOutboundConnection',
      ResourceProperties: OUTBOUND_PROPS,
    }),
    await callsOf(
      'OutboundConnection Delete',
      {
        ...OUTBOUND_WORLD,
        connections: [
          {
            connectionId: 'cc-bench-000001',
            status: 'PENDING_ACCEPTANCE',
            alias: 'bench',
            source: { domainName: 'bench-source' },
            destination: { domainName: 'bench-remote', ownerId: REMOTE.account, region: REMOTE.region },
          },
        ],
      },
      {
        ...base,
        RequestType: 'Delete',
        ResourceType: 'Custom::OpenSearchOutboundConnection',
        PhysicalResourceId: outboundConnectionPhysicalId('cc-bench-000001', 'created'),
        ResourceProperties: OUTBOUND_PROPS,
      },
    ),
    await callsOf('InboundConnectionAcceptance Create', INBOUND_WORLD('PENDING_ACCEPTANCE'), {
      ...base,
      RequestType: 'Create',
      ResourceType: 'Custom::OpenSearchInboundConnectionAcceptance',
      ResourceProperties: acceptance,
    }),
    await callsOf('InboundConnectionAcceptance Delete', INBOUND_WORLD('ACTIVE'), {
      ...base,
      RequestType: 'Delete',
      ResourceType: 'Custom::OpenSearchInboundConnectionAcceptance',
      PhysicalResourceId: inboundConnectionAcceptancePhysicalId('cc-bench-000001'),
      ResourceProperties: acceptance,
    }),
  ];
  return { perConstruct, events };
}

export function connectionRows(result: ConnectionBench): Row[] {
  return footprintAndCallRows(result, 'shares the stack provider', (kind) => (kind === 'OutboundConnection' ? ' (one local domain)' : ''));
}

/**
 * The rows of a family of constructs on the shared provider: resources and template bytes per
 * extra construct (target: one resource, under CONNECTION_BYTES_PER_CONSTRUCT_TARGET bytes), and
 * the mutating calls of each lifecycle event (target: one).
 */
export function footprintAndCallRows(
  result: { perConstruct: Array<{ kind: string; resources: number; bytes: number; from: number; to: number }>; events: EventCalls[] },
  comparison: string,
  measureNote: (kind: string) => string = () => '',
): Row[] {
  const rows: Row[] = [];
  for (const p of result.perConstruct) {
    rows.push({
      section: '1 footprint',
      measure: `${p.kind}: resources / template bytes per extra construct, ${p.from} → ${p.to}${measureNote(p.kind)}`,
      value: `${round(p.resources)} / ${int(p.bytes)}`,
      comparison,
      target: `1 / < ${CONNECTION_BYTES_PER_CONSTRUCT_TARGET}`,
      met: p.resources === 1 && p.bytes < CONNECTION_BYTES_PER_CONSTRUCT_TARGET,
    });
  }
  for (const e of result.events) {
    rows.push({
      section: '4 API calls',
      measure: `${e.event}: mutating calls`,
      value: `${e.mutatingCalls} (${e.operations.join(', ') || 'none'})`,
      comparison: '',
      target: '1 per event',
      met: e.mutatingCalls === 1,
    });
  }
  return rows;
}
