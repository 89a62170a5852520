import { AppFrame, ErrorBoundary, useSession } from '@hospital-ops/app-shell';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes, useLocation, useNavigate } from 'react-router';
import { isWardAdmin, WardsAdminPage } from './admin/WardsAdminPage.tsx';
import { BedBoardPage } from './board/BedBoardPage.tsx';
import { CensusPage } from './census/CensusPage.tsx';
import { DischargeSummaryPage } from './discharge/DischargeSummaryPage.tsx';
import { MarPage } from './mar/MarPage.tsx';
import { NursingPage } from './nursing/NursingPage.tsx';
import { VitalsPage } from './vitals/VitalsPage.tsx';

function Frame() {
  const { t } = useTranslation('ipd');
  const navigate = useNavigate();
  const location = useLocation();
  const { role } = useSession();
  const nav = [
    { to: '/', label: t('nav.board') },
    { to: '/census', label: t('nav.census') },
    // Setting up wards and beds is the branch administrator's; others reaching the page read why.
    ...(isWardAdmin(role) ? [{ to: '/wards', label: t('nav.wards') }] : []),
  ].map((i) => ({
    ...i,
    active: location.pathname === i.to,
    onClick: () => navigate(i.to),
  }));
  return (
    <AppFrame title={t('title')} nav={nav}>
      <ErrorBoundary key={location.pathname}>
        <Routes>
          <Route path="/vitals/:encounterId" element={<VitalsPage />} />
          <Route path="/nursing/:encounterId" element={<NursingPage />} />
          <Route path="/mar/:encounterId" element={<MarPage />} />
          <Route path="/discharge-summary/:encounterId" element={<DischargeSummaryPage />} />
          <Route path="/census" element={<CensusPage />} />
          <Route path="/wards" element={<WardsAdminPage />} />
          <Route path="*" element={<BedBoardPage />} />
        </Routes>
      </ErrorBoundary>
    </AppFrame>
  );
}

export function App() {
  return (
    <BrowserRouter basename="/apps/ipd">
      <Frame />
    </BrowserRouter>
  );
}
