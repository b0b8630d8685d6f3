/**
 * A runner whose start fails part-way stops what it had already started: no server is left
 * listening and no temporary file is left behind, so jest can exit.
 */
import * as fs from 'fs';
import * as net from 'net';
import { OpenSearchEmulator } from '../../emulator';
import { LocalDeployment } from '../../tools/local-deploy';
import { CloudFormationService } from '../../tools/local-deploy/cloudformation-service';
import { LambdaService } from '../../tools/local-deploy/lambda-service';
import { ResponseEndpoint } from '../../tools/local-deploy/response-endpoint';
import { ServiceProxy } from '../../tools/local-deploy/service-proxy';
import { StepFunctionsService } from '../../tools/local-deploy/sfn-service';

/** Whether nothing accepts connections at host:port any more. */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

function hostPort(url: string): [string, number] {
  const { hostname, port } = new URL(url);
  return [hostname, Number(port)];
}

/** Records every server the runner starts; `failAt` makes that step's start throw. */
function watchStarts(failAt: string) {
  const listening: Array<{ name: string; host: string; port: number }> = [];
  const files: string[] = [];
  const boom = () => new Error(`${failAt} could not start (injected)`);

  const emulatorStart = OpenSearchEmulator.start.bind(OpenSearchEmulator);
  jest.spyOn(OpenSearchEmulator, 'start').mockImplementation(async (options) => {
    const emulator = await emulatorStart(options);
    listening.push({ name: 'emulator', ...toObject(hostPort(emulator.endpoint)) });
    return emulator;
  });
  const endpointStart = ResponseEndpoint.start.bind(ResponseEndpoint);
  jest.spyOn(ResponseEndpoint, 'start').mockImplementation(async (options) => {
    if (failAt === 'ResponseEndpoint') throw boom();
    const endpoint = await endpointStart(options);
    listening.push({ name: 'ResponseEndpoint', host: endpoint.host, port: endpoint.port });
    files.push(endpoint.caFile);
    return endpoint;
  });
  const cloudformationStart = CloudFormationService.start.bind(CloudFormationService);
  jest.spyOn(CloudFormationService, 'start').mockImplementation(async (options) => {
    if (failAt === 'CloudFormationService') throw boom();
    const service = await cloudformationStart(options);
    listening.push({ name: 'CloudFormationService', ...toObject(hostPort(service.endpoint)) });
    return service;
  });
  const proxyStart = ServiceProxy.start.bind(ServiceProxy);
  jest.spyOn(ServiceProxy, 'start').mockImplementation(async (options) => {
    if (failAt === 'ServiceProxy') throw boom();
    const proxy = await proxyStart(options);
    listening.push({ name: 'ServiceProxy', ...toObject(hostPort(proxy.endpointFor('x'))) });
    return proxy;
  });
  const lambdaStart = LambdaService.prototype.start;
  jest.spyOn(LambdaService.prototype, 'start').mockImplementation(async function (this: LambdaService) {
    if (failAt === 'LambdaService') throw boom();
    await lambdaStart.call(this);
    listening.push({ name: 'LambdaService', ...toObject(hostPort(this.endpoint)) });
  });
  const sfnStart = StepFunctionsService.prototype.start;
  jest.spyOn(StepFunctionsService.prototype, 'start').mockImplementation(async function (this: StepFunctionsService) {
    if (failAt === 'StepFunctionsService') throw boom();
    await sfnStart.call(this);
    listening.push({ name: 'StepFunctionsService', ...toObject(hostPort(this.endpoint)) });
  });
  return { listening, files };
}

function toObject([host, port]: [string, number]) {
  return { host, port };
}

afterEach(() => jest.restoreAllMocks());

describe('a runner start that fails part-way', () => {
  test.each([
    ['ResponseEndpoint', ['emulator']],
    ['CloudFormationService', ['emulator', 'ResponseEndpoint']],
    ['ServiceProxy', ['emulator', 'ResponseEndpoint', 'CloudFormationService']],
    ['LambdaService', ['emulator', 'ResponseEndpoint', 'CloudFormationService', 'ServiceProxy']],
    ['StepFunctionsService', ['emulator', 'ResponseEndpoint', 'CloudFormationService', 'ServiceProxy', 'LambdaService']],
  ])('at %s: rejects, and closes every server started before it', async (failAt, startedBefore) => {
    const { listening, files } = watchStarts(failAt);
    await expect(LocalDeployment.start()).rejects.toThrow(`${failAt} could not start (injected)`);
    expect(listening.map((server) => server.name)).toEqual(startedBefore);
    for (const server of listening) expect([server.name, await refused(server.host, server.port)]).toEqual([server.name, true]);
    for (const file of files) expect(fs.existsSync(file)).toBe(false);
  });

  test('a start that succeeds is stopped the same way', async () => {
    const { listening, files } = watchStarts('nothing');
    const run = await LocalDeployment.start();
    expect(listening).toHaveLength(6);
    for (const server of listening) expect([server.name, await refused(server.host, server.port)]).toEqual([server.name, false]);
    await run.stop();
    for (const server of listening) expect([server.name, await refused(server.host, server.port)]).toEqual([server.name, true]);
    for (const file of files) expect(fs.existsSync(file)).toBe(false);
  });
});
