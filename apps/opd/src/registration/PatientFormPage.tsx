import { ErrorView, useBranch } from '@hospital-ops/app-shell';
import { abhaCheckDigitOk, formatAbhaNumber, normaliseAbhaNumber } from '@hospital-ops/app-shell/format/index.ts';
import { patientQueries, searchKind } from '@hospital-ops/app-shell/patients/search.ts';
import { Alert, Button, Checkbox, Grid, Group, List, Modal, Select, Stack, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Bundle, Consent, Patient } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import {
  EMPTY_PATIENT_FORM,
  formToPatient,
  LANGUAGES,
  newUhid,
  type PatientForm,
  patientToForm,
  phoneOf,
  uhidOf,
  uhidPrefixOf,
} from '../fhir/patient.ts';
import { ABHA_ADDRESS_SYSTEM, ABHA_NUMBER_SYSTEM } from '../fhir/systems.ts';
import { optedIn, whatsAppConsentQuery, whatsAppOptIn } from '../fhir/whatsapp-consent.ts';
import { formatDate, formatPhone } from '../lib/format.ts';
import { AbhaModal } from './AbhaModal.tsx';
import { readAbhaCard } from './abha-card.ts';

const PREFILL_HINT = { search: 'patient.prefillHint', card: 'patient.cardHint', abha: 'abha.verifiedHint' } as const;
/** What an ABHA profile verified by OTP fills in (the desk's own entries for the rest stay). */
const ABHA_FIELDS = ['given', 'family', 'gender', 'phone', 'abhaNumber', 'abhaAddress', 'line', 'district', 'state', 'pin'] as const;

import { clearDraft, readDraft, writeDraft } from './draft.ts';
import { type FormErrors, validatePatientForm } from './validate.ts';

const STATES = [
  'Andhra Pradesh',
  'Arunachal Pradesh',
  'Assam',
  'Bihar',
  'Chhattisgarh',
  'Goa',
  'Gujarat',
  'Haryana',
  'Himachal Pradesh',
  'Jharkhand',
  'Karnataka',
  'Kerala',
  'Madhya Pradesh',
  'Maharashtra',
  'Manipur',
  'Meghalaya',
  'Mizoram',
  'Nagaland',
  'Odisha',
  'Punjab',
  'Rajasthan',
  'Sikkim',
  'Tamil Nadu',
  'Telangana',
  'Tripura',
  'Uttar Pradesh',
  'Uttarakhand',
  'West Bengal',
  'Andaman and Nicobar Islands',
  'Chandigarh',
  'Dadra and Nagar Haveli and Daman and Diu',
  'Delhi',
  'Jammu and Kashmir',
  'Ladakh',
  'Lakshadweep',
  'Puducherry',
];

