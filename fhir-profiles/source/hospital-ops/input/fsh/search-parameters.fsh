// Search parameters on the extensions above. Not defined here because R4 already has them:
// - bed state: Location `operational-status` (Location.operationalStatus)
// - stock batch expiry: Medication `expiration-date` (Medication.batch.expirationDate), and `lot-number`
// The queue-token and queue-date parameters are in opd-queue.fsh.

Instance: hops-hsn
InstanceOf: SearchParameter
Usage: #definition
Title: "ChargeItem hsn"
* name = "Hsn"
* insert HopsInstanceMetadata
* description = "The HSN/SAC code of a charge item (hsn-sac-code extension), e.g. hsn=3004 or hsn=https://hospital-ops.in/fhir/CodeSystem/hsn|3004."
* code = #hsn
* base = #ChargeItem
* type = #token
* expression = "ChargeItem.extension.where(url = 'https://hospital-ops.in/fhir/StructureDefinition/hsn-sac-code').value"
* xpathUsage = #normal
