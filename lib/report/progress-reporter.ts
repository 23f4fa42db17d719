import type { Reporter, TestCase } from 'vitest/node';
import type { CheckStatus } from '../model/index.ts';
import { terminalText as plain } from '../text/terminal-escape.ts';

const marks: Record<CheckStatus, string> = {
  PASSED: '✓',
  FAILED: '✗',
  ERROR: '!',
  NOT_SUPPORTED: '-',
  SKIPPED: '-',
};

/** Prints one line per check as it finishes, with want and got for failures. */
export class ProgressReporter implements Reporter {
  readonly #total: number;
  readonly #write: (line: string) => void;
  #done = 0;
  #stopped = false;

  constructor(total: number, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {
    this.#total = total;
    this.#write = write;
  }

  onTestRunStart(): void {
    this.#write(`starting the platform and mesh, then ${this.#total} check(s)…`);
  }

  /** No more lines: the run is being interrupted, and the tests its stopped worker ends are not results. */
  stop(): void {
    this.#stopped = true;
  }

  onTestCaseResult(testCase: TestCase): void {
    if (this.#stopped) return;
    this.#done++;
    // The CLI reports an environment that did not start once, as a coded error.
    if (testCase.meta().meshproof?.environment.startupError) return;
    const result = testCase.meta().meshproof?.result;
    const status: CheckStatus = result?.status ?? 'ERROR';
    const width = String(this.#total).length;
    const seconds = ((result?.durationMs ?? 0) / 1000).toFixed(1);
    const propagation =
      result?.propagationMs === undefined
        ? ''
        : result.propagationMs === null
          ? '  (intent not confirmed before measuring)'
          : `  (in effect after ${result.propagationMs} ms)`;
    this.#write(
      `  [${String(this.#done).padStart(width)}/${this.#total}] ${marks[status]} ${plain(testCase.name).padEnd(48)} ${status.padEnd(13)} ${seconds.padStart(5)} s${propagation}`,
    );
    if (status === 'FAILED' || status === 'ERROR') {
      this.#write(`        want: ${plain(result?.want ?? '')}`);
      this.#write(`        got:  ${plain(result?.got ?? testCase.result().errors?.[0]?.message ?? '')}`);
    }
    if (status === 'NOT_SUPPORTED' && result?.reason) this.#write(`        reason: ${plain(result.reason)}`);
  }
}
