import { formatDate, parseIndianDate } from '@hospital-ops/app-shell/format/index.ts';
import { TextInput } from '@mantine/core';
import { useState } from 'react';

/**
 * A date typed the Indian way (DD/MM/YYYY) whatever the browser's locale; `onChange` gets the FHIR
 * date, or '' while the text is empty. Text that is no real date shows `invalid` and changes nothing.
 */
export function IndianDateInput({
  label,
  value,
  onChange,
  invalid,
  testId,
}: {
  label: string;
  value: string;
  onChange: (date: string) => void;
  invalid: string;
  testId: string;
}) {
  const [text, setText] = useState(formatDate(value));
  const bad = text.trim() !== '' && !parseIndianDate(text);
  return (
    <TextInput
      label={label}
      placeholder="DD/MM/YYYY"
      value={text}
      w={150}
      error={bad ? invalid : undefined}
      onChange={(e) => {
        const typed = e.currentTarget.value;
        setText(typed);
        if (typed.trim() === '') onChange('');
        const parsed = parseIndianDate(typed);
        if (parsed) onChange(parsed);
      }}
      data-testid={testId}
    />
  );
}
