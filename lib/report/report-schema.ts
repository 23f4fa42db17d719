import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { BenchReport } from '../bench/bench-report.ts';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { type ConformanceReport, reportApiVersion } from './conformance-report.ts';
import { readReportFile } from './report-file.ts';

/** Where the published JSON Schema of report.json lives, relative to the project root. */
export const reportSchemaPath = 'schemas/conformance-report.v1alpha1.schema.json';
/** Where the published JSON Schema of bench.json lives, relative to the project root. */
export const benchSchemaPath = 'schemas/sidecar-overhead-benchmark.v1alpha1.schema.json';

/** The report versions this meshproof reads; anything else is refused as incompatible. */
export const readableReportApiVersions: readonly string[] = [reportApiVersion];

/** The kinds of file a run writes that meshproof reads back, with their file name and schema. */
const reportKinds = {
  ConformanceReport: { fileName: 'report.json', schemaPath: reportSchemaPath },
  SidecarOverheadBenchmark: { fileName: 'bench.json', schemaPath: benchSchemaPath },
} as const;
type ReportKind = keyof typeof reportKinds;

interface Validator {
  readonly validate: ValidateFunction;
  /** Every property name the schema defines: the only names read from a file a message may repeat. */
  readonly names: ReadonlySet<string>;
}

const validators = new Map<ReportKind, Validator>();

function propertyNames(schema: unknown, names = new Set<string>()): Set<string> {
  if (typeof schema !== 'object' || schema === null) return names;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      for (const name of Object.keys(value)) names.add(name);
    }
    propertyNames(value, names);
  }
  return names;
}

function validatorFor(kind: ReportKind): Validator {
  let validator = validators.get(kind);
  if (!validator) {
    const url = new URL(`../../${reportKinds[kind].schemaPath}`, import.meta.url);
    const schema = JSON.parse(readFileSync(url, 'utf8')) as object;
    // allErrors: a user fixing a hand-edited report wants every problem at once, not one per run.
    const validate = new Ajv2020({ allErrors: true, allowUnionTypes: true }).compile(schema);
    validator = { validate, names: propertyNames(schema) };
    validators.set(kind, validator);
  }
  return validator;
}

/**
 * A key or path segment as a message may show it: an index or a name the schema defines; any
 * other key is the file's content and is never repeated (it could be anything, a token too).
 */
function fieldName(text: string, names: ReadonlySet<string>): string {
  return /^[0-9]{1,9}$/.test(text) || names.has(text) ? text : '…';
}

function describeSchemaError(error: ErrorObject, names: ReadonlySet<string>): string {
  const where =
    error.instancePath === ''
      ? '(top level)'
      : error.instancePath
          .split('/')
          .map((segment) => (segment === '' ? segment : fieldName(segment, names)))
          .join('/');
  const allowed =
    error.keyword === 'enum' || error.keyword === 'const'
      ? `: ${JSON.stringify((error.params as { allowedValues?: unknown; allowedValue?: unknown }).allowedValues ?? (error.params as { allowedValue?: unknown }).allowedValue)}`
      : error.keyword === 'additionalProperties'
        ? `: ${fieldName((error.params as { additionalProperty: string }).additionalProperty, names)}`
        : '';
  return `${where} ${error.message ?? 'is invalid'}${allowed}`;
}

/**
 * Checks a value against the published schema of report.json; returns one line per problem,
 * none when it is a valid report.
 */
export function reportSchemaProblems(value: unknown): string[] {
  return schemaProblems('ConformanceReport', value);
}

function schemaProblems(kind: ReportKind, value: unknown): string[] {
  const { validate, names } = validatorFor(kind);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => describeSchemaError(error, names));
}

/** "a; b; c (and 4 more)": keeps a coded error message on one readable line. */
function firstProblems(problems: readonly string[], shown = 3): string {
  const rest = problems.length - shown;
  return `${problems.slice(0, shown).join('; ')}${rest > 0 ? ` (and ${rest} more)` : ''}`;
}

/** An apiVersion as a message may show it: a plausible version is named, anything else is not quoted. */
function describeApiVersion(value: unknown): string {
  if (typeof value !== 'string') return 'no apiVersion';
  return /^[a-z0-9.-]{1,63}\/v[0-9a-z]{1,15}$/.test(value) ? value : 'an unknown apiVersion';
}

