import '@fontsource/noto-sans/400.css';
import '@fontsource/noto-sans/600.css';
import '@fontsource/noto-sans-devanagari/400.css';
import '@fontsource/noto-sans-devanagari/600.css';
import { createTheme } from '@mantine/core';

// Devanagari comes from our own font files: tablets and kiosk browsers often have none installed.
const FONTS = "'Noto Sans', 'Noto Sans Devanagari', system-ui, sans-serif";

export const theme = createTheme({
  fontFamily: FONTS,
  headings: { fontFamily: FONTS },
  primaryColor: 'teal',
  defaultRadius: 'md',
});
