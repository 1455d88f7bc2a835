// A market to create: a template (or a custom market), its name and line, and a row per
// selection with its price.
import { SelectField, TextField } from '../../ui/forms.tsx';
import { type SelectionDraft, TEMPLATES } from './templates.ts';

export interface MarketDraft {
  type: string;
  name: string;
  line: string;
  selections: SelectionDraft[];
}

export function emptyMarket(type: string, home: string, away: string): MarketDraft {
  const template = TEMPLATES.find((t) => t.type === type) ?? TEMPLATES[0]!;
  return {
    type: template.type,
    name: template.name,
    line: template.line ? '2.5' : '',
    selections: template.selections(home, away),
  };
}

export function MarketFields({
  draft,
  onChange,
  idPrefix,
  home = '',
  away = '',
}: {
  draft: MarketDraft;
  onChange: (draft: MarketDraft) => void;
  idPrefix: string;
  home?: string;
  away?: string;
}) {
  const template = TEMPLATES.find((t) => t.type === draft.type);
  const custom = draft.type === 'custom';
  const setSelection = (index: number, patch: Partial<SelectionDraft>) =>
    onChange({
      ...draft,
      selections: draft.selections.map((s, i) => (i === index ? { ...s, ...patch } : s)),
    });
  return (
    <fieldset className="stack market-fields">
      <legend>Market</legend>
      <div className="field-row">
        <SelectField
          label="Type"
          id={`${idPrefix}-type`}
          value={draft.type}
          onChange={(e) => onChange(emptyMarket(e.target.value, home, away))}
          options={TEMPLATES.map((t) => ({ value: t.type, label: t.label }))}
        />
        <TextField
          label="Market name"
          id={`${idPrefix}-name`}
          value={draft.name}
          onChange={(e) => onChange({ ...draft, name: e.target.value })}
          required
          maxLength={200}
        />
        {template?.line || custom ? (
          <TextField
            label="Line"
            id={`${idPrefix}-line`}
            value={draft.line}
            onChange={(e) => onChange({ ...draft, line: e.target.value })}
            hint={custom ? 'Optional, e.g. 2.5' : 'e.g. 2.5'}
            inputMode="decimal"
            required={!custom}
          />
        ) : null}
      </div>
      <table className="table">
        <caption className="visually-hidden">Selections</caption>
        <thead>
          <tr>
            <th scope="col">Selection</th>
            <th scope="col">Outcome code</th>
            <th scope="col">Price</th>
            {custom ? (
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {draft.selections.map((s, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are positions in the form
            <tr key={i}>
              <td>
                <input
                  aria-label={`Selection ${i + 1} name`}
                  value={s.name}
                  required
                  maxLength={200}
                  onChange={(e) => setSelection(i, { name: e.target.value })}
                />
              </td>
              <td>
                <input
                  aria-label={`Selection ${i + 1} outcome code`}
                  value={s.outcome}
                  readOnly={!custom}
                  pattern="[a-z0-9_]{1,40}"
                  onChange={(e) => setSelection(i, { outcome: e.target.value })}
                />
              </td>
              <td>
                <input
                  aria-label={`Selection ${i + 1} price`}
                  value={s.price}
                  inputMode="decimal"
                  required
                  pattern="[0-9]{1,4}(\.[0-9]{1,3})?"
                  placeholder="2.10"
                  onChange={(e) => setSelection(i, { price: e.target.value })}
                />
              </td>
              {custom ? (
                <td>
                  <button
                    type="button"
                    className="link"
                    disabled={draft.selections.length <= 2}
                    onClick={() =>
                      onChange({ ...draft, selections: draft.selections.filter((_, j) => j !== i) })
                    }
                  >
                    Remove
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {custom ? (
        <button
          type="button"
          className="secondary"
          onClick={() =>
            onChange({
              ...draft,
              selections: [...draft.selections, { name: '', outcome: '', price: '' }],
            })
          }
        >
          Add a selection
        </button>
      ) : null}
    </fieldset>
  );
}
