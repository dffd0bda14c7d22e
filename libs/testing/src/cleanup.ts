/**
 * Registers cleanups next to the code that starts a resource, so no test leaks a server or a
 * port (the aedes test/helper.js habit). Call `cleanups.run()` in afterAll/afterEach.
 */
export class Cleanups {
  private readonly stack: Array<() => unknown> = [];

  add<T>(fn: () => unknown, value?: T): T {
    this.stack.push(fn);
    return value as T;
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (this.stack.length) {
      const fn = this.stack.pop()!;
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  }
}
