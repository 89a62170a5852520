// Code systems
Alias: $sct = http://snomed.info/sct
Alias: $v2-0116 = http://terminology.hl7.org/CodeSystem/v2-0116
Alias: $v2-0203 = http://terminology.hl7.org/CodeSystem/v2-0203
Alias: $v3-ActCode = http://terminology.hl7.org/CodeSystem/v3-ActCode
Alias: $location-physical-type = http://terminology.hl7.org/CodeSystem/location-physical-type
Alias: $organization-type = http://terminology.hl7.org/CodeSystem/organization-type
Alias: $ndhm-identifier-type = https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code
Alias: $ndhm-billing-codes = https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-billing-codes
Alias: $ndhm-price-components = https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-price-components
Alias: $ucum = http://unitsofmeasure.org

// ABDM IG 6.5.0 profiles (package ndhm.in#6.5.0)
Alias: $AbdmEncounter = https://nrces.in/ndhm/fhir/r4/StructureDefinition/Encounter
Alias: $AbdmAppointment = https://nrces.in/ndhm/fhir/r4/StructureDefinition/Appointment
Alias: $AbdmOrganization = https://nrces.in/ndhm/fhir/r4/StructureDefinition/Organization
Alias: $AbdmMedication = https://nrces.in/ndhm/fhir/r4/StructureDefinition/Medication
Alias: $AbdmChargeItem = https://nrces.in/ndhm/fhir/r4/StructureDefinition/ChargeItem
Alias: $AbdmInvoice = https://nrces.in/ndhm/fhir/r4/StructureDefinition/Invoice

// Hospital-Ops systems
Alias: $hsn = https://hospital-ops.in/fhir/CodeSystem/hsn
Alias: $gstin = https://hospital-ops.in/fhir/sid/gstin
Alias: $hops-price-component = https://hospital-ops.in/fhir/CodeSystem/hops-price-component
