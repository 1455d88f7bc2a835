// A small YAML writer for the rule files: maps, lists, numbers, booleans and strings (double-
// quoted JSON strings are valid YAML; multi-line strings become literal blocks). Enough for
// Prometheus rule files, and no dependency.

type Value = string | number | boolean | null | Value[] | { [key: string]: Value | undefined };

const plainKey = (key: string) =>
  /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key);

function scalar(value: string | number | boolean | null, indent: string): string {
  if (typeof value === 'string' && value.includes('\n')) {
    return `|-\n${value
      .split('\n')
      .map((line) => (line ? `${indent}  ${line}` : ''))
      .join('\n')}`;
  }
  return value === null
    ? 'null'
    : typeof value === 'string'
      ? JSON.stringify(value)
      : String(value);
}

function emit(value: Value, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    return value
      .map((item) => {
        if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
          const body = emit(item, `${indent}  `).replace(/^\n/, '');
          return `\n${indent}- ${body.slice(indent.length + 2)}`;
        }
        return `\n${indent}- ${scalar(item as string, `${indent}  `)}`;
      })
      .join('');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined) as [string, Value][];
    if (entries.length === 0) return ' {}';
    return entries
      .map(([key, v]) => {
        const nested = v !== null && typeof v === 'object';
        return `\n${indent}${plainKey(key)}:${nested ? emit(v, `${indent}  `) : ` ${scalar(v as string, indent)}`}`;
      })
      .join('');
  }
  return ` ${scalar(value, indent)}`;
}

/** The YAML text of `value` (a map at the top), with a header comment. */
export function toYaml(value: Value, header: string): string {
  return `${header
    .split('\n')
    .map((line) => `# ${line}`.trimEnd())
    .join('\n')}\n${emit(value, '').replace(/^\n/, '')}\n`;
}

export type { Value as YamlValue };
