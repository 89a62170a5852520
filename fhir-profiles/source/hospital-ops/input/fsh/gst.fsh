// GST (India's Goods and Services Tax): HSN/SAC codes, rates and the CGST/SGST/IGST split on bills,
// and the GSTIN of an organization.

CodeSystem: HsnSac
Id: hsn
Title: "HSN and SAC codes (GST)"
Description: "Harmonized System of Nomenclature (HSN) codes of goods and Services Accounting Codes (SAC, chapter 99 of the same GST tariff schedule) as used on Indian GST invoices: 4, 6 or 8 digits, e.g. 3004 (medicaments in measured doses), 30049099, 9993 (human health services), 999311 (inpatient services). The codes are defined by the Customs Tariff / GST rate schedules (CBIC); this resource only names the system, it does not list them. The ABDM IG carries a medicine's HSN code as Medication.identifier with type ndhm-identifier-type-code#HSN and has no code system for HSN."
* insert HopsMetadata
* ^experimental = false
* ^caseSensitive = true
* ^content = #not-present

Invariant: hops-hsn-1
Description: "An HSN/SAC code is 4, 6 or 8 digits"
Severity: #error
Expression: "value.ofType(Coding).code.all(matches('^([0-9]{4}|[0-9]{6}|[0-9]{8})$'))"

Extension: HsnSacCode
Id: hsn-sac-code
Title: "HSN/SAC code"
Description: "The HSN code (goods) or SAC code (services) of the item billed, which decides its GST rate. On a Medication (the formulary), the code its sales are billed under."
Context: Invoice.lineItem, ChargeItem, Medication
* insert HopsMetadata
* . ^short = "HSN/SAC code of the item billed"
* value[x] only Coding
* valueCoding 1..1
* valueCoding.system 1..1
* valueCoding.system = $hsn (exactly)
* valueCoding.code 1..1
* obeys hops-hsn-1

Invariant: hops-gst-rate-1
Description: "A GST rate is a percentage from 0 to 100"
Severity: #error
Expression: "value.ofType(decimal).all($this >= 0 and $this <= 100)"

Extension: GstRate
Id: gst-rate
Title: "GST rate"
Description: "The total GST rate applied to the item, in percent (e.g. 5 for 5 %: CGST 2.5 % + SGST 2.5 %, or IGST 5 %). 0 for nil-rated and exempt supplies. Rates change by HSN and date (e.g. most medicines 12 % to 5 % from 22 Sep 2025): record the rate that was applied, do not derive it later."
Context: Invoice.lineItem, ChargeItem, Medication
* insert HopsMetadata
* . ^short = "GST rate in percent"
* value[x] only decimal
* valueDecimal 1..1
* obeys hops-gst-rate-1

Invariant: hops-gst-split-1
Description: "Intra-state supply has CGST and SGST (and no IGST); inter-state supply has IGST (and no CGST or SGST)"
Severity: #error
Expression: "(extension.where(url = 'cgst').exists() and extension.where(url = 'sgst').exists() and extension.where(url = 'igst').empty()) or (extension.where(url = 'igst').exists() and extension.where(url = 'cgst').empty() and extension.where(url = 'sgst').empty())"

Extension: GstTaxSplit
Id: gst-tax-split
Title: "GST tax split"
Description: "The GST amounts charged on the item: CGST and SGST (UTGST in union territories goes in sgst) for a supply within a state, or IGST for a supply across states. The ABDM price components (ndhm-price-components) have codes for CGST and SGST only, so an IGST amount can only be given here."
Context: Invoice.lineItem, ChargeItem
* insert HopsMetadata
* . ^short = "CGST/SGST or IGST amounts"
* extension contains
    cgst 0..1 MS and
    sgst 0..1 MS and
    igst 0..1 MS
