Instance: hospital-pune-gstin
InstanceOf: HopsOrganization
Title: "Sanjeevani Hospitals, Pune (with GSTIN)"
Description: "A hospital branch with its GSTIN (Maharashtra, state code 27)."
Usage: #example
* identifier[0].type = $ndhm-identifier-type#ROHINI "Registry of Hospitals in Network of Insurance (ROHINI) ID"
* identifier[=].system = "https://hospital-ops.in/fhir/sid/rohini"
* identifier[=].value = "8900080123456"
* identifier[gstin].type = $v2-0203#TAX "Tax ID number"
* identifier[gstin].system = $gstin
* identifier[gstin].value = "27AAACS1234F1Z5"
* active = true
* type = $organization-type#prov "Healthcare Provider"
* name = "Sanjeevani Hospitals, Pune"

Instance: charge-paracetamol-500
InstanceOf: HopsChargeItem
Title: "Charge for 10 tablets of paracetamol 500 mg"
Description: "A pharmacy sale to an OPD patient: HSN 30049099, GST 5 % (CGST 2.5 % + SGST 2.5 %)."
Usage: #example
* status = #billed
* code = $ndhm-billing-codes#05 "Medicines"
* subject = Reference(Patient/example-patient) "Sneha Kulkarni"
* quantity.value = 10
* productReference = Reference(Medication/stock-paracetamol-500-b2611)
* extension[hsnSac].valueCoding = $hsn#30049099
* extension[gstRate].valueDecimal = 5
* extension[gstTaxSplit].extension[cgst].valueMoney.value = 0.50
* extension[gstTaxSplit].extension[cgst].valueMoney.currency = #INR
* extension[gstTaxSplit].extension[sgst].valueMoney.value = 0.50
* extension[gstTaxSplit].extension[sgst].valueMoney.currency = #INR

Instance: invoice-pharmacy-intra-state
InstanceOf: HopsGstInvoice
Title: "Pharmacy GST invoice (intra-state)"
Description: "A pharmacy bill within Maharashtra: one medicine at 5 % GST split into CGST and SGST, and an exempt consultation (SAC 9993, 0 %)."
Usage: #example
* identifier.value = "PUN/PH/2026-27/004512"
* status = #issued
* type = $ndhm-billing-codes#01 "Pharmacy"
* subject = Reference(Patient/example-patient) "Sneha Kulkarni"
* date = "2026-11-25T11:25:00+05:30"
* issuer = Reference(Organization/hospital-pune-gstin) "Sanjeevani Hospitals, Pune"
* lineItem[0].sequence = 1
* lineItem[=].chargeItemReference = Reference(ChargeItem/charge-paracetamol-500)
* lineItem[=].extension[hsnSac].valueCoding = $hsn#30049099
* lineItem[=].extension[gstRate].valueDecimal = 5
* lineItem[=].extension[gstTaxSplit].extension[cgst].valueMoney.value = 0.50
* lineItem[=].extension[gstTaxSplit].extension[cgst].valueMoney.currency = #INR
* lineItem[=].extension[gstTaxSplit].extension[sgst].valueMoney.value = 0.50
* lineItem[=].extension[gstTaxSplit].extension[sgst].valueMoney.currency = #INR
* lineItem[=].priceComponent[0].type = #base
* lineItem[=].priceComponent[=].code = $ndhm-price-components#01 "Rate"
* lineItem[=].priceComponent[=].amount.value = 20.00
* lineItem[=].priceComponent[=].amount.currency = #INR
* lineItem[=].priceComponent[+].type = #informational
* lineItem[=].priceComponent[=].code = $ndhm-price-components#00 "MRP"
* lineItem[=].priceComponent[=].amount.value = 21.00
* lineItem[=].priceComponent[=].amount.currency = #INR
* lineItem[=].priceComponent[+].type = #tax
* lineItem[=].priceComponent[=].code = $ndhm-price-components#03 "CGST"
* lineItem[=].priceComponent[=].amount.value = 0.50
* lineItem[=].priceComponent[=].amount.currency = #INR
* lineItem[=].priceComponent[+].type = #tax
* lineItem[=].priceComponent[=].code = $ndhm-price-components#04 "SGST"
* lineItem[=].priceComponent[=].amount.value = 0.50
* lineItem[=].priceComponent[=].amount.currency = #INR
* lineItem[+].sequence = 2
* lineItem[=].chargeItemCodeableConcept = $ndhm-billing-codes#00 "Consultation"
* lineItem[=].extension[hsnSac].valueCoding = $hsn#9993
* lineItem[=].extension[gstRate].valueDecimal = 0
* lineItem[=].priceComponent[0].type = #base
* lineItem[=].priceComponent[=].code = $ndhm-price-components#01 "Rate"
* lineItem[=].priceComponent[=].amount.value = 500.00
* lineItem[=].priceComponent[=].amount.currency = #INR
* totalNet.value = 520.00
* totalNet.currency = #INR
* totalGross.value = 521.00
* totalGross.currency = #INR

Instance: invoice-pharmacy-inter-state
InstanceOf: HopsGstInvoice
Title: "Pharmacy GST invoice (inter-state)"
Description: "A sale from the Pune branch (Maharashtra) to a buyer in Karnataka: IGST instead of CGST + SGST. The ABDM price components have no IGST code, so the tax price component uses the Hospital-Ops code hops-price-component#IGST (the binding is extensible); the gst-tax-split extension carries the IGST amount too."
Usage: #example
* identifier.value = "PUN/PH/2026-27/004513"
* status = #issued
* type = $ndhm-billing-codes#01 "Pharmacy"
* subject = Reference(Patient/example-patient) "Sneha Kulkarni"
* date = "2026-11-25T12:05:00+05:30"
* issuer = Reference(Organization/hospital-pune-gstin) "Sanjeevani Hospitals, Pune"
* lineItem[0].sequence = 1
* lineItem[=].chargeItemCodeableConcept = $ndhm-billing-codes#05 "Medicines"
* lineItem[=].extension[hsnSac].valueCoding = $hsn#3004
* lineItem[=].extension[gstRate].valueDecimal = 5
* lineItem[=].extension[gstTaxSplit].extension[igst].valueMoney.value = 50.00
* lineItem[=].extension[gstTaxSplit].extension[igst].valueMoney.currency = #INR
* lineItem[=].priceComponent[0].type = #base
* lineItem[=].priceComponent[=].code = $ndhm-price-components#01 "Rate"
* lineItem[=].priceComponent[=].amount.value = 1000.00
* lineItem[=].priceComponent[=].amount.currency = #INR
* lineItem[=].priceComponent[+].type = #tax
* lineItem[=].priceComponent[=].code = $hops-price-component#IGST "IGST"
* lineItem[=].priceComponent[=].amount.value = 50.00
* lineItem[=].priceComponent[=].amount.currency = #INR
* totalNet.value = 1000.00
* totalNet.currency = #INR
* totalGross.value = 1050.00
* totalGross.currency = #INR
