import type { Check, CheckResult, CheckStatus } from '../model/index.ts';
import type { RunReporter } from '../runner/run-suite.ts';
import { terminalText as plain } from '../text/terminal-escape.ts';

const marks: Record<CheckStatus, string> = {
  PASSED: '✓',
  FAILED: '✗',
  ERROR: '!',
  NOT_SUPPORTED: '-',
  SKIPPED: '-',
};

/** Prints one line per check as it finishes, with want and got for failures. */
export class ProgressReporter implements RunReporter {
  readonly #write: (line: string) => void;
  #stopped = false;

  constructor(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {
    this.#write = write;
  }

  onRunStart(checks: readonly Check[]): void {
    this.#write(`starting the platform and mesh, then ${checks.length} check(s)…`);
  }

  /** No more lines: the run is being interrupted. */
  stop(): void {
    this.#stopped = true;
  }

  onCheckResult(result: CheckResult, completed: number, total: number): void {
    if (this.#stopped) return;
    const { status } = result;
    const width = String(total).length;
    const seconds = (result.durationMs / 1000).toFixed(1);
    const propagation =
      result.propagationMs === undefined
        ? ''
        : result.propagationMs === null
          ? '  (intent not confirmed before measuring)'
          : `  (in effect after ${result.propagationMs} ms)`;
    this.#write(
      `  [${String(completed).padStart(width)}/${total}] ${marks[status]} ${plain(result.id).padEnd(48)} ${status.padEnd(13)} ${seconds.padStart(5)} s${propagation}`,
    );
    if (status === 'FAILED' || status === 'ERROR') {
      this.#write(`        want: ${plain(result.want)}`);
      this.#write(`        got:  ${plain(result.got)}`);
    }
    if (status === 'NOT_SUPPORTED' && result.reason) this.#write(`        reason: ${plain(result.reason)}`);
  }
}
