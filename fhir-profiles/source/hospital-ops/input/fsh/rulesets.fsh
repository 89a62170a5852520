// Metadata of every conformance resource here. Keep `^version` equal to `version` in sushi-config.yaml.
RuleSet: HopsMetadata
* ^version = "0.1.0"
* ^status = #draft
* ^publisher = "Hospital-Ops"
* ^jurisdiction = urn:iso:std:iso:3166#IN "India"

RuleSet: HopsInstanceMetadata
* version = "0.1.0"
* status = #draft
* publisher = "Hospital-Ops"
* jurisdiction = urn:iso:std:iso:3166#IN "India"
