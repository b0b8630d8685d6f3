/**
 * Runs tasks over a dependency graph the way CloudFormation works through a stack: every task
 * starts as soon as all tasks it waits for have succeeded, independent ones in parallel. A task
 * whose prerequisite failed (or was skipped) is skipped. With `stopOnFailure`, the first failure
 * stops new tasks from starting; the ones already running are awaited.
 */
export interface GraphOutcome {
  readonly succeeded: ReadonlySet<string>;
  readonly failed: ReadonlySet<string>;
  /** Never started. */
  readonly skipped: ReadonlySet<string>;
}

export function runGraph(
  ids: readonly string[],
  waitsFor: (id: string) => readonly string[],
  task: (id: string) => Promise<boolean>,
  options: { stopOnFailure: boolean },
): Promise<GraphOutcome> {
  const members = new Set(ids);
  const pending = new Set(ids);
  const succeeded = new Set<string>();
  const failed = new Set<string>();
  const skipped = new Set<string>();
  let running = 0;
  let halted = false;

  return new Promise((resolve) => {
    const pump = () => {
      for (let changed = true; changed && !halted;) {
        changed = false;
        for (const id of [...pending]) {
          const prerequisites = waitsFor(id).filter((dep) => members.has(dep) && dep !== id);
          if (prerequisites.some((dep) => failed.has(dep) || skipped.has(dep))) {
            pending.delete(id);
            skipped.add(id);
            changed = true;
          } else if (prerequisites.every((dep) => succeeded.has(dep))) {
            pending.delete(id);
            start(id);
          }
        }
      }
      if (running === 0) {
        for (const id of pending) skipped.add(id);
        pending.clear();
        resolve({ succeeded, failed, skipped });
      }
    };
    const start = (id: string) => {
      running++;
      task(id)
        .catch(() => false)
        .then((ok) => {
          (ok ? succeeded : failed).add(id);
          if (!ok && options.stopOnFailure) halted = true;
          running--;
          pump();
        });
    };
    pump();
  });
}

/** Reverse order for deletion: a resource waits until everything that depends on it is gone. */
export function dependentsOf(ids: readonly string[], dependsOn: (id: string) => readonly string[]): (id: string) => string[] {
  return (id) => ids.filter((other) => other !== id && dependsOn(other).includes(id));
}
