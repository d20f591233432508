import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import cloudSdk from 'wx-server-sdk';
import { ALL_COLLECTIONS } from '../cloudfunctions/shared/schema';
import { installClock, installLogSink, type Database, type FunctionMain, type WxCloud } from '../cloudfunctions/shared/runtime';
import { openLocalDatabase, type LocalDatabase } from './db';
import { listFunctionNames, loadFunction, readFunctionConfig, type FunctionSource } from './functions';
import { LocalStorage } from './storage';
import { applyInvocationContext, providerApiOf, routeCallFunction, type ProviderApi } from './wx-internals';

export interface LocalCloudOptions {
  /** Where the database files and storage live; data survives restarts. */
  dataDir: string;
  env?: string;
  appid?: string;
  functions?: FunctionSource;
  /** Starting time for the local clock; it runs with real time from there. Tests move it with `clock.advance`. */
  startAt?: Date;
  /** Receives every log line a function writes (already scrubbed); default: stdout. */
  logSink?: (line: string) => void;
}

export interface Caller {
  openid?: string;
  unionid?: string;
  /** Platform SOURCE: 'wx_client' (default when an openid is given), 'wx_paycallback', 'wx_trigger', '…,scf'. */
  source?: string;
}

interface Invocation {
  stats: InvocationStats;
  caller: Caller;
  source: string | undefined;
}

export interface InvocationStats {
  /** Cloud database requests the invocation made (one per SDK call, transactions included). */
  roundTrips: number;
  byAction: Record<string, number>;
}

export type WxApiHandler = (request: Record<string, unknown>) => Promise<unknown> | unknown;

