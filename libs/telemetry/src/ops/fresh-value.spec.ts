import { FreshValue } from './fresh-value';

/** A read whose answers the test hands out one by one. */
function controlledRead<T>() {
  const pending: Array<{ resolve: (value: T) => void; reject: (error: Error) => void }> = [];
  const read = jest.fn(
    () =>
      new Promise<T>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
  );
  return { read, pending };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FreshValue', () => {
  let clock = 0;
  const now = () => clock;

  beforeEach(() => {
    clock = 1000;
  });

  it('shares one read between concurrent callers and reuses the answer while it is fresh', async () => {
    const { read, pending } = controlledRead<number>();
    const value = new FreshValue(read, { maxAgeMs: 1000, abandonAfterMs: 5000 }, now);
    const first = value.get(10_000);
    const second = value.get(10_000);
    await tick();
    expect(read).toHaveBeenCalledTimes(1);
    pending[0]?.resolve(7);
    expect(await first).toEqual({ value: 7 });
    expect(await second).toEqual({ value: 7 });
    clock += 999;
    expect(await value.get(10_000)).toEqual({ value: 7 });
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('reads again once the answer is older than maxAgeMs', async () => {
    let n = 0;
    const value = new FreshValue(async () => ++n, { maxAgeMs: 1000, abandonAfterMs: 5000 }, now);
    expect(await value.get(1000)).toEqual({ value: 1 });
    clock += 1000;
    expect(await value.get(1000)).toEqual({ value: 2 });
    expect(value.lastKnown()).toBe(2);
  });

  it('answers undefined when the read does not answer in time, without starting a second read meanwhile', async () => {
    const { read, pending } = controlledRead<number>();
    const value = new FreshValue(read, { maxAgeMs: 1000, abandonAfterMs: 5000 }, now);
    expect(await value.get(20)).toBeUndefined();
    clock += 4999;
    expect(await value.get(20)).toBeUndefined();
    expect(read).toHaveBeenCalledTimes(1);
    // The late answer still counts.
    pending[0]?.resolve(3);
    await tick();
    expect(await value.get(20)).toEqual({ value: 3 });
  });

  it('gives up on a read that hangs past abandonAfterMs and starts another', async () => {
    const { read, pending } = controlledRead<string>();
    const value = new FreshValue(read, { maxAgeMs: 1000, abandonAfterMs: 5000 }, now);
    expect(await value.get(20)).toBeUndefined();
    clock += 5000;
    const next = value.get(10_000);
    await tick();
    expect(read).toHaveBeenCalledTimes(2);
    pending[1]?.resolve('recovered');
    expect(await next).toEqual({ value: 'recovered' });
    // The abandoned read answering later does not replace the newer answer.
    pending[0]?.resolve('stale');
    await tick();
    expect(value.lastKnown()).toBe('recovered');
  });

  it('passes a failed read to its callers and retries at the next call', async () => {
    const { read, pending } = controlledRead<number>();
    const value = new FreshValue(read, { maxAgeMs: 1000, abandonAfterMs: 5000 }, now);
    const failing = value.get(10_000);
    await tick();
    pending[0]?.reject(new Error('down'));
    await expect(failing).rejects.toThrow('down');
    const again = value.get(10_000);
    await tick();
    expect(read).toHaveBeenCalledTimes(2);
    pending[1]?.resolve(1);
    expect(await again).toEqual({ value: 1 });
  });
});
