import type {
  ActionName,
  ApiRequest,
  ApiResponse,
  ApiResult,
  ErrorCode,
  FunctionName,
} from '../../cloudfunctions/shared/contracts';
import { config } from '../config/index';
import { BAD_RESPONSE_MESSAGE, ServiceError } from './errors';
import { cloudTransport } from './transport/cloud';
import { localTransport } from './transport/local';
import type { Transport } from './transport/types';

function currentTransport(): Transport {
  return config.transport === 'cloud' ? cloudTransport : localTransport;
}

function isApiResult(value: unknown): value is ApiResult<unknown, ErrorCode> {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (record.ok === true) return 'data' in record;
  return record.ok === false && typeof record.code === 'string' && typeof record.message === 'string';
}

/**
 * Calls one action of one cloud function: `{ action, ...payload }` in, the action's data out.
 * Throws ServiceError with the server's code and Chinese message on `ok: false`, and code NETWORK
 * when the back end cannot be reached or answers with something that is not an ApiResult.
 */
export async function callFunction<F extends FunctionName, A extends ActionName<F>>(
  fn: F,
  action: A,
  payload: ApiRequest<F, A>,
): Promise<ApiResponse<F, A>> {
  const event: Record<string, unknown> = { ...(payload as Record<string, unknown>), action };
  const result = await currentTransport().call(fn, event);
  if (!isApiResult(result)) {
    throw new ServiceError('NETWORK', BAD_RESPONSE_MESSAGE, { function: fn, action });
  }
  if (!result.ok) {
    throw new ServiceError(result.code, result.message, result.details);
  }
  return result.data as ApiResponse<F, A>;
}
