import { AppFrame, ErrorBoundary, useSession } from '@hospital-ops/app-shell';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes, useLocation, useNavigate } from 'react-router';
import { ConsultationPage } from './consultation/ConsultationPage.tsx';
import { QueueDisplay } from './queue/QueueDisplay.tsx';
import { QueuePage } from './queue/QueuePage.tsx';
import { PatientFinder } from './registration/PatientFinder.tsx';
import { PatientFormPage } from './registration/PatientFormPage.tsx';
import { PatientPage } from './registration/PatientPage.tsx';
import { SchedulePage } from './scheduling/SchedulePage.tsx';

function Frame() {
  const { t } = useTranslation('opd');
  const navigate = useNavigate();
  const location = useLocation();
  const session = useSession();
  // An EHR launch with context opens where the launcher pointed: the visit, else the patient.
  useEffect(() => {
    if (location.pathname !== '/') return;
    if (session.encounter) navigate(`/encounters/${session.encounter}`, { replace: true });
    else if (session.patient) navigate(`/patients/${session.patient}`, { replace: true });
  }, [session.encounter, session.patient, location.pathname, navigate]);
  const items = [
    { to: '/', label: t('nav.patients') },
    { to: '/schedule', label: t('nav.schedule') },
    { to: '/queue', label: t('nav.queue') },
  ];
  const nav = items.map((i) => ({
    ...i,
    active: i.to === '/' ? location.pathname === '/' || location.pathname.startsWith('/patients') : location.pathname.startsWith(i.to),
    onClick: () => navigate(i.to),
  }));
  return (
    <AppFrame title={t('title')} nav={nav}>
      <ErrorBoundary key={location.pathname}>
        <Routes>
          <Route path="/" element={<PatientFinder />} />
          <Route path="/patients/new" element={<PatientFormPage />} />
          <Route path="/patients/:id" element={<PatientPage />} />
          <Route path="/patients/:id/edit" element={<PatientFormPage />} />
          <Route path="/schedule" element={<SchedulePage />} />
          <Route path="/queue" element={<QueuePage />} />
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
