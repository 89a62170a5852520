import { Alert, Button, Group, Text } from '@mantine/core';
import type { Bed } from '../board/board.ts';
import type { Failure } from './outcome.ts';

/** The failure's sentence, and each offered free bed as a button that picks it. */
export function FailureAlert({ failure, onPick }: { failure?: Failure; onPick?: (bed: Bed) => void }) {
  if (!failure) return null;
  return (
    <Alert color="red" role="alert" data-testid="dialog-error">
      <Text style={{ whiteSpace: 'pre-line' }}>{failure.message}</Text>
      {failure.offer.length > 0 && onPick && (
        <Group gap="xs" mt="xs">
          {failure.offer.map((b) => (
            <Button key={b.id} size="xs" variant="white" onClick={() => onPick(b)} data-testid={`offer-${b.name}`}>
              {b.name}
            </Button>
          ))}
        </Group>
      )}
    </Alert>
  );
}
