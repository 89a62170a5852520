import { AppFrame, ErrorBoundary } from '@hospital-ops/app-shell';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes, useLocation, useNavigate } from 'react-router';
import { AlertsPage } from './screens/AlertsPage.tsx';
import { DispensePage } from './screens/DispensePage.tsx';
import { ReceivePage } from './screens/ReceivePage.tsx';
import { RegisterPage } from './screens/RegisterPage.tsx';
import { StockPage } from './screens/StockPage.tsx';
import { StoreProvider } from './screens/stores.tsx';

const PAGES = [
  { to: '/', key: 'dispense' },
  { to: '/receive', key: 'receive' },
  { to: '/stock', key: 'stock' },
  { to: '/alerts', key: 'alerts' },
  { to: '/register', key: 'register' },
] as const;

function Frame() {
  const { t } = useTranslation('pharmacy');
  const navigate = useNavigate();
  const location = useLocation();
  const nav = PAGES.map((p) => ({ to: p.to, label: t(`nav.${p.key}`), active: location.pathname === p.to, onClick: () => navigate(p.to) }));
  return (
    <AppFrame title={t('title')} nav={nav}>
      <ErrorBoundary key={location.pathname}>
        <StoreProvider>
          <Routes>
            <Route path="/receive" element={<ReceivePage />} />
            <Route path="/stock" element={<StockPage />} />
            <Route path="/alerts" element={<AlertsPage />} />
            <Route path="/register" element={<RegisterPage />} />
            <Route path="*" element={<DispensePage />} />
          </Routes>
        </StoreProvider>
      </ErrorBoundary>
    </AppFrame>
  );
}

export function App() {
  return (
    <BrowserRouter basename="/apps/pharmacy">
      <Frame />
    </BrowserRouter>
  );
}
