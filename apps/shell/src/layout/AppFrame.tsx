import { AppShell, Burger, Button, Group, NavLink, SegmentedControl, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { ResourceName } from '@medplum/react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { signOut } from '../launch/smart.ts';
import { useSession } from '../session.tsx';

export interface NavItem {
  to: string;
  label: string;
  active: boolean;
  onClick: () => void;
}

/** The frame every app shares: title, navigation, the user, language switch and sign-out. */
export function AppFrame({ title, nav, children }: { title: string; nav: NavItem[]; children: ReactNode }) {
  const session = useSession();
  const { t, i18n } = useTranslation('shell');
  const [opened, { toggle, close }] = useDisclosure();
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 220, breakpoint: 'md', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label={t('menu')} />
            <Title order={3}>{title}</Title>
          </Group>
          <Group wrap="nowrap" gap="sm">
            <Text size="sm" visibleFrom="sm" data-testid="signed-in-user">
              {session.userName ?? (session.fhirUser ? <ResourceName value={{ reference: session.fhirUser }} /> : null)}
            </Text>
            <SegmentedControl
              size="xs"
              aria-label={t('language')}
              value={i18n.language === 'hi' ? 'hi' : 'en'}
              onChange={(lang) => void i18n.changeLanguage(lang)}
              data={[
                { value: 'en', label: 'EN' },
                { value: 'hi', label: 'हिंदी' },
              ]}
            />
            <Button size="xs" variant="subtle" onClick={() => void signOut(session, session.appName)}>
              {t('signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {nav.map((item) => (
          <NavLink
            key={item.to}
            href={item.to}
            label={item.label}
            active={item.active}
            onClick={(e) => {
              e.preventDefault();
              item.onClick();
              close();
            }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
