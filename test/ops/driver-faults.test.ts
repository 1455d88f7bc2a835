// The postgres.js write-after-close fault (porsager/postgres#1154, #1208) is survived and
// counted; every other uncaught exception still ends the process.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  isDriverWriteAfterClose,
  isOrphanSocketReset,
} from '../../src/platform/db/driver-faults.ts';
import { ROOT } from './support/process.ts';

function faultLike(message: string, stack: string): TypeError {
  const error = new TypeError(message);
  error.stack = `TypeError: ${message}\n${stack}`;
  return error;
}

const DRIVER_STACK =
  '    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)\n    at process.processImmediate (node:internal/timers:483:21)';

function run(script: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('database driver faults', () => {
  it('recognise only the driver write to a closed socket', () => {
    expect(
      isDriverWriteAfterClose(
        faultLike("Cannot read properties of null (reading 'write')", DRIVER_STACK),
      ),
    ).toBe(true);
    expect(
      isDriverWriteAfterClose(
        faultLike(
          "Cannot read properties of null (reading 'write')",
          '    at mine (file:///app/src/x.ts:1:1)',
        ),
      ),
    ).toBe(false);
    expect(
      isDriverWriteAfterClose(
        faultLike("Cannot read properties of null (reading 'end')", DRIVER_STACK),
      ),
    ).toBe(false);
    expect(isDriverWriteAfterClose(new Error('boom'))).toBe(false);
  });

  it('recognise a connection reset that reached no listener, and nothing raised by code', () => {
    const reset = (code: string, syscall: string, stack: string) =>
      Object.assign(new Error(`${syscall} ${code}`), {
        code,
        syscall,
        stack: `Error: ${syscall} ${code}\n${stack}`,
      });
    const SOCKET_STACK =
      '    at TCP.onStreamRead (node:internal/stream_base_commons:218:20)\n    at TCP.callbackTrampoline (node:internal/async_hooks:130:17)';
    expect(isOrphanSocketReset(reset('ECONNRESET', 'read', SOCKET_STACK))).toBe(true);
    expect(isOrphanSocketReset(reset('EPIPE', 'write', SOCKET_STACK))).toBe(true);
    // Thrown or rejected from application code: not an orphaned socket.
    expect(
      isOrphanSocketReset(
        reset('ECONNRESET', 'read', `${SOCKET_STACK}\n    at mine (file:///app/src/x.ts:1:1)`),
      ),
    ).toBe(false);
    expect(isOrphanSocketReset(reset('ECONNREFUSED', 'connect', SOCKET_STACK))).toBe(false);
    expect(isOrphanSocketReset(new Error('read ECONNRESET'))).toBe(false);
  });

  it('keep a process alive through the driver fault, and let any other uncaught exception end it', async () => {
    const prelude = `
      import { guardDriverFaults } from './src/platform/db/driver-faults.ts';
      import { createLogger } from './src/platform/observability/logger.ts';
      let faults = 0;
      guardDriverFaults(createLogger('error'), () => faults++);
      const fault = new TypeError("Cannot read properties of null (reading 'write')");
      fault.stack = 'TypeError: x\\n${DRIVER_STACK.replaceAll('\n', '\\n')}';`;
    const survived = await run(`${prelude}
      setImmediate(() => { throw fault; });
      setTimeout(() => { console.log('alive after', faults, 'fault'); process.exit(0); }, 200);`);
    expect(survived.code).toBe(0);
    expect(survived.output).toContain('alive after 1 fault');
    expect(survived.output).toContain('wrote to a closed connection');

    const crashed = await run(`${prelude}
      setImmediate(() => { throw new Error('a real bug'); });
      setTimeout(() => { console.log('still alive'); process.exit(0); }, 200);`);
    expect(crashed.code).toBe(1);
    expect(crashed.output).toContain('a real bug');
    expect(crashed.output).not.toContain('still alive');
  }, 60_000);
});
