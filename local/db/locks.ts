/**
 * The two locks of the local database. The local cloud is one process, so plain promise queues are
 * enough: no operation ever observes another half done.
 */

/** Runs critical sections one at a time, in arrival order. Sections must never wait on user code. */
export class SerialGate {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(section);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

interface Waiter {
  grant: () => void;
  fail: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A first-come, first-served lock with a bounded wait, held by one transaction from start to
 * commit/abort. A waiter that times out leaves the queue and gets an error instead of hanging.
 */
export class FifoLock {
  private held = false;
  private readonly waiting: Waiter[] = [];

  acquire(timeoutMs: number, onTimeout: () => Error): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        fail: (error) => {
          clearTimeout(waiter.timer);
          reject(error);
        },
        timer: setTimeout(() => {
          const index = this.waiting.indexOf(waiter);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(onTimeout());
        }, timeoutMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** Hands the lock straight to the next waiter, so nobody can overtake the queue. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.held = false;
  }

  /** Fails every waiter (the database is closing). */
  rejectAll(error: () => Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.fail(error());
  }
}
