import { ResourceEvent } from './lifecycle';

/**
 * The properties the resource had before an Update, parsed with the kind's own contract; undefined
 * when they do not parse: such properties were never deployed (the update that brought them failed).
 */
export function previousProperties<T>(event: ResourceEvent, parse: (raw: unknown) => T): T | undefined {
  try {
    return parse(event.OldResourceProperties);
  } catch {
    return undefined;
  }
}