export class LocalClock {
  private offsetMs: number;
  constructor(startAt?: Date) {
    this.offsetMs = startAt ? startAt.getTime() - Date.now() : 0;
  }
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
  now(): Date {
    return new Date(this.nowMs());
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/**
 * The production functions, unchanged, on one machine: the genuine wx-server-sdk with its database,
 * storage, cloudPay and openapi transports swapped for local ones. For development, demos and tests:
 * it trusts the openid a caller states.
 */
export class LocalCloud {
  readonly env: string;
  readonly appid: string;
  readonly clock: LocalClock;
  readonly storage: LocalStorage;
  /** Where this cloud keeps its database, storage and sandbox state. */
  readonly dataDir: string;
  baseUrl = 'http://127.0.0.1';

  private readonly mains = new Map<string, FunctionMain>();
  private readonly invocations = new AsyncLocalStorage<Invocation>();
  private readonly payApis = new Map<string, WxApiHandler>();
  private readonly openApis = new Map<string, WxApiHandler>();
  private readonly functionNames: string[];

  private constructor(
    private readonly options: Required<Pick<LocalCloudOptions, 'dataDir' | 'functions'>> & LocalCloudOptions,
    readonly database: LocalDatabase,
    private readonly providerApi: ProviderApi,
    clock: LocalClock,
  ) {
    this.env = options.env ?? 'local-dev';
    this.appid = options.appid ?? 'wxlocal0000000000';
    this.clock = clock;
    this.dataDir = options.dataDir;
    this.storage = new LocalStorage(options.dataDir, this.env, () => this.baseUrl, () => this.clock.nowMs());
    this.functionNames = listFunctionNames();
  }

  static async start(options: LocalCloudOptions): Promise<LocalCloud> {
    mkdirSync(options.dataDir, { recursive: true });
    const cloud = cloudSdk as unknown as WxCloud;
    cloud.init({ env: options.env ?? 'local-dev' });
    const clock = new LocalClock(options.startAt);
    const database = await openLocalDatabase({
      dir: path.join(options.dataDir, 'db'),
      collections: ALL_COLLECTIONS,
      now: () => clock.nowMs(),
    });
    const local = new LocalCloud({ functions: 'source', ...options }, database, providerApiOf(cloud), clock);
    local.install();
    return local;
  }

  private install(): void {
    this.database.install();
    this.database.onRoundTrip((action: string) => {
      const stats = this.invocations.getStore()?.stats;
      if (!stats) return;
      stats.roundTrips += 1;
      stats.byAction[action] = (stats.byAction[action] ?? 0) + 1;
    });
    installClock(() => this.clock.nowMs());
    installLogSink(this.options.logSink);
    Object.assign(this.providerApi, this.storage.providerApis(), {
      callWXPayAPI: async ({ api, data }: { api: string; data: Buffer }) =>
        this.dispatch(this.payApis, 'cloudPay', api, JSON.parse(data.toString('utf8')) as Record<string, unknown>),
      callWXOpenAPI: async ({ api, data }: { api: string; data: Buffer }) =>
        this.dispatch(this.openApis, 'openapi', api, { raw: data }),
    } satisfies Partial<ProviderApi>);
    // A function calling a function: the caller's identity follows, and SOURCE gains ',scf'.
    routeCallFunction(async (name, data) => {
      const parent = this.invocations.getStore();
      const source = parent?.source ? `${parent.source},scf` : 'scf';
      if (!this.hasFunction(name)) {
        throw { code: 'FUNCTION_NOT_FOUND', message: `FunctionName parameter could not be found: ${name}` };
      }
      return this.invoke(name, data, { ...parent?.caller, source });
    });
  }

  private async dispatch(table: Map<string, WxApiHandler>, kind: string, api: string, request: Record<string, unknown>) {
    const handler = table.get(api);
    if (!handler) throw { errCode: -604101, errMsg: `${kind}.${api}:fail the local cloud does not provide this API` };
    return handler(request);
  }

  /** cloudPay APIs (unifiedOrder, queryOrder…) receive the snake_case request the SDK sends. */
  registerPayApi(api: string, handler: WxApiHandler): void {
    this.payApis.set(api, handler);
  }

  /** openapi calls receive `{ raw: Buffer }`, the SDK's encoded request. */
  registerOpenApi(api: string, handler: WxApiHandler): void {
    this.openApis.set(api, handler);
  }

  /** The production SDK's database, as functions see it (for seeding and test set-up). */
  sdkDatabase(): Database {
    return (cloudSdk as unknown as WxCloud).database();
  }

  hasFunction(name: string): boolean {
    return this.functionNames.includes(name);
  }

  listFunctions(): string[] {
    return [...this.functionNames];
  }

  functionConfig(name: string) {
    return readFunctionConfig(name);
  }

  private main(name: string): FunctionMain {
    let main = this.mains.get(name);
    if (!main) {
      main = loadFunction(name, this.options.functions);
      this.mains.set(name, main);
    }
    return main;
  }

  /** Fires a timer trigger of a function, as the platform does (event Type 'Timer', SOURCE wx_trigger). */
  async fireTimer(name: string, triggerName: string): Promise<unknown> {
    const event = { Type: 'Timer', TriggerName: triggerName, Time: this.clock.now().toISOString() };
    return this.invoke(name, event, { source: 'wx_trigger' });
  }

  /** Calls a function the way the platform does and returns what `callFunction` gives the caller. */
  async invoke(name: string, event: unknown, caller: Caller = {}): Promise<unknown> {
    return (await this.invokeWithStats(name, event, caller)).result;
  }

  async invokeWithStats(name: string, event: unknown, caller: Caller = {}): Promise<{ result: unknown; stats: InvocationStats }> {
    if (!this.hasFunction(name)) throw new Error(`unknown function ${name}`);
    const main = this.main(name);
    const source = caller.source ?? (caller.openid ? 'wx_client' : undefined);
    // Client calls carry userInfo, added by the platform, exactly as in production.
    const delivered =
      caller.openid && source === 'wx_client' && typeof event === 'object' && event !== null && !Array.isArray(event)
        ? { ...event, userInfo: { appId: this.appid, openId: caller.openid } }
        : event;
    const stats: InvocationStats = { roundTrips: 0, byAction: {} };
    const result = await this.invocations.run({ stats, caller, source }, () => {
      // Synchronous from here into main: main reads its context before its first await.
      applyInvocationContext({ openid: caller.openid, unionid: caller.unionid, appid: caller.openid ? this.appid : undefined, env: this.env, source });
      return main(delivered, {});
    });
    // What crosses the wire is JSON: dates become strings, undefined disappears.
    return { result: result === undefined ? null : JSON.parse(JSON.stringify(result)), stats };
  }

  async close(): Promise<void> {
    installClock(undefined);
    installLogSink(undefined);
    await this.database.close();
  }
}
