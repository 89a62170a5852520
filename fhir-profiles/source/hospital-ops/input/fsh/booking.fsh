// OPD booking: what the server keeps about a patient's appointments, and the business error
// codes its booking answers carry (docs/opd.md).

Extension: NoShowCount
Id: no-show-count
Title: "No-show count"
Description: "How many of the patient's appointments ended as no-shows (Appointment.status = noshow): the seed architecture's patients.no_show_count. Maintained by the server, never by clients: every Appointment write that makes or unmakes a no-show (its status set to or from noshow, a no-show deleted or moved to another patient) counts the patient's no-show Appointments again in the same transaction, and a value a client sends is replaced by the stored one. Absent means none."
Context: Patient
* insert HopsMetadata
* . ^short = "Number of the patient's appointments that were no-shows"
* value[x] only unsignedInt
* valueUnsignedInt 1..1

Instance: hops-no-show-count
InstanceOf: SearchParameter
Usage: #definition
Title: "Patient no-show-count"
* name = "NoShowCount"
* insert HopsInstanceMetadata
* description = "The patient's no-show count (no-show-count extension); a patient without one has no no-shows. E.g. no-show-count=ge3 for patients who often miss appointments."
* code = #no-show-count
* base = #Patient
* type = #number
* expression = "Patient.extension.where(url = 'https://hospital-ops.in/fhir/StructureDefinition/no-show-count').value"
* xpathUsage = #normal
* comparator[0] = #eq
* comparator[+] = #ne
* comparator[+] = #gt
* comparator[+] = #lt
* comparator[+] = #ge
* comparator[+] = #le

CodeSystem: HopsBusinessError
Id: hops-business-error
Title: "Hospital-Ops business errors"
Description: "Business error codes of the seed architecture's ErrorCode enum that Hospital-Ops puts in OperationOutcome.issue.details.coding, so that apps can tell one refusal from another without parsing text. The number in each definition is the seed's numeric code."
* insert HopsMetadata
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #SLOT_NOT_AVAILABLE "Slot not available" "3001: the Slot is held by another Appointment, or its status (busy-unavailable, entered-in-error) does not allow booking. Answered with HTTP 409."
* #SLOT_IN_PAST "Slot in the past" "The Slot starts before now: a past Slot cannot be booked (a patient who is already here is checked in as a walk-in). Answered with HTTP 422."
