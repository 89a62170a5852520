// The drug formulary: one Medication per product (generic, strength, form), with the brand names
// it is sold under in India and its GST facts (hsn-sac-code, gst-rate extensions).

Extension: BrandName
Id: brand-name
Title: "Brand name"
Description: "A brand name under which the product is sold in India (repeat for each brand). The NRCeS IG's own BrandName extension applies to Immunization only, and its Medication profile allows a single code.coding, so brands cannot be codings."
Context: Medication
* insert HopsMetadata
* . ^short = "Brand name of the product"
* value[x] only string
* valueString 1..1

Instance: formulary-paracetamol-500-tablet
InstanceOf: Medication
Usage: #example
Title: "Formulary entry: paracetamol 500 mg tablet"
* meta.profile = "https://nrces.in/ndhm/fhir/r4/StructureDefinition/Medication"
* extension[0].url = "https://hospital-ops.in/fhir/StructureDefinition/hsn-sac-code"
* extension[0].valueCoding = $hsn#300490
* extension[1].url = "https://hospital-ops.in/fhir/StructureDefinition/gst-rate"
* extension[1].valueDecimal = 5
* extension[2].url = "https://hospital-ops.in/fhir/StructureDefinition/brand-name"
* extension[2].valueString = "Crocin"
* extension[3].url = "https://hospital-ops.in/fhir/StructureDefinition/brand-name"
* extension[3].valueString = "Dolo"
* code = http://snomed.info/sct#322236009 "Acetaminophen 500 mg oral tablet"
* code.text = "Paracetamol 500 mg tablet"
* status = #active
* form = http://snomed.info/sct#385055001 "Tablet"
