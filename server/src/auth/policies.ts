/**
 * Default access policies: the seed architecture's roles and permission matrix expressed over FHIR
 * resource types. A rule reads like a SMART v2 scope without its context: `Type.cruds?criteria`,
 * where criteria is a FHIR search that the resource must match. `%branches` stands for the user's
 * branch Organizations, `%practitioner` for the user's Practitioner. Branch-scoped data (Encounters,
 * Appointments) is visible only in the user's branches; "own" rules name the practitioner.
 */
export const ROLES = ['super_admin', 'branch_admin', 'doctor', 'nurse', 'receptionist', 'pharmacist', 'lab_tech', 'accountant'] as const;
export type Role = (typeof ROLES)[number];

export interface RolePolicy {
  role: Role;
  description: string;
  /** May override a patient's Consent in an emergency (break-the-glass), with a reason, audited. */
  breakGlass: boolean;
  rules: string[];
}

const each = (types: string[], perms: string, criteria?: string) => types.map((t) => `${t}.${perms}${criteria ? `?${criteria}` : ''}`);

// Reference data every staff member may read: the directory, formulary and terminology.
const DIRECTORY = [
  'Organization',
  'Location',
  'HealthcareService',
  'Practitioner',
  'PractitionerRole',
  'Endpoint',
  'Medication',
  'Substance',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'StructureDefinition',
  'SearchParameter',
  'Questionnaire',
  'ObservationDefinition',
  'SpecimenDefinition',
  'ActivityDefinition',
  'PlanDefinition',
  'ChargeItemDefinition',
  'InsurancePlan',
];
// Our Observation category for the nurse's charting that is not a vital sign (apps/ipd/src/nursing/io.ts).
const NURSING_CHART = 'https://hospital-ops.in/fhir/CodeSystem/nursing-chart';
const PATIENTS = ['Patient', 'RelatedPerson', 'Person', 'Consent', 'Flag'];
const SCHEDULING = ['Appointment', 'AppointmentResponse', 'Schedule', 'Slot'];
const CLINICAL = [
  'Condition',
  'Observation',
  'Procedure',
  'AllergyIntolerance',
  'ClinicalImpression',
  'CarePlan',
  'CareTeam',
  'DocumentReference',
  'Composition',
  'FamilyMemberHistory',
  'Immunization',
  'QuestionnaireResponse',
  'Communication',
  'Media',
  'RiskAssessment',
  'DetectedIssue',
  'Goal',
  'NutritionOrder',
  'EpisodeOfCare',
];
const PRESCRIPTIONS = ['MedicationRequest', 'MedicationStatement'];
const LAB_ORDERS = ['ServiceRequest', 'Specimen'];
const LAB_RESULTS = ['DiagnosticReport', 'ImagingStudy'];
const BILLING = ['Invoice', 'ChargeItem', 'Account', 'PaymentNotice', 'PaymentReconciliation'];
const INSURANCE = [
  'Coverage',
  'CoverageEligibilityRequest',
  'CoverageEligibilityResponse',
  'Claim',
  'ClaimResponse',
  'ExplanationOfBenefit',
];
const INVENTORY = ['Medication', 'MedicationKnowledge', 'SupplyRequest', 'SupplyDelivery', 'Substance', 'Device'];
const STAFF = ['Practitioner', 'PractitionerRole'];
const REPORTS = ['MeasureReport', 'Measure'];

// Live screens (queue, worklists, bed board) follow changes over the websocket channel, which
// pings only for what the bound token may read. rest-hook Subscriptions send resources to a URL,
// so they stay with administrators and system clients.
const LIVE_UPDATES = 'Subscription.crs?type=websocket';

const IN_BRANCH = { Encounter: 'service-provider=%branches', Appointment: 'location:Location.organization=%branches' };
// IPD (docs/ipd.md): $admit, $transfer, $discharge and $bed-ready write bed status on Locations of the branch.
const BEDS_IN_BRANCH = 'Location.u?organization=%branches';

