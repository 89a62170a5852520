Instance: opd-encounter-token-17
InstanceOf: HopsOpdEncounter
Title: "OPD visit with token 17"
Description: "An OPD consultation at the Pune branch, token 17 of Dr. Joshi's queue on 25 Nov 2026."
Usage: #example
* status = #in-progress
* class = $v3-ActCode#AMB "ambulatory"
* subject = Reference(Patient/example-patient) "Sneha Kulkarni"
* participant[0].individual = Reference(Practitioner/example-practitioner) "Dr. Anand Joshi"
* period.start = "2026-11-25T10:40:00+05:30"
* serviceProvider = Reference(Organization/example-hospital) "Sanjeevani Hospitals, Pune"
* extension[queueToken].extension[number].valuePositiveInt = 17
* extension[queueToken].extension[date].valueDate = "2026-11-25"

Instance: opd-appointment-token-18
InstanceOf: $AbdmAppointment
Title: "OPD appointment with token 18"
Description: "A booked OPD appointment that was given token 18 in advance."
Usage: #example
* status = #booked
* start = "2026-11-25T11:00:00+05:30"
* end = "2026-11-25T11:10:00+05:30"
* participant[0].actor = Reference(Patient/example-patient) "Sneha Kulkarni"
* participant[=].status = #accepted
* participant[+].actor = Reference(Practitioner/example-practitioner) "Dr. Anand Joshi"
* participant[=].status = #accepted
* extension[OpdQueueToken].extension[number].valuePositiveInt = 18
* extension[OpdQueueToken].extension[date].valueDate = "2026-11-25"
