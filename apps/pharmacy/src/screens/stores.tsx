import { useBranch, useSession } from '@hospital-ops/app-shell';
import { Alert, Select } from '@mantine/core';
import type { Location } from '@medplum/fhirtypes';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadStores } from '../fhir/pharmacy-api.ts';

interface Stores {
  loaded: boolean;
  stores: Location[];
  store?: Location;
  choose: (id: string) => void;
}

const StoreContext = createContext<Stores>({ loaded: false, stores: [], choose: () => undefined });
const KEY = 'hops.pharmacy.store';

/** The branch's pharmacy stores and the one this counter works from (kept per browser). */
export function StoreProvider({ children }: { children: ReactNode }) {
  const { medplum } = useSession();
  const branch = useBranch();
  const [stores, setStores] = useState<Location[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(KEY));
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    loadStores(medplum, branch).then(
      (s) => {
        setStores(s);
        setLoaded(true);
      },
      () => setFailed(true),
    );
  }, [medplum, branch]);
  const store = stores.find((s) => s.id === chosen) ?? stores[0];
  const choose = (id: string) => {
    localStorage.setItem(KEY, id);
    setChosen(id);
  };
  return (
    <StoreContext.Provider value={{ loaded, stores, ...(store ? { store } : {}), choose }}>
      {failed ? <LoadFailed /> : children}
    </StoreContext.Provider>
  );
}

function LoadFailed() {
  const { t } = useTranslation('pharmacy');
  return <Alert color="red">{t('errors.load')}</Alert>;
}

export const useStores = () => useContext(StoreContext);

export function StorePicker() {
  const { t } = useTranslation('pharmacy');
  const { stores, store, choose } = useStores();
  if (!stores.length) return null;
  return (
    <Select
      label={t('store.label')}
      data-testid="store-picker"
      w={320}
      allowDeselect={false}
      value={store?.id ?? null}
      data={stores.map((s) => ({ value: s.id as string, label: s.name ?? (s.id as string) }))}
      onChange={(v) => v && choose(v)}
    />
  );
}

/** Shown instead of a screen when the branch has no store yet. */
export function NoStore() {
  const { t } = useTranslation('pharmacy');
  return <Alert color="yellow">{t('errors.noStore')}</Alert>;
}