* extension[cgst] ^short = "Central GST amount (INR)"
* extension[cgst].value[x] only Money
* extension[cgst].valueMoney.value 1..1
* extension[cgst].valueMoney.currency 1..1
* extension[cgst].valueMoney.currency = #INR
* extension[sgst] ^short = "State (or union territory) GST amount (INR)"
* extension[sgst].value[x] only Money
* extension[sgst].valueMoney.value 1..1
* extension[sgst].valueMoney.currency 1..1
* extension[sgst].valueMoney.currency = #INR
* extension[igst] ^short = "Integrated GST amount (INR), inter-state supply"
* extension[igst].value[x] only Money
* extension[igst].valueMoney.value 1..1
* extension[igst].valueMoney.currency 1..1
* extension[igst].valueMoney.currency = #INR
* obeys hops-gst-split-1

Profile: HopsChargeItem
Parent: $AbdmChargeItem
Id: hops-charge-item
Title: "Hospital-Ops charge item"
Description: "The ABDM ChargeItem profile plus the GST extensions: HSN/SAC code, GST rate and tax split."
* insert HopsMetadata
* extension contains
    HsnSacCode named hsnSac 0..1 MS and
    GstRate named gstRate 0..1 MS and
    GstTaxSplit named gstTaxSplit 0..1 MS

Profile: HopsGstInvoice
Parent: $AbdmInvoice
Id: hops-gst-invoice
Title: "Hospital-Ops GST invoice"
Description: "A GST tax invoice: the ABDM Invoice profile with, on every line item, the HSN/SAC code and the GST rate applied (0 for exempt health care services), and the CGST/SGST or IGST amounts where tax is charged."
* insert HopsMetadata
* issuer MS
* lineItem.extension contains
    HsnSacCode named hsnSac 1..1 MS and
    GstRate named gstRate 1..1 MS and
    GstTaxSplit named gstTaxSplit 0..1 MS

// GSTIN

Instance: gstin
InstanceOf: NamingSystem
Usage: #definition
Title: "GSTIN"
* name = "GSTIN"
* status = #draft
* kind = #identifier
* date = "2026-11-25"
* publisher = "Hospital-Ops"
* responsible = "Goods and Services Tax Network (GSTN), Government of India"
* type = $v2-0203#TAX "Tax ID number"
* jurisdiction = urn:iso:std:iso:3166#IN "India"
* description = "Goods and Services Tax Identification Number: 15 characters, 2-digit state code, the 10-character PAN of the holder, the entity number (1-9, A-Z), the letter Z and a check character. Format: ^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$."
* uniqueId[0].type = #uri
* uniqueId[=].value = "https://hospital-ops.in/fhir/sid/gstin"
* uniqueId[=].preferred = true

Invariant: hops-gstin-1
Description: "A GSTIN is 15 characters: 2-digit state code, PAN (5 letters, 4 digits, 1 letter), entity number (1-9 or A-Z), Z, check character"
Severity: #error
Expression: "identifier.where(system = 'https://hospital-ops.in/fhir/sid/gstin').all(value.matches('^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$'))"

Profile: HopsOrganization
Parent: $AbdmOrganization
Id: hops-organization
Title: "Hospital-Ops organization"
Description: "The ABDM Organization profile plus an optional GSTIN identifier (system https://hospital-ops.in/fhir/sid/gstin, type v2-0203#TAX), whose format is checked."
* insert HopsMetadata
* obeys hops-gstin-1
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier contains gstin 0..1 MS
* identifier[gstin] ^short = "GSTIN (15 characters)"
* identifier[gstin].system 1..1
* identifier[gstin].system = $gstin (exactly)
* identifier[gstin].type = $v2-0203#TAX
* identifier[gstin].value 1..1

CodeSystem: HopsPriceComponent
Id: hops-price-component
Title: "Hospital-Ops price components"
Description: "Price component codes that the ABDM code system ndhm-price-components (00 MRP, 01 Rate, 02 Discount, 03 CGST, 04 SGST) lacks. Use with Invoice.lineItem.priceComponent.code, whose ABDM binding is extensible."
* insert HopsMetadata
* ^experimental = false
* ^caseSensitive = true
* ^content = #complete
* #IGST "IGST" "Integrated Goods and Services Tax: the GST on a supply from one state (or union territory) to another, instead of CGST + SGST."