export const DEFAULT_POLICIES: Record<Role, RolePolicy> = {
  super_admin: {
    role: 'super_admin',
    description: 'Everything in the tenant, in every branch.',
    breakGlass: true,
    rules: ['*.cruds'],
  },
  branch_admin: {
    role: 'branch_admin',
    description: 'Runs branches: staff, patients, scheduling, clinical records, billing and stock of their branches.',
    breakGlass: false,
    rules: [
      LIVE_UPDATES,
      ...each(DIRECTORY, 'rs'),
      ...each(STAFF, 'cruds'),
      ...each(PATIENTS, 'cruds'),
      `Appointment.cruds?${IN_BRANCH.Appointment}`,
      ...each(['AppointmentResponse', 'Schedule', 'Slot'], 'cruds'),
      `Encounter.cruds?${IN_BRANCH.Encounter}`,
      // Wards, rooms and beds of their branches (the IPD admin screen).
      'Location.cruds?organization=%branches',
      ...each(CLINICAL, 'cruds'),
      ...each(PRESCRIPTIONS, 'cruds'),
      ...each(BILLING, 'cruds'),
      ...each(INSURANCE, 'cruds'),
      ...each(INVENTORY, 'cruds'),
      ...each(REPORTS, 'rs'),
      'AuditEvent.rs',
    ],
  },
  doctor: {
    role: 'doctor',
    description: 'Sees patients, consults, prescribes, orders labs and reads results; changes only their own appointments.',
    breakGlass: true,
    rules: [
      LIVE_UPDATES,
      ...each(DIRECTORY, 'rs'),
      'Patient.crus',
      ...each(['RelatedPerson', 'Consent', 'Flag'], 'rs'),
      `Appointment.rs?${IN_BRANCH.Appointment}`,
      'Appointment.cu?practitioner=%practitioner',
      ...each(['Schedule', 'Slot'], 'rs'),
      `Encounter.cruds?${IN_BRANCH.Encounter}`,
      BEDS_IN_BRANCH,
      ...each(CLINICAL, 'cruds'),
      ...each(PRESCRIPTIONS, 'cruds'),
      ...each(LAB_ORDERS, 'cruds'),
      ...each(LAB_RESULTS, 'rs'),
      // Doctors record doses on the MAR too (a stat dose given on the round); nurses chart most of them.
      'MedicationAdministration.crus',
      'MedicationDispense.rs',
      // Records from other facilities, received over ABDM: the documents and where they came from (docs/abdm.md).
      'Provenance.rs',
      'Bundle.rs?_tag=https://hospital-ops.in/fhir/CodeSystem/record-origin|abdm-external',
    ],
  },
  nurse: {
    role: 'nurse',
    description: 'Reads patients and care records, records vital signs and medication administration.',
    breakGlass: false,
    rules: [
      LIVE_UPDATES,
      ...each(DIRECTORY, 'rs'),
      ...each(['Patient', 'RelatedPerson', 'Flag'], 'rs'),
      ...each(SCHEDULING, 'rs'),
      `Encounter.rs?${IN_BRANCH.Encounter}`,
      // Nurses transfer in-patients between beds and turn beds over; admission and discharge are the doctor's.
      `Encounter.u?${IN_BRANCH.Encounter}&class=IMP`,
      BEDS_IN_BRANCH,
      ...each(CLINICAL, 'rs'),
      // Vital signs only: an Observation also categorised laboratory is a lab result, not the nurse's to write.
      'Observation.cu?category=vital-signs&category:not=laboratory',
      // The nurse's own charting in the IPD: intake/output and nursing notes (docs/ipd.md, Nursing).
      `Observation.cu?category=${NURSING_CHART}|intake-output&category:not=laboratory`,
      `Observation.cu?category=${NURSING_CHART}|nursing-note&category:not=laboratory`,
      ...each(PRESCRIPTIONS, 'rs'),
      ...each(LAB_RESULTS, 'rs'),
      'MedicationAdministration.crus',
    ],
  },
  receptionist: {
    role: 'receptionist',
    description: 'Registers patients, books appointments, runs the queue and billing counter.',
    breakGlass: false,
    rules: [
      LIVE_UPDATES,
      ...each(DIRECTORY, 'rs'),
      ...each(['Patient', 'RelatedPerson', 'Consent'], 'crus'),
      // Registration records what the patient reports: allergies and blood group (LOINC 882-1) only.
      'AllergyIntolerance.crus',
      'Observation.crus?code=http://loinc.org|882-1',
      `Appointment.cruds?${IN_BRANCH.Appointment}`,
      ...each(['AppointmentResponse', 'Slot'], 'cruds'),
      // The desk opens doctors' slots from their working hours ($generate-slots keeps one Schedule per role).
      'Schedule.crus',
      // The OPD queue is Encounters moving through arrived, triaged, in-progress, finished.
      `Encounter.crus?${IN_BRANCH.Encounter}`,
      ...each(BILLING, 'crus'),
      ...each(['Coverage'], 'crus'),
    ],
  },
  pharmacist: {
    role: 'pharmacist',
    description: 'Dispenses prescriptions and keeps stock; sees the patient details a dispensing needs.',
    breakGlass: false,
    rules: [
      LIVE_UPDATES,
      ...each(DIRECTORY, 'rs'),
      'Patient.rs',
      'AllergyIntolerance.rs',
      ...each(PRESCRIPTIONS, 'rs'),
      'MedicationDispense.cruds',
      ...each(INVENTORY, 'cruds'),
      // The morning stock alerts (bots/pharmacy-alerts) are Tasks addressed to the pharmacist role.
      'Task.rus?performer=https://hospital-ops.in/fhir/CodeSystem/staff-role|pharmacist',
    ],
  },
  lab_tech: {
    role: 'lab_tech',
    description: 'Works the lab: reads orders, handles samples, records results.',
    breakGlass: false,
    rules: [
      LIVE_UPDATES,
      ...each(DIRECTORY, 'rs'),
      'Patient.rs',
      // Update: $collect lists the samples drawn on the order (ServiceRequest.specimen).
      'ServiceRequest.rus',
      'Specimen.cruds',
      ...each(LAB_RESULTS, 'crus'),
      'Observation.rs?category=laboratory',
      // Lab results only: one also categorised vital-signs would land in the nurses' charts.
      'Observation.cu?category=laboratory&category:not=vital-signs',
      // Critical lab values: a Flag on the patient and an alert to the ordering doctor (features/lab/critical-alert.ts);
      // Flag has no category search parameter in R4 to narrow the rule by.
      'Flag.crs',
      'Communication.crs?category=alert',
    ],
  },
  accountant: {
    role: 'accountant',
    description: 'Reads billing, insurance and financial reports.',
    breakGlass: false,
    rules: [...each(DIRECTORY, 'rs'), ...each(BILLING, 'rs'), ...each(INSURANCE, 'rs'), ...each(REPORTS, 'rs')],
  },
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
