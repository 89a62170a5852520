Instance: stock-paracetamol-500-b2611
InstanceOf: HopsStockBatch
Title: "Paracetamol 500 mg, batch PCM2611A"
Description: "A batch of paracetamol 500 mg tablets in the Pune pharmacy: 240 tablets on hand, MRP 2.10 per tablet, bought at 1.35."
Usage: #example
* identifier.type = $ndhm-identifier-type#HSN "Harmonized System of Nomenclature"
* identifier.value = "30049099"
* code = $sct#322236009 "Paracetamol 500 mg oral tablet"
* status = #active
* form = $sct#385055001 "Tablet"
* batch.lotNumber = "PCM2611A"
* batch.expirationDate = "2028-10-31"
* batch.extension[stock].extension[quantityOnHand].valueQuantity = 240 '{tbl}' "tablet"
* batch.extension[stock].extension[mrp].valueMoney.value = 2.10
* batch.extension[stock].extension[mrp].valueMoney.currency = #INR
* batch.extension[stock].extension[purchaseRate].valueMoney.value = 1.35
* batch.extension[stock].extension[purchaseRate].valueMoney.currency = #INR
