import { EmulatorConfigError } from './emulator-config.error.js';
import { FaultQueue, type EmulatorFault } from './faults.js';

describe('FaultQueue', () => {
  it('hands out faults first in, first out, `times` each', () => {
    const queue = new FaultQueue();
    queue.push({ type: 'drop' }, 2);
    queue.push({ type: 'delay', ms: 5 });

    expect(queue.pending).toBe(3);
    expect([1, 2, 3, 4].map(() => queue.take()?.type)).toEqual([
      'drop',
      'drop',
      'delay',
      undefined,
    ]);
  });

  it('keeps an Infinity fault until cleared', () => {
    const queue = new FaultQueue();
    queue.push({ type: 'drop' }, Infinity);
    queue.push({ type: 'delay', ms: 1 });
    for (let i = 0; i < 1000; i++) expect(queue.take()?.type).toBe('drop');

    queue.clear();
    expect(queue.take()).toBeUndefined();
  });

  it('copies the fault, so the caller may reuse its object', () => {
    const queue = new FaultQueue();
    const fault: EmulatorFault = { type: 'delay', ms: 10 };
    queue.push(fault);
    fault.ms = 99;

    expect(queue.take()).toEqual({ type: 'delay', ms: 10 });
  });

  it.each([
    [{ type: 'status', status: 42 }, /fault\.status/],
    [{ type: 'delay', ms: Number.NaN }, /fault\.ms/],
    [{ type: 'body', status: 600, body: 'x' }, /fault\.status/],
    [{ type: 'explode' }, /fault\.type/],
  ])('rejects %j', (fault, message) => {
    const queue = new FaultQueue();

    expect(() => queue.push(fault as EmulatorFault)).toThrow(EmulatorConfigError);
    expect(() => queue.push(fault as EmulatorFault)).toThrow(message);
    expect(queue.pending).toBe(0);
  });

  it('rejects a non-positive or fractional `times`', () => {
    const queue = new FaultQueue();

    for (const times of [0, -1, 1.5]) {
      expect(() => queue.push({ type: 'drop' }, times)).toThrow(/times/);
    }
  });
});
