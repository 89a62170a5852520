import { AppFrame, ErrorBoundary, useSession } from '@hospital-ops/app-shell';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes, useLocation, useNavigate } from 'react-router';
import { CashierPage } from './billing/CashierPage.tsx';
import { ConsultationPage } from './consultation/ConsultationPage.tsx';
import { QueueDisplay } from './queue/QueueDisplay.tsx';
import { QueuePage } from './queue/QueuePage.tsx';
import { landingPath } from './queue/queue.ts';
import { PatientFinder } from './registration/PatientFinder.tsx';
import { PatientFormPage } from './registration/PatientFormPage.tsx';
import { PatientPage } from './registration/PatientPage.tsx';
import { CriticalAlerts } from './results/CriticalAlerts.tsx';
import { SchedulePage } from './scheduling/SchedulePage.tsx';

function Frame() {
  const { t } = useTranslation('opd');
  const navigate = useNavigate();
  const location = useLocation();
  const session = useSession();
  // Once, on opening: an EHR launch goes where the launcher pointed, a doctor to today's queue.
  // Later visits to "/" (the Patients tab) stay there.
  const landed = useRef(false);
  useEffect(() => {
    if (landed.current) return;
    landed.current = true;
    const to = location.pathname === '/' ? landingPath(session) : undefined;
    if (to) navigate(to, { replace: true });
  }, [session, location.pathname, navigate]);
  const items = [
    { to: '/', label: t('nav.patients') },
    { to: '/schedule', label: t('nav.schedule') },
    { to: '/queue', label: t('nav.queue') },
    { to: '/billing', label: t('billing.nav') },
  ];
  const nav = items.map((i) => ({
    ...i,
    active: i.to === '/' ? location.pathname === '/' || location.pathname.startsWith('/patients') : location.pathname.startsWith(i.to),
    onClick: () => navigate(i.to),
  }));
  return (
    <AppFrame title={t('title')} nav={nav}>
      {session.role === 'doctor' && <CriticalAlerts />}
      <ErrorBoundary key={location.pathname}>
        <Routes>
          <Route path="/" element={<PatientFinder />} />
          <Route path="/patients/new" element={<PatientFormPage />} />
          <Route path="/patients/:id" element={<PatientPage />} />
          <Route path="/patients/:id/edit" element={<PatientFormPage />} />
          <Route path="/schedule" element={<SchedulePage />} />
          <Route path="/queue" element={<QueuePage />} />
          <Route path="/billing" element={<CashierPage />} />
          <Route path="/encounters/:id" element={<ConsultationPage />} />
          <Route path="*" element={<PatientFinder />} />
        </Routes>
      </ErrorBoundary>
    </AppFrame>
  );
}

export function App() {
  return (
    <BrowserRouter basename="/apps/opd">
      <Routes>
        <Route path="/queue/display" element={<QueueDisplay />} />
        <Route path="*" element={<Frame />} />
      </Routes>
    </BrowserRouter>
  );
}
