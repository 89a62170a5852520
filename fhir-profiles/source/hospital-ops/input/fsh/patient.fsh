// Registration at the OPD desk (docs/opd.md).

Extension: BirthDateEstimated
Id: birth-date-estimated
Title: "Birth date estimated"
Description: "The patient's birthDate was worked out from an age in years told at registration (today's day and month, that many years back), not from a known date of birth. FHIR R4 has no element for this; apps show the age as approximate and ask for the real date when it is known. Absent means the date was given."
Context: Patient
* insert HopsMetadata
* . ^short = "Whether birthDate is an estimate from an age"
* value[x] only boolean
* valueBoolean 1..1
