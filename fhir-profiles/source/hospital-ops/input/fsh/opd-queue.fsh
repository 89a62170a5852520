// OPD queue token: the number a patient is called by in an out-patient queue.

Extension: OpdQueueToken
Id: opd-queue-token
Title: "OPD queue token"
Description: "The OPD token (queue) number given to a patient for a visit, and the day of the queue. Tokens are counted per branch, per practitioner and per day: the branch is the Encounter's serviceProvider/location (the Appointment's participant Location), the practitioner its participant, the day is `date`. The ABDM Scan & Share flow returns the same number to the patient's app."
Context: Encounter, Appointment
* insert HopsMetadata
* . ^short = "OPD token number and queue date"
* extension contains
    number 1..1 MS and
    date 1..1 MS
* extension[number] ^short = "Token number, from 1 each day"
* extension[number].value[x] only positiveInt
* extension[date] ^short = "The day of the queue the token belongs to (local date at the branch)"
* extension[date].value[x] only date

Profile: HopsOpdEncounter
Parent: $AbdmEncounter
Id: hops-opd-encounter
Title: "Hospital-Ops OPD Encounter"
Description: "An out-patient (OPD) visit: the ABDM Encounter profile plus the OPD queue token."
* insert HopsMetadata
* extension contains OpdQueueToken named queueToken 0..1 MS
* extension[queueToken] ^short = "OPD token number and queue date"

Instance: hops-queue-token-number
InstanceOf: SearchParameter
Usage: #definition
Title: "Encounter/Appointment queue-token"
* name = "QueueToken"
* insert HopsInstanceMetadata
* description = "The OPD token number (opd-queue-token extension, sub-extension `number`). Combine with queue-date, the practitioner and the branch to find one visit."
* code = #queue-token
* base[0] = #Encounter
* base[+] = #Appointment
* type = #number
* expression = "Encounter.extension.where(url = 'https://hospital-ops.in/fhir/StructureDefinition/opd-queue-token').extension.where(url = 'number').value | Appointment.extension.where(url = 'https://hospital-ops.in/fhir/StructureDefinition/opd-queue-token').extension.where(url = 'number').value"
* xpathUsage = #normal
* comparator[0] = #eq
* comparator[+] = #ne
* comparator[+] = #gt
* comparator[+] = #lt
* comparator[+] = #ge
* comparator[+] = #le

Instance: hops-queue-token-date
InstanceOf: SearchParameter
Usage: #definition
Title: "Encounter/Appointment queue-date"
* name = "QueueDate"
* insert HopsInstanceMetadata
* description = "The day of the OPD queue (opd-queue-token extension, sub-extension `date`)."
* code = #queue-date
* base[0] = #Encounter
* base[+] = #Appointment
* type = #date
* expression = "Encounter.extension.where(url = 'https://hospital-ops.in/fhir/StructureDefinition/opd-queue-token').extension.where(url = 'date').value | Appointment.extension.where(url = 'https://hospital-ops.in/fhir/StructureDefinition/opd-queue-token').extension.where(url = 'date').value"
* xpathUsage = #normal
* comparator[0] = #eq
* comparator[+] = #ne
* comparator[+] = #gt
* comparator[+] = #lt
* comparator[+] = #ge
* comparator[+] = #le
