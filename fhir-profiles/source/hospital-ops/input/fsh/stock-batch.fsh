// Pharmacy stock: one Medication resource per batch (lot) of a product held in stock.

Extension: StockBatch
Id: stock-batch
Title: "Pharmacy stock batch"
Description: "Stock facts of one batch of a medicine held by a pharmacy or store: the quantity on hand, the MRP (maximum retail price, inclusive of GST, as printed on the pack) and the purchase rate. MRP and purchase rate are per the unit in which quantityOnHand is counted, in INR."
Context: Medication.batch
* insert HopsMetadata
* . ^short = "Quantity on hand, MRP and purchase rate of a batch"
* extension contains
    quantityOnHand 1..1 MS and
    mrp 1..1 MS and
    purchaseRate 0..1 MS
* extension[quantityOnHand] ^short = "Units of this batch in stock"
* extension[quantityOnHand].value[x] only SimpleQuantity
* extension[quantityOnHand].valueQuantity.value 1..1
* extension[mrp] ^short = "MRP per unit (INR, inclusive of GST)"
* extension[mrp].value[x] only Money
* extension[mrp].valueMoney.value 1..1
* extension[mrp].valueMoney.currency 1..1
* extension[mrp].valueMoney.currency = #INR
* extension[purchaseRate] ^short = "Purchase rate per unit paid to the supplier (INR, before GST)"
* extension[purchaseRate].value[x] only Money
* extension[purchaseRate].valueMoney.value 1..1
* extension[purchaseRate].valueMoney.currency 1..1
* extension[purchaseRate].valueMoney.currency = #INR
* obeys hops-stock-1

Invariant: hops-stock-1
Description: "Quantity on hand, MRP and purchase rate are not negative"
Severity: #error
Expression: "extension.where(url = 'quantityOnHand').value.ofType(Quantity).value.all($this >= 0) and extension.where(url = 'mrp' or url = 'purchaseRate').value.ofType(Money).value.all($this >= 0)"

Profile: HopsStockBatch
Parent: $AbdmMedication
Id: hops-stock-batch
Title: "Hospital-Ops stock batch"
Description: "One batch of a medicine in pharmacy stock: the ABDM Medication profile with batch, lot number and expiry date required, and the stock-batch extension (quantity on hand, MRP, purchase rate). The HSN code goes in identifier, as in the ABDM profile. Search by expiry with the R4 parameter `expiration-date` and by lot with `lot-number`."
* insert HopsMetadata
* batch 1..1 MS
* batch.lotNumber 1..1 MS
* batch.expirationDate 1..1 MS
* batch.extension contains StockBatch named stock 1..1 MS
* batch.extension[stock] ^short = "Quantity on hand, MRP and purchase rate"
