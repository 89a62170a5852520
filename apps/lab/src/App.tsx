import { AppFrame, ErrorBoundary } from '@hospital-ops/app-shell';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes, useLocation, useNavigate } from 'react-router';
import { OrderPage } from './order/OrderPage.tsx';
import { TatPage } from './tat/TatPage.tsx';
import { WorklistPage } from './worklist/WorklistPage.tsx';

function Frame() {
  const { t } = useTranslation('lab');
  const navigate = useNavigate();
  const location = useLocation();
  const onTat = location.pathname.startsWith('/tat');
  const nav = [
    { to: '/', label: t('nav.worklist'), active: !onTat, onClick: () => navigate('/') },
    { to: '/tat', label: t('nav.tat'), active: onTat, onClick: () => navigate('/tat') },
  ];
  return (
    <AppFrame title={t('title')} nav={nav}>
      <ErrorBoundary key={location.pathname}>
        <Routes>
          <Route path="/orders/:id" element={<OrderPage />} />
          <Route path="/tat" element={<TatPage />} />
          <Route path="*" element={<WorklistPage />} />
        </Routes>
      </ErrorBoundary>
    </AppFrame>
  );
}

export function App() {
  return (
    <BrowserRouter basename="/apps/lab">
      <Frame />
    </BrowserRouter>
  );
}
