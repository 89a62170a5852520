// Added by Hospital-Ops (see fhir-profiles/README.md): the IG source uses these two aliases
// but never defines them. Without them SUSHI fails on 6 ValueSets (BodyMeasurement,
// GeneralAssessment, ICD10Diagnosticcodes, PhysicalActivity, VitalSigns, WomenHealth).
Alias: LOINC = http://loinc.org
Alias: Icd10 = http://hl7.org/fhir/sid/icd-10
