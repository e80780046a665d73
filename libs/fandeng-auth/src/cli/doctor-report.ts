import type { DoctorOutcome } from './doctor-outcomes.js';
import { redactSecrets } from '../token/secret-forms.js';

/** Offsets within this band are the rounding of `expiresIn` to whole seconds, not clock skew. */
const CLOCK_TOLERANCE_MS = 2000;
/** Advice is wrapped to this many columns. */
const WIDTH = 100;

/** What one run found. Holds a fingerprint of the token, never the token or the secret. */
export interface DoctorReport {
  ok: boolean;
  outcome: DoctorOutcome;
  exitCode: number;
  summary: string;
  advice: string[];
  /** Invalid or missing variables, by name. */
  problems?: string[];
  /** Settings worth knowing about (a proxy, plain HTTP, a loaded .env). */
  notes: string[];
  tokenUrl?: string;
  clientId?: string;
  /** From sending the request to having parsed the answer. */
  roundTripMs?: number;
  httpStatus?: number;
  token?: {
    fingerprint: string;
    tokenType: string;
    expiresIn: number;
    scope: readonly string[];
    expiresAt: string;
    platformExpiration?: string;
    /**
     * The answer's `expiration` minus (local receipt time + `expiresIn`): positive when the
     * platform's clock is ahead. `expiresIn` is in whole seconds, so 0 to 1000 means in step.
     */
    clockOffsetMs?: number;
  };
  error?: {
    name: string;
    code: string;
    message: string;
    status?: number;
    error?: string;
    errorDescription?: string;
    cause?: string;
  };
}

/** The report as text for people, or as one JSON object for programs. */
export function formatReport(report: DoctorReport, json: boolean): string {
  if (json) return `${JSON.stringify(report, null, 2)}\n`;
  const lines = ['nestjs-fandeng-auth doctor'];
  if (report.tokenUrl) lines.push(row('token URL', report.tokenUrl));
  if (report.clientId) lines.push(row('client id', report.clientId));
  for (const note of report.notes) lines.push(row('note', note));
  lines.push('', report.ok ? report.summary : `FAILED: ${report.summary}`);
  if (!report.ok) lines.push(row('outcome', `${report.outcome} (exit code ${report.exitCode})`));
  for (const problem of report.problems ?? []) lines.push(row('problem', problem));
  if (report.token) {
    const { token } = report;
    lines.push(
      row('token', `${token.fingerprint} (a fingerprint: the token itself is never shown)`),
      row('lifetime', `${token.expiresIn} s (expiresIn), until ${token.expiresAt} by this clock`),
      row('clock', describeClock(token.clockOffsetMs, report.roundTripMs ?? 0)),
    );
  }
  if (report.httpStatus !== undefined && !report.ok) {
    lines.push(row('HTTP status', String(report.httpStatus)));
  }
  if (report.error?.message) lines.push(row('detail', report.error.message));
  if (report.roundTripMs !== undefined) lines.push(row('round trip', `${report.roundTripMs} ms`));
  if (report.advice.length > 0) {
    lines.push('', report.ok ? 'Next:' : 'What to do:');
    for (const advice of report.advice) lines.push(...wrap(advice, '  - ', '    '));
  }
  return `${lines.join('\n')}\n`;
}

/** Word-wraps `text` to {@link WIDTH} columns, the first line after `first`, the others after `rest`. */
function wrap(text: string, first: string, rest: string): string[] {
  const lines: string[] = [];
  let words: string[] = [];
  let prefix = first;
  for (const word of text.split(' ')) {
    if (words.length > 0 && [prefix, ...words, word].join(' ').length > WIDTH) {
      lines.push(prefix + words.join(' '));
      words = [];
      prefix = rest;
    }
    words.push(word);
  }
  return [...lines, prefix + words.join(' ')];
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(12)} ${value}`;
}

function describeClock(offsetMs: number | undefined, roundTripMs: number): string {
  if (offsetMs === undefined) {
    return 'offset unknown: the answer has no `expiration` (the module does not need it)';
  }
  const tenths = Math.round(offsetMs / 100);
  const seconds = `${tenths < 0 ? '-' : '+'}${(Math.abs(tenths) / 10).toFixed(1)} s`;
  // The answer left the platform up to a round trip before it arrived: that is not skew either.
  if (Math.abs(offsetMs) <= CLOCK_TOLERANCE_MS + roundTripMs) {
    return `in step with the platform (offset ${seconds}; expiresIn is in whole seconds)`;
  }
  const direction = offsetMs > 0 ? 'behind' : 'ahead of';
  return (
    `this server's clock is about ${seconds.slice(1)} ${direction} the platform's: check NTP ` +
    '(the module times tokens from expiresIn, so refreshing is not affected)'
  );
}

/** Replaces every form of each secret (raw and URL-encoded), longest first, with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  return redactSecrets(
    text,
    secrets.filter((secret) => secret.length > 0),
  );
}
