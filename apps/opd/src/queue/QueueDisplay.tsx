import { Box, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../lib/format.ts';
import { useQueue } from './useQueue.ts';

/** The waiting room's screen: for each doctor, the token being seen now and the next few. Large, bilingual, no controls. */
export function QueueDisplay() {
  const { queues } = useQueue(3000);
  const { t } = useTranslation('opd');
  const both = (key: string, opts?: Record<string, unknown>) => `${t(key, { ...opts, lng: 'en' })} / ${t(key, { ...opts, lng: 'hi' })}`;
  return (
    <Box p="xl" bg="dark.8" mih="100vh" c="white">
      <Group justify="space-between" mb="xl">
        <Title order={1}>{both('display.title')}</Title>
        <Text size="xl">{formatTime(new Date().toISOString())}</Text>
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="xl">
        {queues?.map((q) => (
          <Card key={q.practitioner} bg="dark.6" c="white" padding="xl" radius="lg">
            <Stack gap="sm">
              <Title order={2}>{q.name}</Title>
              <Text size="lg" c="gray.4">
                {both('display.nowServing')}
              </Text>
              <Text fz={96} fw={800} lh={1} c="teal.3" data-testid="now-serving">
                {q.current?.token ?? '—'}
              </Text>
              <Text size="lg" c="gray.4">
                {both('display.next')}
              </Text>
              <Group gap="lg">
                {q.waiting.slice(0, 4).map((e) => (
                  <Text key={e.encounter.id} fz={40} fw={700}>
                    {e.token}
                  </Text>
                ))}
              </Group>
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
    </Box>
  );
}
