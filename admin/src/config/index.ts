/**
 * Where the console finds its back end. config.json sits beside index.html and is written for each
 * place the console runs: the local cloud serves one pointing at its own /admin/api with the
 * development tools on; a deployment writes the admin function's HTTP access URL with them off.
 * Nothing about the environment is compiled in, so one build serves every environment.
 */
export interface ConsoleConfig {
  /** The admin function's HTTP entry: actions are `POST <apiBase>/<action>`. */
  apiBase: string;
  /** Local development only: shows 模拟扫码 on the sign-in page. */
  developmentTools: boolean;
}

let loaded: ConsoleConfig | null = null;

function parseConfig(value: unknown): ConsoleConfig {
  if (typeof value !== 'object' || value === null) throw new Error('config.json 不是 JSON 对象');
  const record = value as Record<string, unknown>;
  if (typeof record.apiBase !== 'string' || record.apiBase.trim() === '') throw new Error('config.json 缺少 apiBase');
  return {
    // Resolved once against the page, so a relative base like /admin/api works on any host.
    apiBase: new URL(record.apiBase.replace(/\/+$/, ''), document.baseURI).href,
    developmentTools: record.developmentTools === true,
  };
}

export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  const response = await fetch('config.json', { cache: 'no-store', credentials: 'omit' });
  if (!response.ok) throw new Error(`读取 config.json 失败（HTTP ${response.status}）`);
  loaded = parseConfig(await response.json());
  return loaded;
}

export function consoleConfig(): ConsoleConfig {
  if (!loaded) throw new Error('后台配置尚未读取');
  return loaded;
}
