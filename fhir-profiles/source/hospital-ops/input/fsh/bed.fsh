// Beds and wards.

ValueSet: HopsBedStatus
Id: hops-bed-status
Title: "Hospital-Ops bed status"
Description: "The states a hospital bed can be in (Location.operationalStatus of a bed). All six are the HL7 v2 table 0116 (Bed Status) codes: vacant is U (Unoccupied)."
* insert HopsMetadata
* ^experimental = false
* $v2-0116#O "Occupied"
* $v2-0116#U "Unoccupied"
* $v2-0116#H "Housekeeping"
* $v2-0116#K "Contaminated"
* $v2-0116#C "Closed"
* $v2-0116#I "Isolated"

Profile: HopsWard
Parent: Location
Id: hops-ward
Title: "Hospital-Ops ward"
Description: "A ward of a hospital branch: a Location whose physicalType is ward (wa). Beds are partOf a ward."
* insert HopsMetadata
* name 1..1 MS
* physicalType 1..1 MS
* physicalType = $location-physical-type#wa
* managingOrganization MS
* partOf MS

Profile: HopsBed
Parent: Location
Id: hops-bed
Title: "Hospital-Ops bed"
Description: "A hospital bed: a Location whose physicalType is bed (bd), with its current state (operationalStatus, from the HL7 v2 bed status codes) and the ward it belongs to (partOf). The ABDM IG has no Location profile, so this derives from base Location. Search beds with the R4 parameters `partof` and `operational-status` (R4 has no search parameter on physicalType)."
* insert HopsMetadata
* name 1..1 MS
* status MS
* operationalStatus 1..1 MS
* operationalStatus from HopsBedStatus (required)
* physicalType 1..1 MS
* physicalType = $location-physical-type#bd
* partOf 1..1 MS
* partOf only Reference(HopsWard)
* managingOrganization MS
