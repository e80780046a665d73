// The platform's week (issue 26): what changes when, in platform time (day 1-7, hour 0-24), and
// the physical limit of token requests that follows from it. Pure data and arithmetic; the
// orchestrator (platform-week.mjs) carries the events out on the emulators, the store and the
// workers.

/**
 * Compression, in platform seconds per real second. The module accepts no token lifetime under
 * 1 s (MIN_EXPIRES_IN_SECONDS), so the stretch of 600 s tokens (day 4 04:00 to day 7 05:00) runs
 * at SLOW_SCALE (a 600 s token lasts 1 s) and the rest of the week at FAST_SCALE (a 3600 s token
 * lasts 1 s): the week in about 9 minutes instead of 17 at one speed.
 */
export const FAST_SCALE = Number(process.env.BENCH_WEEK_FAST_SCALE ?? 3600);
export const SLOW_SCALE = Number(process.env.BENCH_WEEK_SLOW_SCALE ?? 600);

/** The platform's numbers on day 1, in platform seconds. */
export const INITIAL = { lifetimeS: 7200, overlapS: 300 };

/**
 * The token request is slowed to this many real ms for an hour on day 4. The "2 s" is
 * 1/150 of a 600 s token's 300 s refresh-ahead window; compressed, 2 platform seconds would be
 * under 2 ms and show nothing, so the slowdown is chosen large against the compressed window
 * instead (see SLOW_TOKEN_SHARE): a harder test than the platform's own.
 */
export const SLOW_TOKEN_SHARE = 0.4;

/**
 * The week's events, in order. `kind` tells the orchestrator what to do; `value` is in platform
 * seconds where it is a duration.
 */
export const EVENTS = [
  { day: 2, hour: 9, kind: 'lifetime', value: 3600, label: 'tokens of 3600 s, without notice' },
  { day: 3, hour: 8, kind: 'overlap', value: 60, label: 'overlap 60 s' },
  { day: 3, hour: 8, kind: 'omitExpiration', value: true, label: '`expiration` missing' },
  { day: 4, hour: 4, kind: 'lifetime', value: 600, label: 'tokens of 600 s' },
  { day: 4, hour: 10, kind: 'slowToken', value: true, label: 'token request slow' },
  { day: 4, hour: 11, kind: 'slowToken', value: false, label: 'token request fast again' },
  { day: 5, hour: 3, kind: 'outage5xx', label: 'platform outage: 503' },
  { day: 5, hour: 3.25, kind: 'outageRefused', label: 'platform outage: connections refused' },
  { day: 5, hour: 3.5, kind: 'outageEnd', label: 'platform back' },
  { day: 5, hour: 4.5, kind: 'killMaster', label: 'Redis master killed' },
  { day: 6, hour: 6, kind: 'rollingRestart', until: 18, label: 'rolling restart' },
  { day: 7, hour: 5, kind: 'lifetime', value: 7200, label: 'back to tokens of 7200 s' },
];

/** When the processes are sampled (RSS, CPU): after day 1's warm-up and near each end. */
export const SAMPLES = [
  { tag: 'startFrom', day: 1, hour: 8 },
  { tag: 'startTo', day: 1, hour: 23.5 },
  { tag: 'endFrom', day: 7, hour: 8 },
  { tag: 'endTo', day: 7, hour: 23.5 },
];

/** Platform seconds from the start of the week. */
export const weekSeconds = ({ day, hour }) => (day - 1) * 86_400 + hour * 3600;

const SLOW_FROM = weekSeconds({ day: 4, hour: 4 });
const SLOW_TO = weekSeconds({ day: 7, hour: 5 });
const WEEK = 7 * 86_400;
/** [from, to, scale] in platform seconds, covering the week. */
const SEGMENTS = [
  [0, SLOW_FROM, FAST_SCALE],
  [SLOW_FROM, SLOW_TO, SLOW_SCALE],
  [SLOW_TO, Infinity, FAST_SCALE],
];

/** The scale in force at platform second `w`. */
export const scaleAt = (w) => SEGMENTS.find(([from, to]) => w >= from && w < to)[2];

/** Real milliseconds from the start of the week to platform second `w`. */
export function realMs(w) {
  let ms = 0;
  for (const [from, to, scale] of SEGMENTS) {
    if (w > from) ms += ((Math.min(w, to) - from) / scale) * 1000;
  }
  return ms;
}

/** Platform seconds at `ms` real milliseconds from the start of the week. */
export function platformSeconds(ms) {
  let left = ms;
  for (const [from, to, scale] of SEGMENTS) {
    const span = ((to - from) / scale) * 1000;
    if (left < span) return from + (left / 1000) * scale;
    left -= span;
  }
  return Infinity;
}

/** The platform day (1-7) at `ms` real milliseconds from the start (0 before it). */
export const dayAtMs = (ms) => (ms < 0 ? 0 : Math.floor(platformSeconds(ms) / 86_400) + 1);

/** The week's length in real milliseconds. */
export const WEEK_MS = realMs(WEEK);

/** What changed on `day`, for the table. */
export function dayLabel(day) {
  const labels = EVENTS.filter((event) => event.day === day).map((event) => event.label);
  return labels.length > 0 ? labels.join('; ') : day === 1 ? 'as today: 7200 s, overlap 300 s' : '';
}

/** The lifetime in force at each moment: [from (week seconds), lifetime] in order. */
function lifetimeSegments() {
  const segments = [[0, INITIAL.lifetimeS]];
  for (const event of EVENTS) {
    if (event.kind === 'lifetime') segments.push([weekSeconds(event), event.value]);
  }
  return segments;
}

/**
 * The physical limit of `day`: its seconds divided by the lifetime in force, summed over the
 * lifetime changes (one request per lifetime is the least any client can make).
 */
export function physicalLimit(day) {
  const from = (day - 1) * 86_400;
  const to = day * 86_400;
  const segments = lifetimeSegments();
  let limit = 0;
  segments.forEach(([start, lifetime], i) => {
    const end = segments[i + 1]?.[0] ?? Infinity;
    const overlap = Math.min(end, to) - Math.max(start, from);
    if (overlap > 0) limit += overlap / lifetime;
  });
  return Math.round(limit * 10) / 10;
}

/**
 * The week's allowance (issue 26): the physical limit, plus the first fetch, one per lifetime
 * change and two for the outage.
 */
export function weekAllowance() {
  let limit = 0;
  for (let day = 1; day <= 7; day++) limit += physicalLimit(day);
  const changes = EVENTS.filter((event) => event.kind === 'lifetime').length;
  return {
    physicalLimit: Math.round(limit * 10) / 10,
    allowed: Math.floor(limit) + 1 + changes + 2,
  };
}
