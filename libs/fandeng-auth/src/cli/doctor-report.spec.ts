import { formatReport, redact, type DoctorReport } from './doctor-report.js';

const OK: DoctorReport = {
  ok: true,
  outcome: 'ok',
  exitCode: 0,
  summary: 'OK: the platform issued a token.',
  advice: [],
  notes: [],
  roundTripMs: 40,
  token: {
    fingerprint: 'sha256:00000000',
    tokenType: 'bearer',
    expiresIn: 7199,
    scope: ['ALL'],
    expiresAt: '2030-01-01T00:00:00.000Z',
    clockOffsetMs: 600,
  },
};

describe('formatReport', () => {
  it('reads an offset within the rounding of expiresIn as clocks in step', () => {
    expect(formatReport(OK, false)).toContain('in step with the platform (offset +0.6 s');
  });

  it('says which way the local clock is off', () => {
    const behind = { ...OK, token: { ...OK.token!, clockOffsetMs: 95_000 } };
    const ahead = { ...OK, token: { ...OK.token!, clockOffsetMs: -30_000 } };
    expect(formatReport(behind, false)).toContain("clock is about 95.0 s behind the platform's");
    expect(formatReport(ahead, false)).toContain("clock is about 30.0 s ahead of the platform's");
  });

  it('wraps advice to 100 columns without losing a word', () => {
    const advice = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const text = formatReport({ ...OK, advice: [advice] }, false);
    const lines = text.split('\n').filter((line) => line.includes('word'));
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.every((line) => line.length <= 100)).toBe(true);
    expect(lines.map((line) => line.replace(/^ +(- )?/, '')).join(' ')).toBe(advice);
  });

  it('prints JSON that parses back to the report', () => {
    expect(JSON.parse(formatReport(OK, true))).toEqual(OK);
  });
});

describe('redact', () => {
  it('replaces every occurrence of each secret, the longer first', () => {
    expect(redact('a s3cret\n and s3cret', ['s3cret', 's3cret\n'])).toBe(
      'a [redacted] and [redacted]',
    );
    expect(redact('nothing here', [''])).toBe('nothing here');
  });
});
