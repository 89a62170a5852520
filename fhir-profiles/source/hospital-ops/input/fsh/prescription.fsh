// OPD prescriptions: what the server and the apps keep on each MedicationRequest (docs/opd.md).

Extension: PrescriptionLine
Id: prescription-line
Title: "Prescription line number"
Description: "The place of this MedicationRequest on its visit's prescription: 1 for the first medicine the doctor wrote, 2 for the next, and so on across every save of the visit (groupIdentifier ties the lines of one save together but has no order, and authoredOn can be equal for lines added in the same second). Every screen and the printed prescription list a visit's medicines by this number; lines without it come after, by authoredOn."
Context: MedicationRequest
* insert HopsMetadata
* . ^short = "Position of the medicine on the visit's prescription (1, 2, 3 ...)"
* value[x] only positiveInt
* valuePositiveInt 1..1
