// The week's worker processes (bench/week-worker.mjs), each with a known role and count, seen
// from the orchestrator: spawn, wait until booted, send commands, await answers, collect events.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('week-worker.mjs', import.meta.url));
const BOOT_TIMEOUT_MS = 120_000;

export class WeekWorker {
  /**
   * `env` names the role and count (WEEK_ROLE, WEEK_COUNT, ...); `onEvent(worker, message)`
   * receives every line that is not an answer (failed calls).
   */
  constructor(name, env, onEvent) {
    this.name = name;
    this.role = env.WEEK_ROLE;
    this.count = Number(env.WEEK_COUNT);
    this.store = env.WEEK_SENTINELS ? 'sentinel' : 'memory';
    this.samples = {};
    this.waiters = [];
    this.stderr = [];
    this.child = spawn(process.execPath, [WORKER], {
      env: { ...process.env, ...env, WEEK_NAME: name },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.on('data', (chunk) => this.stderr.push(chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('close', resolve));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        return; // a stray line (a library's console output) is not the protocol
      }
      if (message.sample) this.samples[message.sample.tag] = message.sample;
      const waiter = this.waiters.findIndex((w) => w.match(message));
      if (waiter >= 0) this.waiters.splice(waiter, 1)[0].resolve(message);
      else onEvent(this, message);
    });
  }

  get pid() {
    return this.child.pid;
  }

  send(command) {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** Resolves with the next message `match` accepts; rejects if the worker exits first. */
  next(match, timeoutMs = 60_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no answer`)), timeoutMs);
      const waiter = {
        match,
        resolve: (message) => (clearTimeout(timer), resolve(message)),
      };
      this.waiters.push(waiter);
      this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}): ${this.stderr.join('').slice(-2000)}`));
      });
    });
  }

  /** Resolves once the worker has booted (the same promise on every call). */
  ready() {
    this.booted ??= this.next((m) => m.ready, BOOT_TIMEOUT_MS);
    return this.booted;
  }

  async restart(index) {
    this.send({ cmd: 'restart', index });
    return (await this.next((m) => m.restarted === index)).ms;
  }

  sample(tag) {
    this.send({ cmd: 'sample', tag });
  }

  async stop() {
    this.send({ cmd: 'stop' });
    const { summary } = await this.next((m) => m.summary !== undefined, 60_000);
    this.summary = summary;
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    return summary;
  }

  kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
