// A pool of worker threads for the pipeline's CPU-bound steps. Workers start on demand (the
// first task starts them all; until one is ready, run() answers undefined and the caller does
// the work itself, so a cold pool never adds latency) and stop after `idleMs` without tasks, so
// an idle gateway holds no worker heaps. Each task goes to the ready worker with the fewest tasks
// outstanding; buffers in `transfer` move to the worker without a copy. A worker that dies fails
// its outstanding tasks with WorkerFailedError; the next task starts a new one.
//
// Protocol: the worker posts { ready: true } once set up, then answers each { id, task } with
// { id, result } or { id, error } (a message: the task failed without killing the worker).
import { Worker } from 'node:worker_threads';

export class WorkerFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerFailedError';
  }
}

export interface WorkerPoolOptions {
  /** The worker's entry module. */
  file: URL;
  size: number;
  workerData: unknown;
  idleMs: number;
  /** Told the number of running workers whenever it changes. */
  onWorkerCount?: (running: number) => void;
  /** Told when a worker fails (it is replaced on demand). */
  onWorkerFailed?: (err: Error) => void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Resolves once the worker is ready, or gone. */
  settledStart: Promise<void>;
  pending: Map<number, Pending>;
}

type Reply = { ready: true } | { id: number; result: unknown } | { id: number; error: string };

export class WorkerPool<Task, Result> {
  private readonly o: WorkerPoolOptions;
  private slots: Slot[] = [];
  private nextId = 1;
  private outstanding = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: WorkerPoolOptions) {
    this.o = options;
  }

  get running(): number {
    return this.slots.length;
  }

  /** Workers ready for tasks. */
  get ready(): number {
    let n = 0;
    for (const s of this.slots) if (s.ready) n++;
    return n;
  }

  /** Starts the workers if none run (they take a moment to be ready). */
  ensureStarted(): void {
    if (this.closed || this.o.size <= 0 || this.slots.length > 0) return;
    this.start();
    this.armIdleTimer();
  }

  /** Runs the task on a ready worker; undefined when none is ready yet (workers are starting). */
  run(task: Task, transfer: readonly ArrayBuffer[] = []): Promise<Result> | undefined {
    if (this.closed || this.o.size <= 0) return undefined;
    clearTimeout(this.idleTimer);
    if (this.slots.length === 0) this.start();
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.ready && (best === undefined || s.pending.size < best.pending.size)) best = s;
    }
    if (best === undefined) {
      this.armIdleTimer();
      return undefined;
    }
    const slot = best;
    const id = this.nextId++;
    this.outstanding++;
    return new Promise<Result>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      slot.worker.postMessage({ id, task }, [...transfer]);
    });
  }

  /** Starts the workers now (if they are not running) and resolves once they are ready. */
  async warm(): Promise<void> {
    if (this.closed || this.o.size <= 0) return;
    if (this.slots.length === 0) this.start();
    await Promise.all(this.slots.map((s) => s.settledStart));
    if (this.outstanding === 0) this.armIdleTimer();
  }

  /** Stops every worker; outstanding tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    await this.stopAll();
  }

  private start(): void {
    for (let i = 0; i < this.o.size; i++) this.slots.push(this.spawn());
    this.o.onWorkerCount?.(this.slots.length);
  }

  private spawn(): Slot {
    const worker = new Worker(this.o.file, { workerData: this.o.workerData });
    worker.unref(); // tasks in progress are awaited by requests, which keep the process alive
    let started = () => {};
    const slot: Slot = { worker, ready: false, settledStart: new Promise((resolve) => { started = resolve; }), pending: new Map() };
    worker.on('message', (msg: Reply) => {
      if ('ready' in msg) {
        slot.ready = true;
        started();
        return;
      }
      const p = slot.pending.get(msg.id);
      if (p === undefined) return;
      slot.pending.delete(msg.id);
      this.settled();
      if ('error' in msg) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
    const fail = (err: Error) => {
      started();
      this.remove(slot, err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new WorkerFailedError(`worker exited with code ${code}`)));
    return slot;
  }

  private remove(slot: Slot, err: Error): void {
    const at = this.slots.indexOf(slot);
    if (at === -1) return;
    this.slots.splice(at, 1);
    this.o.onWorkerCount?.(this.slots.length);
    if (!this.closed) this.o.onWorkerFailed?.(err);
    const failed = err instanceof WorkerFailedError ? err : new WorkerFailedError(`worker failed: ${err.message}`);
    for (const p of slot.pending.values()) {
      this.settled();
      p.reject(failed);
    }
    slot.pending.clear();
    void slot.worker.terminate();
  }

  private settled(): void {
    this.outstanding--;
    if (this.outstanding === 0) this.armIdleTimer();
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      // Start-up time is not idle time: a worker still starting gets its full idle period.
      if (this.slots.some((s) => !s.ready)) this.armIdleTimer();
      else if (this.outstanding === 0) void this.stopAll();
    }, this.o.idleMs);
    this.idleTimer.unref();
  }

  private async stopAll(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    if (slots.length > 0) this.o.onWorkerCount?.(0);
    for (const s of slots) {
      for (const p of s.pending.values()) p.reject(new WorkerFailedError('worker pool stopped'));
      this.outstanding -= s.pending.size;
      s.pending.clear();
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
