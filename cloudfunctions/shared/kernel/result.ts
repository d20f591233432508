/**
 * The envelope every action returns. `message` is Chinese and shown to the user as it is; `code`
 * is stable and is what code branches on.
 */
export type ApiResult<T, C extends string = string> =
  | { ok: true; data: T }
  | { ok: false; code: C; message: string; details?: Record<string, unknown> };

/** Codes any function may return. Function-specific codes live beside each function's contract. */
export const COMMON_ERRORS = {
  BAD_REQUEST: '请求参数有误',
  UNAUTHENTICATED: '请先登录',
  FORBIDDEN: '没有权限进行此操作',
  NOT_FOUND: '记录不存在',
  CONFLICT: '操作冲突，请刷新后重试',
  RATE_LIMITED: '操作过于频繁，请稍后再试',
  UNAVAILABLE: '服务暂时不可用，请稍后再试',
  INTERNAL: '系统繁忙，请稍后再试',
} as const;

export type CommonErrorCode = keyof typeof COMMON_ERRORS;
