// Form controls with their labels, hints and error messages tied to the input (for/id,
// aria-describedby, aria-invalid), so every control is named and explained to assistive
// technology, and buttons that say when they are busy.
import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, useId } from 'react';

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null | undefined;
}

export function TextField({ label, hint, error, className, id, ...input }: FieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        {...input}
      />
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

interface SelectProps extends SelectHTMLAttributes<HTMLSelectElement> {
  label: ReactNode;
  hint?: ReactNode;
  options: readonly { value: string; label: string }[];
}

export function SelectField({ label, hint, options, id, className, ...select }: SelectProps) {
  const generated = useId();
  const selectId = id ?? generated;
  const hintId = hint ? `${selectId}-hint` : undefined;
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label htmlFor={selectId}>{label}</label>
      <select id={selectId} aria-describedby={hintId} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function CheckboxField({
  label,
  hint,
  id,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: ReactNode; hint?: ReactNode }) {
  const generated = useId();
  const inputId = id ?? generated;
  return (
    <div className="check">
      <input id={inputId} type="checkbox" {...input} />
      <label htmlFor={inputId}>
        {label}
        {hint ? <span className="hint"> {hint}</span> : null}
      </label>
    </div>
  );
}

export function SubmitButton({
  busy,
  children,
  busyLabel,
  className,
  disabled,
}: {
  busy: boolean;
  children: ReactNode;
  busyLabel: ReactNode;
  className?: string;
  disabled?: boolean;
}) {
  return (
    <button
      type="submit"
      className={className}
      disabled={busy || disabled}
      aria-busy={busy || undefined}
    >
      {busy ? busyLabel : children}
    </button>
  );
}

/** The six-digit code of an authenticator app (numeric keyboard, one-time-code autofill). */
export function CodeField({
  label,
  name = 'code',
  autoFocus,
  hint,
}: {
  label: ReactNode;
  name?: string;
  autoFocus?: boolean;
  hint?: ReactNode;
}) {
  return (
    <TextField
      label={label}
      hint={hint}
      name={name}
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9]{6}"
      maxLength={6}
      minLength={6}
      required
      autoFocus={autoFocus}
      className="code-field"
    />
  );
}

export const formText = (data: FormData, name: string) => String(data.get(name) ?? '').trim();
