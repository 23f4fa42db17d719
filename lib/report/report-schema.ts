import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { type ConformanceReport, reportApiVersion } from './conformance-report.ts';

/** Where the published JSON Schema of report.json lives, relative to the project root. */
export const reportSchemaPath = 'schemas/conformance-report.v1alpha1.schema.json';

/** The report versions this meshproof reads; anything else is refused as incompatible. */
export const readableReportApiVersions: readonly string[] = [reportApiVersion];

const schemaUrl = new URL(`../../${reportSchemaPath}`, import.meta.url);
let compiled: ValidateFunction | undefined;

function reportValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as object;
    // allErrors: a user fixing a hand-edited report wants every problem at once, not one per run.
    compiled = new Ajv2020({ allErrors: true, allowUnionTypes: true }).compile(schema);
  }
  return compiled;
}

function describeSchemaError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(top level)' : error.instancePath;
  const allowed =
    error.keyword === 'enum' || error.keyword === 'const'
      ? `: ${JSON.stringify((error.params as { allowedValues?: unknown; allowedValue?: unknown }).allowedValues ?? (error.params as { allowedValue?: unknown }).allowedValue)}`
      : error.keyword === 'additionalProperties'
        ? `: ${(error.params as { additionalProperty: string }).additionalProperty}`
        : '';
  return `${where} ${error.message ?? 'is invalid'}${allowed}`;
}

/**
 * Checks a value against the published schema of report.json; returns one line per problem,
 * none when it is a valid report.
 */
export function reportSchemaProblems(value: unknown): string[] {
  const validate = reportValidator();
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describeSchemaError);
}

/** "a; b; c (and 4 more)": keeps a coded error message on one readable line. */
function firstProblems(problems: readonly string[], shown = 3): string {
  const rest = problems.length - shown;
  return `${problems.slice(0, shown).join('; ')}${rest > 0 ? ` (and ${rest} more)` : ''}`;
}

/**
 * Parses report.json text into a report, refusing anything this meshproof cannot read with a
 * coded error: MESHPROOF_REPORT_UNREADABLE for text that is not a valid report,
 * MESHPROOF_REPORT_INCOMPATIBLE for a report of another apiVersion.
 */
export function parseConformanceReport(text: string, source: string): ConformanceReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MeshproofError(
      'MESHPROOF_REPORT_UNREADABLE',
      `${source} is not JSON (${(error as Error).message}); pass the report.json of a meshproof run, or its folder`,
      { cause: error },
    );
  }
  const header = (typeof value === 'object' && value !== null ? value : {}) as {
    apiVersion?: unknown;
    kind?: unknown;
  };
  if (header.kind !== 'ConformanceReport') {
    throw new MeshproofError(
      'MESHPROOF_REPORT_UNREADABLE',
      `${source} is not a meshproof ConformanceReport (kind ${JSON.stringify(header.kind ?? null)}); pass the report.json of a meshproof run, or its folder`,
    );
  }
  if (typeof header.apiVersion !== 'string' || !readableReportApiVersions.includes(header.apiVersion)) {
    throw new MeshproofError(
      'MESHPROOF_REPORT_INCOMPATIBLE',
      `${source} is a ${JSON.stringify(header.apiVersion ?? null)} report and this meshproof reads ${readableReportApiVersions.join(', ')} only; compare it with the meshproof version that wrote it`,
    );
  }
  const problems = reportSchemaProblems(value);
  if (problems.length > 0) {
    throw new MeshproofError(
      'MESHPROOF_REPORT_UNREADABLE',
      `${source} does not match ${reportSchemaPath}: ${firstProblems(problems)}; was it edited by hand or truncated?`,
    );
  }
  return value as ConformanceReport;
}

/**
 * Reads a report from a report.json path or a run folder holding one (`reports/latest` works),
 * validated as {@link parseConformanceReport} does. Returns the report and the file it came from.
 */
export async function readConformanceReport(
  path: string,
): Promise<{ readonly report: ConformanceReport; readonly file: string }> {
  let file = path;
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'report.json');
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new MeshproofError(
      'MESHPROOF_REPORT_UNREADABLE',
      `${file} ${reason} (${(error as Error).message}); pass the report.json of a meshproof run, or its folder`,
      { cause: error },
    );
  }
  return { report: parseConformanceReport(text, file), file };
}
