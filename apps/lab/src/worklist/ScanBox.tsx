import { TextInput } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The scan box: a barcode scanner types the code and Enter, as does a person. It keeps the focus
 * whenever nothing else has it, so a technician in gloves scans without touching the screen.
 */
export function ScanBox({ onScan, message }: { onScan: (text: string) => void; message?: string }) {
  const { t } = useTranslation('lab');
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
  }, []);
  return (
    <TextInput
      ref={input}
      size="xl"
      data-testid="scan-box"
      label={t('scan.label')}
      placeholder={t('scan.placeholder')}
      value={value}
      error={message}
      autoComplete="off"
      spellCheck={false}
      onChange={(e) => setValue(e.currentTarget.value)}
      onKeyDown={(e) => {
        if (e.key !== 'Enter') return;
        e.preventDefault();
        const text = value;
        setValue('');
        onScan(text);
      }}
    />
  );
}
