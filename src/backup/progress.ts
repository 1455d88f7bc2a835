// A progress bar on stderr for backup and restore: redrawn in place on a terminal, a line per
// tenth otherwise (logs, CI), silent when asked.

export interface Progress {
  /** `done` of `total` steps (tables, bytes …), with what is being done now. */
  update(done: number, total: number, what?: string): void;
  /** A line of its own (a phase starts or ends). */
  note(text: string): void;
  end(): void;
}

const WIDTH = 30;

export function progressBar(
  label: string,
  stream: NodeJS.WriteStream | undefined = process.stderr,
): Progress {
  if (!stream) return { update() {}, note() {}, end() {} };
  const tty = stream.isTTY === true;
  let lastTenth = -1;
  let drawn = false;
  return {
    update(done, total, what = '') {
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      if (tty) {
        const filled = Math.round(ratio * WIDTH);
        stream.write(
          `\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${what}`
            .slice(0, (stream.columns ?? 120) - 1)
            .padEnd(Math.min(119, (stream.columns ?? 120) - 1)),
        );
        drawn = true;
        return;
      }
      const tenth = Math.floor(ratio * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${label} ${tenth * 10}% ${what}\n`);
      }
    },
    note(text) {
      if (drawn) stream.write('\n');
      drawn = false;
      stream.write(`${label} ${text}\n`);
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
