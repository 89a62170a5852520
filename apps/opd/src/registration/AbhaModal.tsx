import { outcomeMessage } from '@hospital-ops/app-shell';
import {
  formatAbhaNumber,
  maskAadhaar,
  normaliseAadhaar,
  normaliseAbhaNumber,
  normalisePhone,
} from '@hospital-ops/app-shell/format/index.ts';
import { Alert, Button, Checkbox, Group, Modal, Radio, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ABHA_ADDRESS_SYSTEM } from '../fhir/systems.ts';
import { type AbhaVerified, createAbhaAddress, type OtpSent, sendAbhaOtp, verifyAbhaOtp } from './abha-otp.ts';

type Step = 'start' | 'otp' | 'address';

/**
 * This dialog's forms are its own: React carries a submit out of the portal to the registration
 * form around it, which would validate (and show errors on) the half-filled registration.
 */
function own(e: FormEvent | undefined): void {
  e?.preventDefault();
  e?.stopPropagation();
}

/**
 * ABHA at the desk: create the patient's ABHA from their Aadhaar, or verify the ABHA number they
 * bring, with the OTP sent to their mobile; a new ABHA then gets an address the patient picks. The
 * verified details come back to the registration form (`onVerified`), which the desk saves.
 */
export function AbhaModal({
  opened,
  onClose,
  onVerified,
  abhaNumber: knownNumber,
  mobile: knownMobile,
}: {
  opened: boolean;
  onClose: () => void;
  onVerified: (result: { patient: Patient; existing: string[]; isNew: boolean }) => void;
  abhaNumber?: string;
  mobile?: string;
}) {
  const medplum = useMedplum();
  const { t } = useTranslation('opd');
  const [purpose, setPurpose] = useState<'enrol' | 'verify'>(knownNumber ? 'verify' : 'enrol');
  const [aadhaar, setAadhaar] = useState('');
  const [consent, setConsent] = useState(false);
  const [abhaNumber, setAbhaNumber] = useState(knownNumber ?? '');
  const [otpSystem, setOtpSystem] = useState<'aadhaar' | 'abdm'>('aadhaar');
  const [sent, setSent] = useState<OtpSent>();
  const [otp, setOtp] = useState('');
  const [mobile, setMobile] = useState(knownMobile ?? '');
  const [verified, setVerified] = useState<AbhaVerified>();
  const [address, setAddress] = useState('');
  const [step, setStep] = useState<Step>('start');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  function reset() {
    setStep('start');
    setSent(undefined);
    setOtp('');
    setVerified(undefined);
    setAddress('');
    setProblem(undefined);
    setAadhaar('');
    setConsent(false);
  }
  function close() {
    reset();
    onClose();
  }

  async function attempt(work: () => Promise<void>) {
    setBusy(true);
    setProblem(undefined);
    try {
      await work();
    } catch (err) {
      setProblem(outcomeMessage(err, t));
    } finally {
      setBusy(false);
    }
  }

  function finish(result: AbhaVerified, chosen?: string) {
    const patient: Patient = chosen
      ? { ...result.patient, identifier: [...(result.patient.identifier ?? []), { system: ABHA_ADDRESS_SYSTEM, value: chosen }] }
      : result.patient;
    onVerified({ patient, existing: result.existing, isNew: result.isNew });
    reset();
    onClose();
  }

  async function sendOtp(e?: FormEvent) {
    own(e);
    if (purpose === 'enrol') {
      const digits = normaliseAadhaar(aadhaar);
      if (!digits) return setProblem(t('abha.aadhaarInvalid'));
      if (!consent) return setProblem(t('abha.consentNeeded'));
      await attempt(async () => {
        setSent(await sendAbhaOtp(medplum, { purpose, aadhaar: digits }));
        // The number is not needed again: only its masked form stays on screen.
        setAadhaar(maskAadhaar(digits));
        setStep('otp');
      });
    } else {
      const digits = normaliseAbhaNumber(abhaNumber);
      if (!digits) return setProblem(t('errors.abhaNumberInvalid'));
      await attempt(async () => {
        setSent(await sendAbhaOtp(medplum, { purpose, abhaNumber: digits, otpSystem }));
        setStep('otp');
      });
    }
  }

  async function verify(e: FormEvent) {
    own(e);
    if (!/^\d{6}$/.test(otp.trim())) return setProblem(t('abha.otpInvalid'));
    const phone = purpose === 'enrol' ? normalisePhone(mobile) : undefined;
    if (purpose === 'enrol' && !phone) return setProblem(t('errors.phoneInvalid'));
    await attempt(async () => {
      const result = await verifyAbhaOtp(medplum, {
        purpose,
        transaction: sent?.transaction ?? '',
        otp: otp.trim(),
        mobile: phone,
        otpSystem: purpose === 'verify' ? otpSystem : undefined,
      });
      if (result.suggestions.length > 0) {
        setVerified(result);
        setAddress(result.suggestions[0] ?? '');
        setStep('address');
      } else finish(result);
    });
  }

  async function chooseAddress(e: FormEvent) {
    own(e);
    if (!verified) return;
    await attempt(async () => finish(verified, await createAbhaAddress(medplum, verified.transaction, address.trim())));
  }

  const problemView = problem && (
    <Alert color="red" data-testid="abha-problem">
      {problem}
    </Alert>
  );

  return (
    <Modal opened={opened} onClose={close} title={t('abha.title')}>
      {step === 'start' && (
        <form onSubmit={sendOtp} noValidate>
          <Stack>
            <SegmentedControl
              value={purpose}
              onChange={(v) => {
                setPurpose(v as 'enrol' | 'verify');
                setProblem(undefined);
              }}
              data={[
                { value: 'enrol', label: t('abha.enrol') },
                { value: 'verify', label: t('abha.verify') },
              ]}
              data-testid="abha-purpose"
            />
            {purpose === 'enrol' ? (
              <>
                <TextInput
                  label={t('abha.aadhaar')}
                  placeholder="XXXX XXXX XXXX"
                  inputMode="numeric"
                  autoComplete="off"
                  maxLength={14}
                  value={aadhaar}
                  onChange={(e) => setAadhaar(e.currentTarget.value)}
                  data-autofocus
                  data-testid="abha-aadhaar"
                />
                <Checkbox
                  label={t('abha.consent')}
                  checked={consent}
                  onChange={(e) => setConsent(e.currentTarget.checked)}
                  data-testid="abha-consent"
                />
              </>
            ) : (
              <>
                <TextInput
                  label={t('patient.abhaNumber')}
                  placeholder="XX-XXXX-XXXX-XXXX"
                  inputMode="numeric"
                  value={abhaNumber}
                  onChange={(e) => setAbhaNumber(e.currentTarget.value)}
                  onBlur={() => setAbhaNumber(formatAbhaNumber(abhaNumber))}
                  data-autofocus
                  data-testid="abha-number"
                />
                <Radio.Group label={t('abha.otpTo')} value={otpSystem} onChange={(v) => setOtpSystem(v as 'aadhaar' | 'abdm')}>
                  <Group mt="xs">
                    <Radio value="aadhaar" label={t('abha.otpToAadhaar')} />
                    <Radio value="abdm" label={t('abha.otpToAbha')} data-testid="abha-otp-abdm" />
                  </Group>
                </Radio.Group>
              </>
            )}
            {problemView}
            <Group justify="end">
              <Button variant="default" onClick={close}>
                {t('actions.cancel')}
              </Button>
              <Button type="submit" loading={busy} data-testid="abha-send-otp">
                {t('abha.sendOtp')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      {step === 'otp' && (
        <form onSubmit={verify} noValidate>
          <Stack>
            <Text size="sm" data-testid="abha-otp-sent">
              {sent?.mobileEnding ? t('abha.otpSentTo', { ending: sent.mobileEnding }) : t('abha.otpSent')}
            </Text>
            <TextInput
              label={t('abha.otp')}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              value={otp}
              onChange={(e) => setOtp(e.currentTarget.value)}
              data-autofocus
              data-testid="abha-otp"
            />
            {purpose === 'enrol' && (
              <TextInput
                label={t('abha.mobile')}
                description={t('abha.mobileHint')}
                inputMode="tel"
                value={mobile}
                onChange={(e) => setMobile(e.currentTarget.value)}
                data-testid="abha-mobile"
              />
            )}
            {problemView}
            <Group justify="space-between">
              <Button variant="subtle" onClick={reset} data-testid="abha-start-again">
                {t('abha.startAgain')}
              </Button>
              <Button type="submit" loading={busy} data-testid="abha-verify-otp">
                {t('abha.verifyOtp')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      {step === 'address' && verified && (
        <form onSubmit={chooseAddress} noValidate>
          <Stack>
            <Alert color="teal" data-testid="abha-created">
              {t(verified.isNew ? 'abha.created' : 'abha.found', {
                number: formatAbhaNumber(verified.patient.identifier?.[0]?.value ?? ''),
              })}
            </Alert>
            <Radio.Group label={t('abha.pickAddress')} value={address} onChange={setAddress}>
              <Stack gap="xs" mt="xs">
                {verified.suggestions.map((s) => (
                  <Radio key={s} value={s} label={s} />
                ))}
              </Stack>
            </Radio.Group>
            <TextInput
              label={t('abha.ownAddress')}
              value={address}
              onChange={(e) => setAddress(e.currentTarget.value)}
              data-testid="abha-address"
            />
            {problemView}
            <Group justify="space-between">
              <Button variant="subtle" onClick={() => finish(verified)} data-testid="abha-skip-address">
                {t('abha.skipAddress')}
              </Button>
              <Button type="submit" loading={busy} data-testid="abha-create-address">
                {t('abha.createAddress')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
