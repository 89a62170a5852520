Instance: patient-with-no-shows
InstanceOf: https://nrces.in/ndhm/fhir/r4/StructureDefinition/Patient
Title: "Patient with two no-shows"
Description: "A registered OPD patient who missed two booked appointments; the server keeps the count."
Usage: #example
* identifier[0].type = $v2-0203#MR "Medical record number"
* identifier[=].system = "https://hospital-ops.in/fhir/sid/uhid"
* identifier[=].value = "SH-PUN-009002"
* name[0].text = "Rahul Deshmukh"
* name[=].family = "Deshmukh"
* name[=].given[0] = "Rahul"
* gender = #male
* birthDate = "1988-02-11"
* extension[0].url = "https://hospital-ops.in/fhir/StructureDefinition/no-show-count"
* extension[0].valueUnsignedInt = 2
