/**
 * Clean-up that runs once however the tool ends: normal end, failure, Ctrl-C (SIGINT), SIGTERM. Steps run last
 * registered first (stop the services before dropping their database), each bounded in time so a hung step
 * cannot keep the tool alive.
 */
type Step = { name: string; run: () => Promise<void> | void; timeoutMs: number };

const steps: Step[] = [];
let running: Promise<void> | undefined;
let interruptedBy: NodeJS.Signals | undefined;

/** True once SIGINT/SIGTERM arrived: load loops stop sending, so the clean-up is not racing new work. */
export const interrupted = (): boolean => interruptedBy !== undefined;

/** Throws when interrupted (between phases: nothing more is started). */
export function throwIfInterrupted(): void {
  if (interruptedBy) throw new Error(`interrupted by ${interruptedBy}`);
}

/** Registers a clean-up step; returns a function that removes it (when the resource was released normally). */
export function onCleanup(name: string, run: Step['run'], timeoutMs = 60_000): () => void {
  const step = { name, run, timeoutMs };
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

export function runCleanup(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  running ??= (async () => {
    while (steps.length) {
      const step = steps.pop() as Step;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise<void>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${step.timeoutMs} ms`)), step.timeoutMs);
          }),
        ]);
      } catch (error) {
        log(`clean-up "${step.name}" failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  })();
  return running;
}

/** Runs `main`, then the clean-up; on SIGINT/SIGTERM the clean-up runs and the tool exits 130/143. */
export function runMain(main: () => Promise<number>): void {
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    if (interruptedBy) return;
    interruptedBy = signal;
    process.stderr.write(`\n${signal}: cleaning up…\n`);
    void runCleanup().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  // A stray error event must not skip the clean-up (servers, temp dirs): report it, clean up, exit 1.
  const onCrash = (error: unknown) => {
    process.stderr.write(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    void runCleanup().finally(() => process.exit(1));
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  main()
    .catch((error: unknown) => {
      const detail = error instanceof Error ? (interruptedBy ? error.message : (error.stack ?? error.message)) : String(error);
      process.stderr.write(`${detail}\n`);
      return 1;
    })
    .then(async (code) => {
      await runCleanup();
      process.exit(interruptedBy ? (interruptedBy === 'SIGINT' ? 130 : 143) : code);
    });
}
