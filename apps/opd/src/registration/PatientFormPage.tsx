import { ErrorView, useBranch } from '@hospital-ops/app-shell';
import { Alert, Button, Grid, Group, List, Modal, Select, Stack, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Patient } from '@medplum/fhirtypes';
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
} from '../fhir/patient.ts';
import { formatDate, formatPhone } from '../lib/format.ts';
import { patientQuery } from './search.ts';
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
  const [errors, setErrors] = useState<FormErrors>({});
  const [duplicates, setDuplicates] = useState<Patient[]>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (!id) {
      // Carry over what the desk searched for: a name or a phone.
      const q = params.get('q') ?? '';
      const query = patientQuery(q);
      if (query?.phone) setForm((f) => ({ ...f, phone: q }));
      else if (query?.['name:fuzzy']) {
        const words = q.trim().split(/\s+/);
        setForm((f) => ({
          ...f,
          given: words.slice(0, -1).join(' ') || words[0],
          family: words.length > 1 ? words[words.length - 1] : '',
        }));
      }
      return;
    }
    medplum
      .readResource('Patient', id)
      .then((p) => {
        setExisting(p);
        setForm(patientToForm(p));
        setDobText(p.birthDate ? formatDate(p.birthDate) : '');
      })
      .catch(setError);
  }, [id, medplum, params]);

  const set = (key: keyof PatientForm) => (value: string | null) => setForm((f) => ({ ...f, [key]: value ?? '' }));
  const input = (key: keyof PatientForm) => ({
    value: form[key],
    onChange: (e: { currentTarget: { value: string } }) => set(key)(e.currentTarget.value),
    error: errors[key] ? t(errors[key]) : undefined,
    'data-testid': `field-${key}`,
  });

  async function save(values: PatientForm) {
    setSaving(true);
    setError(undefined);
    try {
      const resource = formToPatient(values, existing, { uhid: newUhid('OPD'), branch });
      const saved = existing ? await medplum.updateResource(resource) : await medplum.createResource(resource);
      notifications.show({ color: 'teal', message: t(existing ? 'patient.updated' : 'patient.registered', { uhid: uhidOf(saved) }) });
      navigate(`/patients/${saved.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const { values, errors: found } = validatePatientForm(form, dobText);
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
          <Grid.Col span={{ base: 12, sm: 4 }}>
            <TextInput
              label={t('patient.birthDate')}
              placeholder="DD/MM/YYYY"
              value={dobText}
              onChange={(e) => setDobText(e.currentTarget.value)}
              error={errors.birthDate ? t(errors.birthDate) : undefined}
              data-testid="field-birthDate"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 4 }}>
            <TextInput label={t('patient.phone')} placeholder="+91 98765 43210" inputMode="tel" {...input('phone')} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6 }}>
            <TextInput label={t('patient.abhaNumber')} placeholder="XX-XXXX-XXXX-XXXX" inputMode="numeric" {...input('abhaNumber')} />
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
          <Button variant="default" onClick={() => navigate(-1)}>
            {t('actions.cancel')}
          </Button>
        </Group>
      </Stack>
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
                const { values } = validatePatientForm(form, dobText);
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
