// Exponential backoff with jitter (half the delay is random), capped. Pure given the random source.

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** Delay before retry number `attempt` (1-based): c/2 + random·c/2 with c = min(max, base·2^(attempt-1)). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Whether a failed bulk request (not an item) is worth retrying: connection errors, timeouts, 429 and 5xx. */
export function isRetriableRequestError(statusCode: number | undefined): boolean {
  return statusCode === undefined || statusCode === 429 || statusCode >= 500;
}
