/** One way to reach the cloud functions. Returns the function's return value, unchecked. */
export interface Transport {
  call(functionName: string, event: Record<string, unknown>): Promise<unknown>;
}
