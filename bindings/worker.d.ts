/**
 * Types of `concurry-wasm/worker`: what a task can use from inside, in every mode.
 */

/** What a running task sees through `currentTask()`. */
export declare class TaskContext {
  constructor(init?: {
    signal?: AbortSignal;
    attempt?: number;
    onProgress?: ((value: unknown) => void) | null;
    method?: string;
  });
  /** Aborts when the call is cancelled or its timeout passes. */
  readonly signal: AbortSignal;
  /** 1 on the first run; counts re-runs after crashes (`retries`). */
  readonly attempt: number;
  /** The method this task runs, when known. */
  readonly method: string | null;
  /** Reports progress to the caller's `onProgress`, in order, before the result. */
  progress(value: unknown): void;
  /** Aborts `signal` with `reason` (runtimes call it on cancel and timeout). */
  abort(reason?: unknown): void;
  /** Ends reporting (runtimes call it when the task settles). */
  close(): void;
}

/**
 * The running task's context. Throws `InvalidStateError` outside a task (and,
 * in runtimes without AsyncLocalStorage, after the task's first await).
 */
export declare function currentTask(): TaskContext;

/**
 * Returns `value` so that the buffers in `list` move to the caller instead of
 * being copied (thread mode; other modes copy or hand over as is).
 */
export declare function transfer<T>(value: T, list: import('./index.js').TransferItem[]): T;
