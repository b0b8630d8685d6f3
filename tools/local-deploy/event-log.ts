/**
 * The printed side of a run: CloudFormation-style event lines
 *
 *   HH:MM:SS  <LogicalId>  <ResourceType>  <STATUS>  <reason>
 *
 * (times on the runner's virtual clock, UTC) and one progress line while resources wait. On a
 * TTY the progress line is redrawn in place; elsewhere (CI logs, a test's `log` callback) one
 * line is printed every `progressEveryMs` of real time while something is waiting.
 */
import { VirtualClock, shortDuration } from './clock';
import type { StackEvent } from './engine-types';

export interface EventLogOptions {
  readonly clock: VirtualClock;
  /** Where lines go; default: process.stdout, with the in-place progress line when it is a TTY. */
  readonly log?: (line: string) => void;
  /** Real ms between progress lines when not on a TTY. Default 5000; 0 = none. */
  readonly progressEveryMs?: number;
  /** Applied to every printed line (the runner uses it to keep ResponseURL secrets out). */
  readonly sanitize?: (text: string) => string;
}

interface Waiting {
  readonly label: string;
  /** Virtual epoch ms. */
  readonly since: number;
}

const STATUS_WIDTH = 18; // DELETE_IN_PROGRESS

export function formatTime(virtualMs: number): string {
  return new Date(virtualMs).toISOString().slice(11, 19);
}

export class EventLog {
  private idWidth = 30;
  private typeWidth = 40;
  private readonly waiting = new Map<number, Waiting>();
  private nextKey = 0;
  private ticker?: NodeJS.Timeout;
  private progressShown = false;
  private readonly tty: boolean;
  private readonly write: (line: string) => void;

  constructor(private readonly options: EventLogOptions) {
    this.tty = !options.log && process.stdout.isTTY === true;
    this.write = options.log ?? ((line) => process.stdout.write(`${line}\n`));
  }

  /** Sizes the columns for the resources about to be shown. */
  setColumns(logicalIds: string[], types: string[]): void {
    this.idWidth = Math.max(20, ...logicalIds.map((id) => id.length));
    this.typeWidth = Math.max(26, ...types.map((type) => type.length));
  }

  event(event: StackEvent): void {
    const line = [
      formatTime(event.timestamp),
      event.logicalId.padEnd(this.idWidth),
      event.resourceType.padEnd(this.typeWidth),
      event.reason ? event.status.padEnd(STATUS_WIDTH) : event.status,
      // Reasons may span lines (the framework appends "Logs: ..." and a trace): one line here.
      (event.reason ?? '').replace(/\s*\n\s*/g, ' '),
    ]
      .join('  ')
      .trimEnd();
    this.line(line);
  }

  /** A plain line (headers, summaries). */
  line(text: string): void {
    const sanitized = this.options.sanitize ? this.options.sanitize(text) : text;
    if (this.tty && this.progressShown) {
      process.stdout.write('\r\x1b[2K');
      this.progressShown = false;
    }
    this.write(sanitized);
    if (this.tty) this.drawProgress();
  }

  /** Marks a resource as waiting; call the returned function when it is done. */
  startWaiting(label: string, since: number): () => void {
    const key = this.nextKey++;
    this.waiting.set(key, { label, since });
    this.ensureTicker();
    return () => {
      this.waiting.delete(key);
      if (this.waiting.size === 0) this.stopTicker();
    };
  }

  dispose(): void {
    this.waiting.clear();
    this.stopTicker();
  }

  private progressText(): string | undefined {
    if (this.waiting.size === 0) return undefined;
    const now = this.options.clock.now();
    const entries = [...this.waiting.values()].sort((a, b) => a.since - b.since);
    const shown = entries.slice(0, 3).map((entry) => `${entry.label} (${shortDuration(now - entry.since)})`);
    const more = entries.length > 3 ? ` and ${entries.length - 3} more` : '';
    return `  … waiting on ${shown.join(', ')}${more}`;
  }

  private drawProgress(): void {
    const text = this.progressText();
    if (!text) return;
    const columns = process.stdout.columns ?? 120;
    process.stdout.write(`\r\x1b[2K${text.slice(0, columns - 1)}`);
    this.progressShown = true;
  }

  private ensureTicker(): void {
    if (this.ticker) return;
    const every = this.tty ? 250 : (this.options.progressEveryMs ?? 5000);
    if (every <= 0) return;
    this.ticker = setInterval(() => {
      if (this.tty) return this.drawProgress();
      const text = this.progressText();
      if (text) this.write(this.options.sanitize ? this.options.sanitize(text) : text);
    }, every);
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.tty && this.progressShown) {
      process.stdout.write('\r\x1b[2K');
      this.progressShown = false;
    }
  }
}
