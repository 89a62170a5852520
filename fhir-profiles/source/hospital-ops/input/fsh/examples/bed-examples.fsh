Instance: ward-general-male
InstanceOf: HopsWard
Title: "General ward (male), Pune"
Description: "A ward of the Pune branch."
Usage: #example
* status = #active
* name = "General Ward (Male) - 2nd floor"
* physicalType = $location-physical-type#wa "Ward"
* managingOrganization = Reference(Organization/example-hospital) "Sanjeevani Hospitals, Pune"

Instance: bed-gw-m-12
InstanceOf: HopsBed
Title: "Bed GW-M-12 (occupied)"
Description: "Bed 12 of the male general ward, occupied."
Usage: #example
* status = #active
* name = "GW-M-12"
* operationalStatus = $v2-0116#O "Occupied"
* physicalType = $location-physical-type#bd "Bed"
* partOf = Reference(Location/ward-general-male) "General Ward (Male) - 2nd floor"
* managingOrganization = Reference(Organization/example-hospital) "Sanjeevani Hospitals, Pune"

Instance: bed-gw-m-13
InstanceOf: HopsBed
Title: "Bed GW-M-13 (housekeeping)"
Description: "Bed 13 of the male general ward, being cleaned after a discharge."
Usage: #example
* status = #active
* name = "GW-M-13"
* operationalStatus = $v2-0116#H "Housekeeping"
* physicalType = $location-physical-type#bd "Bed"
* partOf = Reference(Location/ward-general-male) "General Ward (Male) - 2nd floor"
