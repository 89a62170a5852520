Instance: prescription-line-two
InstanceOf: https://nrces.in/ndhm/fhir/r4/StructureDefinition/MedicationRequest
Title: "Second medicine of an OPD prescription"
Description: "The second line the doctor wrote on a visit's prescription: pantoprazole after paracetamol."
Usage: #example
* extension[0].url = "https://hospital-ops.in/fhir/StructureDefinition/prescription-line"
* extension[0].valuePositiveInt = 2
* status = #active
* intent = #order
* groupIdentifier.system = "urn:ietf:rfc:3986"
* groupIdentifier.value = "urn:uuid:6f1c2a7e-93b4-4f0e-8a51-2d7c9e0b4a11"
* medicationCodeableConcept = http://snomed.info/sct#317470008 "Pantoprazole 40 mg gastro-resistant oral tablet"
* medicationCodeableConcept.text = "Pantoprazole 40 mg tablet"
* subject.reference = "Patient/patient-with-no-shows"
* subject.display = "Rahul Deshmukh"
* authoredOn = "2026-12-07T10:38:00+05:30"
* requester.reference = "Practitioner/doctor-anand-joshi"
* requester.display = "Dr. Anand Joshi"
* dosageInstruction[0].text = "1-0-0 before food for 14 days"