/** True for a report.json of the format before evidence carried its kind (a piece without a string `kind`). */
function hasUntypedEvidence(value: unknown): boolean {
  const checks = (value as { checks?: unknown }).checks;
  if (!Array.isArray(checks)) return false;
  return checks.some((check) => {
    const evidence = (check as { evidence?: unknown } | null)?.evidence;
    if (typeof evidence !== 'object' || evidence === null) return false;
    return Object.values(evidence).some(
      (item) => typeof (item as { kind?: unknown } | null)?.kind !== 'string',
    );
  });
}

/** A report meshproof wrote, read back: report.json of a conformance run or bench.json of a benchmark. */
export type RunReport =
  | { readonly kind: 'ConformanceReport'; readonly report: ConformanceReport }
  | { readonly kind: 'SidecarOverheadBenchmark'; readonly report: BenchReport };

const expected = 'pass the report.json of a meshproof run or the bench.json of a benchmark, or its folder';

/**
 * Parses report.json or bench.json text, refusing anything this meshproof cannot read with a
 * coded error: MESHPROOF_REPORT_UNREADABLE for text that is not a valid report,
 * MESHPROOF_REPORT_INCOMPATIBLE for a report of another apiVersion.
 */
export function parseRunReport(text: string, source: string): RunReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // The parser's message quotes the text around the mistake: never echo a file's contents.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new MeshproofError(
      'MESHPROOF_REPORT_UNREADABLE',
      `${source} is not JSON${at ? ` (invalid at byte ${at})` : ' (it ends too early or is empty)'}; ${expected}`,
      { cause: error },
    );
  }
  const header = (typeof value === 'object' && value !== null ? value : {}) as {
    apiVersion?: unknown;
    kind?: unknown;
  };
  const kind = Object.keys(reportKinds).find((k) => k === header.kind) as ReportKind | undefined;
  if (!kind) {
    throw new MeshproofError(
      'MESHPROOF_REPORT_UNREADABLE',
      `${source} is not a meshproof ConformanceReport or SidecarOverheadBenchmark (its kind is ${typeof header.kind === 'string' ? 'another' : 'missing'}); ${expected}`,
    );
  }
  if (typeof header.apiVersion !== 'string' || !readableReportApiVersions.includes(header.apiVersion)) {
    throw new MeshproofError(
      'MESHPROOF_REPORT_INCOMPATIBLE',
      `${source} is a report of ${describeApiVersion(header.apiVersion)} and this meshproof reads ${readableReportApiVersions.join(', ')} only; compare it with the meshproof version that wrote it`,
    );
  }
  if (kind === 'ConformanceReport' && hasUntypedEvidence(value)) {
    throw new MeshproofError(
      'MESHPROOF_REPORT_INCOMPATIBLE',
      `${source} was written by an earlier meshproof, whose evidence did not say its kind; run the baseline again with this meshproof, or compare the two reports with the meshproof version that wrote the older one`,
    );
  }
  const problems = schemaProblems(kind, value);
  if (problems.length > 0) {
    throw new MeshproofError(
      'MESHPROOF_REPORT_UNREADABLE',
      `${source} does not match ${reportKinds[kind].schemaPath}: ${firstProblems(problems)}; was it edited by hand or truncated?`,
    );
  }
  return kind === 'ConformanceReport'
    ? { kind, report: value as ConformanceReport }
    : { kind, report: value as BenchReport };
}

/** Reads a bench.json (or the benchmark run folder holding one), refusing any other report. */
export async function readBenchReport(
  path: string,
): Promise<{ readonly report: BenchReport; readonly file: string }> {
  const read = await readRunReport(path);
  if (read.kind !== 'SidecarOverheadBenchmark') {
    throw new MeshproofError(
      'MESHPROOF_REPORT_UNREADABLE',
      `${read.file} is a ${read.kind}, not a benchmark; pass the bench.json of \`meshproof bench\`, or its folder (reports/latest-bench)`,
    );
  }
  return { report: read.report, file: read.file };
}

/**
 * Reads a report from a report.json or bench.json path, or a run folder holding one
 * (`reports/latest` and `reports/latest-bench` work), validated as {@link parseRunReport} does.
 * Returns the report and the file it came from.
 */
export async function readRunReport(path: string): Promise<RunReport & { readonly file: string }> {
  const { file, text } = await readReportFile(
    path,
    Object.values(reportKinds).map((k) => k.fileName),
    expected,
  );
  return { ...parseRunReport(text, file), file };
}
