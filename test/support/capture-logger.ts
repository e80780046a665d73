import type { LoggerService } from '@nestjs/common';

/** A LoggerService that keeps every line, so tests can read and scan what the module logs. */
export class CaptureLogger implements LoggerService {
  readonly lines: string[] = [];

  log(message: unknown): void {
    this.lines.push(`LOG ${String(message)}`);
  }
  warn(message: unknown): void {
    this.lines.push(`WARN ${String(message)}`);
  }
  error(message: unknown): void {
    this.lines.push(`ERROR ${String(message)}`);
  }
  debug(message: unknown): void {
    this.lines.push(`DEBUG ${String(message)}`);
  }
  verbose(message: unknown): void {
    this.lines.push(`VERBOSE ${String(message)}`);
  }
}