/** Registers a patient (ABDM Patient profile) or edits one; warns when the phone is already registered. */
export function PatientFormPage() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const medplum = useMedplum();
  const branch = useBranch();
  const navigate = useNavigate();
  const { t } = useTranslation('opd');
  const [existing, setExisting] = useState<Patient>();
  const [form, setForm] = useState<PatientForm>(EMPTY_PATIENT_FORM);
  const [dobText, setDobText] = useState('');
  const [ageText, setAgeText] = useState('');
  const [prefilled, setPrefilled] = useState<(keyof PatientForm)[]>([]);
  const [prefillSource, setPrefillSource] = useState<'search' | 'card' | 'abha'>('search');
  const [abhaOpen, setAbhaOpen] = useState(false);
  // Patients here who already hold the ABHA just verified (a second registration is likely a duplicate).
  const [abhaHolders, setAbhaHolders] = useState<string[]>([]);
  // The ABHA card's QR code, as the desk's scanner types it (then Enter), or pasted.
  const [cardText, setCardText] = useState('');
  const [cardUnreadable, setCardUnreadable] = useState(false);
  const [restored, setRestored] = useState(false);
  const [errors, setErrors] = useState<FormErrors>({});
  const [duplicates, setDuplicates] = useState<Patient[]>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  // WhatsApp updates: asked at the desk; the patient can also reply STOP or YES on WhatsApp.
  const [whatsApp, setWhatsApp] = useState(false);
  const [whatsAppConsents, setWhatsAppConsents] = useState<Consent[]>([]);

  useEffect(() => {
    if (!id) {
      const draft = readDraft();
      if (draft) {
        setForm(draft.form);
        setDobText(draft.dobText);
        setAgeText(draft.ageText);
        setRestored(true);
        return;
      }
      // Carry over what the desk searched for, only where its meaning is clear (shown as a guess).
      const q = (params.get('q') ?? '').trim();
      const kind = searchKind(q);
      const first = patientQueries(q)?.[0]?.identifier ?? '';
      const words = q.split(/\s+/);
      let guess: Partial<PatientForm> = {};
      if (kind === 'phone') guess = { phone: q };
      else if (first.startsWith(`${ABHA_NUMBER_SYSTEM}|`)) guess = { abhaNumber: q };
      else if (first.startsWith(`${ABHA_ADDRESS_SYSTEM}|`)) guess = { abhaAddress: q };
      // One word may be a first name or a surname: not guessed. Two or more: first names, then surname.
      else if (kind === 'name' && words.length > 1) guess = { given: words.slice(0, -1).join(' '), family: words[words.length - 1] };
      setForm((f) => ({ ...f, ...guess }));
      setPrefilled(Object.keys(guess) as (keyof PatientForm)[]);
      return;
    }
    medplum
      .readResource('Patient', id)
      .then(async (p) => {
        setExisting(p);
        setForm(patientToForm(p));
        setDobText(p.birthDate ? formatDate(p.birthDate) : '');
        const consents = await medplum.searchResources('Consent', whatsAppConsentQuery(id), { cache: 'no-cache' }).catch(() => []);
        setWhatsAppConsents(consents);
        setWhatsApp(optedIn(consents));
      })
      .catch(setError);
  }, [id, medplum, params]);

  // A half-filled new registration survives a reload (this tab only), until it is saved or cleared.
  useEffect(() => {
    if (!id) writeDraft({ form, dobText, ageText });
  }, [id, form, dobText, ageText]);

  const set = (key: keyof PatientForm) => (value: string | null) => setForm((f) => ({ ...f, [key]: value ?? '' }));
  type TextKey = Exclude<keyof PatientForm, 'birthDateEstimated'>;
  const input = (key: TextKey) => ({
    value: form[key],
    onChange: (e: { currentTarget: { value: string } }) => set(key)(e.currentTarget.value),
    error: errors[key] ? t(errors[key]) : undefined,
    description: prefilled.includes(key) ? t(PREFILL_HINT[prefillSource]) : undefined,
    'data-testid': `field-${key}`,
  });
  const abhaDigits = normaliseAbhaNumber(form.abhaNumber);
  const abhaSuspect = !!abhaDigits && !abhaCheckDigitOk(abhaDigits);

  /** Fills the form from an ABHA card's QR code; anything else is said to be no card. */
  function applyCard(scanned: string): void {
    const read = readAbhaCard(scanned);
    if (!read) {
      setCardUnreadable(true);
      return;
    }
    setCardUnreadable(false);
    setCardText('');
    setForm((f) => ({ ...f, ...read.form, birthDateEstimated: read.dobText ? false : f.birthDateEstimated }));
    if (read.dobText) {
      setDobText(read.dobText);
      setAgeText('');
    }
    setPrefilled(Object.keys(read.form) as (keyof PatientForm)[]);
    setPrefillSource('card');
    notifications.show({ color: 'teal', message: t('patient.abhaCardRead') });
  }

  /** Fills the form from the ABHA profile verified with OTP; the desk's other fields stay. */
  function applyAbha({ patient, existing: holders }: { patient: Patient; existing: string[] }): void {
    const verified = patientToForm(patient);
    const filled = Object.fromEntries(ABHA_FIELDS.filter((k) => verified[k]).map((k) => [k, verified[k]])) as Partial<PatientForm>;
    if (filled.abhaNumber) filled.abhaNumber = formatAbhaNumber(filled.abhaNumber);
    if (filled.phone) filled.phone = formatPhone(filled.phone);
    setForm((f) => ({ ...f, ...filled, birthDateEstimated: verified.birthDate.length === 10 ? false : f.birthDateEstimated }));
    if (verified.birthDate.length === 10) {
      setDobText(formatDate(verified.birthDate));
      setAgeText('');
    }
    setPrefilled(Object.keys(filled) as (keyof PatientForm)[]);
    setPrefillSource('abha');
    setAbhaHolders(holders.map((r) => r.split('/')[1] ?? '').filter((h) => h && h !== id));
    notifications.show({ color: 'teal', message: t('abha.filled') });
  }

  async function save(values: PatientForm) {
    setSaving(true);
    setError(undefined);
    try {
      const branchOrg = branch ? await medplum.readResource('Organization', branch).catch(() => undefined) : undefined;
      const resource = formToPatient(values, existing, { uhid: newUhid(uhidPrefixOf(branchOrg)), branch });
      const wantsWhatsApp = whatsApp && !!values.phone;
      const saved = existing ? await medplum.updateResource(resource) : await register(resource, wantsWhatsApp);
      if (existing) await keepWhatsAppChoice(existing.id as string, wantsWhatsApp);
      if (!existing) clearDraft();
      notifications.show({ color: 'teal', message: t(existing ? 'patient.updated' : 'patient.registered', { uhid: uhidOf(saved) }) });
      navigate(`/patients/${saved.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  }

  /** A new patient, with the WhatsApp opt-in in the same transaction: both are saved or neither. */
  async function register(patient: Patient, withWhatsApp: boolean): Promise<Patient> {
    if (!withWhatsApp) return medplum.createResource(patient);
    const fullUrl = `urn:uuid:${crypto.randomUUID()}`;
    const result: Bundle = await medplum.executeBatch({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl, resource: patient, request: { method: 'POST', url: 'Patient' } },
        { resource: whatsAppOptIn(fullUrl), request: { method: 'POST', url: 'Consent' } },
      ],
    });
    const created = result.entry?.[0];
    if (created?.resource?.resourceType === 'Patient') return created.resource as Patient;
    const location = created?.response?.location ?? '';
    return medplum.readResource('Patient', location.split('/')[1] ?? '');
  }

  /** An edited patient's WhatsApp choice: an opt-in added, or those in force set inactive (as a STOP reply does). */
  async function keepWhatsAppChoice(patientId: string, wanted: boolean): Promise<void> {
    if (wanted === optedIn(whatsAppConsents)) return;
    if (wanted) await medplum.createResource(whatsAppOptIn(`Patient/${patientId}`));
    else for (const c of whatsAppConsents.filter((c) => c.status === 'active')) await medplum.updateResource({ ...c, status: 'inactive' });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const { values, errors: found } = validatePatientForm(form, dobText, ageText);
    setErrors(found);
    if (!values) return;
    // The seed's PATIENT_EXISTS rule, as a warning: families in India often share one mobile number.
    if (values.phone && values.phone !== phoneOf(existing)) {
      const same = await medplum.searchResources('Patient', { phone: values.phone, _count: '10' }, { cache: 'no-cache' }).catch(() => []);
      const others = same.filter((p) => p.id !== existing?.id);
      if (others.length) {
        setDuplicates(others);
        return;
      }
    }
    await save(values);
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={900}>
        <Title order={2}>{existing ? t('patient.editTitle') : t('patient.newTitle')}</Title>
        {error !== undefined && <ErrorView error={error} />}
        {restored && (
          <Alert color="blue" data-testid="draft-restored">
            <Group justify="space-between">
              {t('patient.draftRestored')}
              <Button
                size="compact-sm"
                variant="default"
                onClick={() => {
                  clearDraft();
                  setForm(EMPTY_PATIENT_FORM);
                  setDobText('');
                  setAgeText('');
                  setRestored(false);
                }}
              >
                {t('patient.discardDraft')}
              </Button>
            </Group>
          </Alert>
        )}
        <Group justify="end">
          <Button variant="light" onClick={() => setAbhaOpen(true)} data-testid="open-abha">
            {t('abha.open')}
          </Button>
        </Group>
        {abhaHolders.length > 0 && (
          <Alert color="yellow" data-testid="abha-holders">
            <Group gap="xs">
              {t('abha.existing')}
              {abhaHolders.map((h) => (
                <Button key={h} size="compact-sm" variant="default" onClick={() => navigate(`/patients/${h}`)}>
                  {t('abha.openExisting')}
                </Button>
              ))}
            </Group>
          </Alert>
        )}
        {!id && (
          <TextInput
            label={t('patient.abhaCard')}
            description={t('patient.abhaCardHint')}
            value={cardText}
            onChange={(e) => {
              setCardText(e.currentTarget.value);
              setCardUnreadable(false);
            }}
            onKeyDown={(e) => {
              // A scanner ends with Enter: read the card instead of submitting the form.
              if (e.key !== 'Enter') return;
              e.preventDefault();
              if (cardText.trim()) applyCard(cardText);
            }}
            onPaste={(e) => {
              const pasted = e.clipboardData.getData('text');
              if (!readAbhaCard(pasted)) return;
              e.preventDefault();
              applyCard(pasted);
            }}
            error={cardUnreadable ? t('patient.abhaCardUnreadable') : undefined}
            data-testid="field-abha-card"
          />
        )}
        <Grid>
          <Grid.Col span={{ base: 12, sm: 6 }}>
            <TextInput label={t('patient.given')} required autoFocus {...input('given')} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6 }}>
            <TextInput label={t('patient.family')} {...input('family')} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 4 }}>
            <Select
              label={t('patient.gender')}
              required
              data-testid="field-gender"
              value={form.gender || null}
              onChange={set('gender')}
              error={errors.gender ? t(errors.gender) : undefined}
              data={['female', 'male', 'other', 'unknown'].map((g) => ({ value: g, label: t(`gender.${g}`) }))}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 8, sm: 3 }}>
            <TextInput
              label={t('patient.birthDate')}
              placeholder="DD/MM/YYYY"
              value={dobText}
              onChange={(e) => {
                setDobText(e.currentTarget.value);
                setForm((f) => ({ ...f, birthDateEstimated: false }));
              }}
              description={form.birthDateEstimated && dobText ? t('patient.ageEstimated') : undefined}
              error={errors.birthDate ? t(errors.birthDate) : undefined}
              data-testid="field-birthDate"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 4, sm: 1 }}>
            <TextInput
              label={t('patient.ageYears')}
              title={t('patient.ageHint')}
              inputMode="numeric"
              maxLength={3}
              disabled={!!dobText.trim()}
              value={ageText}
              onChange={(e) => setAgeText(e.currentTarget.value)}
              data-testid="field-age"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 4 }}>
            <TextInput label={t('patient.phone')} placeholder="+91 98765 43210" inputMode="tel" {...input('phone')} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6 }}>
            <TextInput label={t('patient.abhaNumber')} placeholder="XX-XXXX-XXXX-XXXX" inputMode="numeric" {...input('abhaNumber')} />
            {abhaSuspect && (
              <Alert color="yellow" mt={4} p="xs" data-testid="abha-warning">
                {t('patient.abhaCheckDigit')}
              </Alert>
            )}
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6 }}>
            <TextInput label={t('patient.abhaAddress')} placeholder="name@abdm" {...input('abhaAddress')} />
          </Grid.Col>
          <Grid.Col span={12}>
            <TextInput label={t('patient.addressLine')} {...input('line')} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 3 }}>
            <TextInput label={t('patient.city')} {...input('city')} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 3 }}>
            <TextInput label={t('patient.district')} {...input('district')} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 3 }}>
            <Select
              label={t('patient.state')}
              searchable
              data={STATES}
              value={form.state || null}
              onChange={set('state')}
              data-testid="field-state"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 3 }}>
            <TextInput label={t('patient.pin')} inputMode="numeric" maxLength={6} {...input('pin')} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 4 }}>
            <Select
              label={t('patient.language')}
              data={Object.entries(LANGUAGES).map(([value, label]) => ({ value, label }))}
              value={form.language || null}
              onChange={set('language')}
              data-testid="field-language"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 8 }}>
            <Checkbox
              mt={{ sm: 'xl' }}
              label={t('patient.whatsApp')}
              description={form.phone ? t('patient.whatsAppHint') : t('patient.whatsAppNeedsMobile')}
              checked={whatsApp && !!form.phone}
              disabled={!form.phone}
              onChange={(e) => setWhatsApp(e.currentTarget.checked)}
              data-testid="field-whatsapp"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 4 }}>
            <TextInput label={t('patient.emergencyName')} {...input('emergencyName')} />
          </Grid.Col>
          <Grid.Col span={{ base: 6, sm: 2 }}>
            <TextInput label={t('patient.emergencyRelation')} {...input('emergencyRelation')} />
          </Grid.Col>
          <Grid.Col span={{ base: 6, sm: 2 }}>
            <TextInput label={t('patient.emergencyPhone')} inputMode="tel" {...input('emergencyPhone')} />
          </Grid.Col>
        </Grid>
        <Group>
          <Button type="submit" loading={saving} data-testid="save-patient">
            {existing ? t('actions.save') : t('patient.register')}
          </Button>
          <Button
            variant="default"
            onClick={() => {
              if (!existing) clearDraft();
              navigate(-1);
            }}
          >
            {t('actions.cancel')}
          </Button>
        </Group>
      </Stack>
      {/* Mounted when opened, so it starts from the form's ABHA number and mobile each time. */}
      {abhaOpen && (
        <AbhaModal
          opened
          onClose={() => setAbhaOpen(false)}
          onVerified={applyAbha}
          abhaNumber={form.abhaNumber || undefined}
          mobile={form.phone || undefined}
        />
      )}
      <Modal opened={!!duplicates} onClose={() => setDuplicates(undefined)} title={t('patient.duplicateTitle')}>
        <Stack>
          <Alert color="yellow">{t('patient.duplicateText', { phone: formatPhone(form.phone) })}</Alert>
          <List>
            {duplicates?.map((p) => (
              <List.Item key={p.id}>
                <Button variant="subtle" size="compact-sm" onClick={() => navigate(`/patients/${p.id}`)}>
                  {p.name?.[0]?.text} — {uhidOf(p)} {p.birthDate ? `(${formatDate(p.birthDate)})` : ''}
                </Button>
              </List.Item>
            ))}
          </List>
          <Group justify="end">
            <Button variant="default" onClick={() => setDuplicates(undefined)}>
              {t('actions.cancel')}
            </Button>
            <Button
              color="yellow"
              data-testid="register-anyway"
              onClick={() => {
                const { values } = validatePatientForm(form, dobText, ageText);
                setDuplicates(undefined);
                if (values) void save(values);
              }}
            >
              {t('patient.registerAnyway')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </form>
  );
}
